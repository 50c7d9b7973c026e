"""action_screen_message: the safety screen, run on every patient message before any answer.

Every rule runs this action first, whatever intent NLU predicted (fallbacks included), so a report
of a side effect or a contraindication reaches a person even when NLU mistakes it for a FAQ. It:
- hands off (ticket, staff notified, conversation paused) on a report, a contraindication, an
  emergency (after telling the patient to call the emergency number) or a request for a person;
- asks "Is this happening to you now?" when it cannot tell, and stops the FAQ answer;
- otherwise lets the rule's answer follow, with a caveat line first where a symptom was named.
"""

import asyncio
import logging
from functools import lru_cache, partial
from typing import Any, Dict, List, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.handoff import TicketStore, WebhookNotifier, default_database_url
from bot.handoff.service import open_handoff_or_spool
from bot.handoff.spool import HandoffRequest, HandoffSpool, spool_directory
from bot.language.clarify import chosen_topic, reply_for
from bot.profile import ClinicProfile, load_profile
from bot.replies import (
    clarify_message,
    domain_response_names,
    handoff_message,
    handoff_payload,
    render,
    topic_choice_message,
    yes_or_no,
)
from bot.safety import Outcome, ScreenResult, screen

logger = logging.getLogger(__name__)

PENDING_TEXT = "screen_pending_text"
PENDING_INTENT = "screen_pending_intent"
PENDING_TOPICS = "screen_pending_topics"  # "Did you mean: A or B?" is waiting for a choice
CLEAR_PENDING = [SlotSet(PENDING_TEXT, None), SlotSet(PENDING_INTENT, None)]
STOP_HERE = FollowupAction("action_listen")  # skip the rule's FAQ answer for this turn


@lru_cache(maxsize=1)
def ticket_store() -> TicketStore:
    return TicketStore(default_database_url())


@lru_cache(maxsize=1)
def notifier() -> WebhookNotifier:
    return WebhookNotifier.from_environment()


@lru_cache(maxsize=1)
def spool() -> HandoffSpool:
    return HandoffSpool(spool_directory())


class ActionScreenMessage(Action):
    def name(self) -> str:
        return "action_screen_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        profile = load_profile()
        pending = tracker.get_slot(PENDING_TEXT)
        result = screen(text)
        if result.outcome == Outcome.EMERGENCY:  # nothing outranks an emergency
            return await self.act_on(result, dispatcher, tracker, profile, text, intent, bool(pending))
        answer = yes_or_no(text, intent) if pending else None
        if answer is not None:
            return await self.answer_to_clarification(dispatcher, tracker, profile, answer)
        if intent == "request_human" and not result.hands_off:
            reason = "repeated_fallback" if last_bot_action(tracker) == "utter_offer_human" else "human_request"
            return await hand_off(dispatcher, tracker, profile, reason, "routine", [], text)
        if result.outcome <= Outcome.ANSWER_WITH_CAVEAT:
            topic_events = self.offer_or_take_topic(dispatcher, tracker, profile, text, intent)
            if topic_events is not None:
                return [*(CLEAR_PENDING if pending else []), *topic_events]
        return await self.act_on(result, dispatcher, tracker, profile, text, intent, bool(pending))

    def offer_or_take_topic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, profile: ClinicProfile, text: str,
        intent: str | None,
    ) -> List[EventType] | None:
        """A typed "1" or "2" answers the topic question asked last turn; a message NLU cannot
        settle between two topics gets that question. None: neither, the rules carry on."""
        offered = (tracker.get_slot(PENDING_TOPICS) or "").split()
        if offered and intent == "nlu_fallback":
            topic = chosen_topic(text, offered)
            if topic is not None:
                dispatcher.utter_message(response=f"utter_{topic}")
                return [SlotSet(PENDING_TOPICS, None), STOP_HERE]
        ranking = [(entry.get("name"), float(entry.get("confidence") or 0.0))
                   for entry in tracker.latest_message.get("intent_ranking") or []]
        reply = reply_for(intent, ranking)
        if reply.kind == "choose":
            dispatcher.utter_message(**topic_choice_message(reply.choices, profile, tracker.get_latest_input_channel()))
            return [SlotSet(PENDING_TOPICS, " ".join(reply.choices)), STOP_HERE]
        return [SlotSet(PENDING_TOPICS, None)] if offered else None

    async def act_on(
        self, result: ScreenResult, dispatcher: CollectingDispatcher, tracker: Tracker,
        profile: ClinicProfile, text: str, intent: str | None, had_pending: bool,
    ) -> List[EventType]:
        outcome = result.outcome
        if outcome == Outcome.EMERGENCY:
            dispatcher.utter_message(text=render("emergency_for_someone" if result.on_behalf else "emergency", profile))
        if result.hands_off:
            return await hand_off(dispatcher, tracker, profile, result.reason, result.severity,
                                  result.findings, text, result.on_behalf)
        if outcome == Outcome.CLARIFY:
            if result.emergency_line:
                dispatcher.utter_message(text=render("emergency_info", profile))
            dispatcher.utter_message(**clarify_message(profile, tracker.get_latest_input_channel()))
            return [SlotSet(PENDING_TEXT, text), SlotSet(PENDING_INTENT, intent), STOP_HERE]
        if outcome == Outcome.OTHER_PERSON_EMERGENCY:
            dispatcher.utter_message(text=render("other_person_emergency", profile))
        elif outcome == Outcome.OTHER_PERSON:
            dispatcher.utter_message(text=render("other_person", profile))
        elif outcome == Outcome.ANSWER_WITH_EMERGENCY_INFO:
            dispatcher.utter_message(text=render("emergency_info", profile))
            dispatcher.utter_message(text=render("caveat", profile))
        elif outcome == Outcome.ANSWER_WITH_CAVEAT:
            dispatcher.utter_message(text=render("caveat", profile))
        return CLEAR_PENDING if had_pending else []

    async def answer_to_clarification(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, profile: ClinicProfile, happening_now: bool,
    ) -> List[EventType]:
        """Yes: hand off the earlier message as the patient's own. No: answer it as a question."""
        pending_text = tracker.get_slot(PENDING_TEXT) or ""
        if happening_now:
            result = screen(pending_text)
            reason, severity = personal_reason(result)
            if severity == "emergency":
                dispatcher.utter_message(text=render("emergency", profile))
            return await hand_off(dispatcher, tracker, profile, reason, severity, result.findings, pending_text)
        dispatcher.utter_message(text=render("clarify_denied", profile))
        answer = f"utter_{tracker.get_slot(PENDING_INTENT)}"
        if answer in domain_response_names():
            dispatcher.utter_message(response=answer)
        return [*CLEAR_PENDING, STOP_HERE]


def personal_reason(result: ScreenResult) -> tuple[str, str]:
    """The patient says the earlier message is about them, now: escalate what it named."""
    categories = {finding["category"] for finding in result.findings}
    if "red_flag" in categories:
        return "emergency", "emergency"
    if "side_effect" in categories or not categories:
        return "side_effect", result.severity if result.reason == "side_effect" else "routine"
    return "contraindication", "routine"


def last_bot_action(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events[:-1]):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "action_screen_message"):
            return event.get("name")
    return None


async def hand_off(
    dispatcher: CollectingDispatcher, tracker: Tracker, profile: ClinicProfile, reason: str,
    severity: str, findings: Sequence[Dict[str, Any]], trigger: str, on_behalf: bool = False,
) -> List[EventType]:
    """Write the ticket, notify staff, tell the patient what happens next, and pause the bot.
    If the ticket database is down the handoff is spooled (and written later); either way, without
    a ticket number the patient is told to call the clinic."""
    request = HandoffRequest(
        conversation_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "unknown",
        reason=reason, severity=severity, findings=[dict(finding) for finding in findings],
        trigger_message=trigger, clinic_name=profile.name,
    )
    try:
        record = partial(open_handoff_or_spool, ticket_store, notifier(), spool(), request)
        ticket = await asyncio.get_running_loop().run_in_executor(None, record)
    except Exception as error:  # the spool failed too; no message text in the log
        logger.critical("HANDOFF LOST: neither the ticket database nor the spool took the handoff for "
                        "conversation %s (%s, %s): %s", tracker.sender_id, reason, severity, type(error).__name__)
        ticket = None
    if ticket is None:
        text, ticket_id = render("handoff_without_ticket", profile), None
    else:
        message_key = "human_request" if reason in ("human_request", "repeated_fallback") else "handoff"
        text, ticket_id = render(message_key, profile, ticket=ticket.id), ticket.id
    payload = handoff_payload(ticket_id, reason, severity, profile)
    dispatcher.utter_message(**handoff_message(text, payload, tracker.get_latest_input_channel(), profile))
    if severity == "urgent":
        dispatcher.utter_message(text=render("urgent_advice", profile))
    elif reason == "side_effect" and severity == "routine" and not on_behalf:
        dispatcher.utter_message(text=render("routine_reassurance", profile))
    return [*CLEAR_PENDING, ConversationPaused()]
