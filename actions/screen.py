"""action_screen_message: the safety screen, run on every patient message before any answer.

Every rule runs this action first, whatever intent NLU predicted (fallbacks included), so a report
of a side effect or a contraindication reaches a person even when NLU mistakes it for a FAQ. The
action reads the tracker once, asks `bot.triage.triage` what to do, and carries the plan out:
- a handoff (ticket, staff notified, conversation paused) on a report, a contraindication, an
  emergency (after telling the patient to call the emergency number) or a request for a person;
- "Is this happening to you now?" when the screen cannot tell, stopping the FAQ answer;
- otherwise the rule's answer follows, with a caveat line first where a symptom was named.
"""

import asyncio
import logging
from functools import lru_cache, partial
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.handoff import TicketStore, WebhookNotifier, default_database_url
from bot.handoff.service import open_handoff_or_spool
from bot.handoff.spool import HandoffRequest, HandoffSpool, spool_directory
from bot.handoff.worker import wake_worker
from bot.profile import ClinicProfile, load_profile
from bot.replies import (
    clarify_message,
    domain_response_names,
    handoff_message,
    handoff_payload,
    render,
    topic_choice_message,
)
from bot.safety import Opinion, screen
from bot.safety.learned import PARSE_DATA_KEY
from bot.triage import (
    PENDING_INTENT,
    PENDING_OPINION,
    PENDING_TEXT,
    PENDING_TOPICS,
    HandoffNeed,
    Plan,
    Turn,
    triage,
)

logger = logging.getLogger(__name__)

SCREEN_ACTION = "action_screen_message"


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
        return SCREEN_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        turn = read_turn(tracker)
        plan = triage(turn, screen(turn.text, turn.opinion), screen=screen, responses=domain_response_names())
        return await carry_out(plan, turn, dispatcher, load_profile())


def read_turn(tracker: Tracker) -> Turn:
    latest = tracker.latest_message
    ranking = tuple((str(entry.get("name")), float(entry.get("confidence") or 0.0))
                    for entry in latest.get("intent_ranking") or [])
    return Turn(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        text=latest.get("text") or "",
        intent=(latest.get("intent") or {}).get("name"),
        ranking=ranking,
        opinion=Opinion.from_dict(latest.get(PARSE_DATA_KEY)),  # formed by Rasa's NLU
        pending_text=tracker.get_slot(PENDING_TEXT),
        pending_intent=tracker.get_slot(PENDING_INTENT),
        pending_opinion=Opinion.from_text(tracker.get_slot(PENDING_OPINION)),
        offered_topics=tuple((tracker.get_slot(PENDING_TOPICS) or "").split()),
        last_bot_action=last_bot_action(tracker.events),
    )


def last_bot_action(events: List[Dict[str, Any]]) -> str | None:
    """The last action before this turn's own, other than listening and screening."""
    for event in reversed(events[:-1]):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", SCREEN_ACTION):
            return event.get("name")
    return None


async def carry_out(plan: Plan, turn: Turn, dispatcher: CollectingDispatcher, profile: ClinicProfile) -> List[EventType]:
    for line in plan.lines:
        dispatcher.utter_message(text=render(line, profile))
    if plan.ask_happening_now:
        dispatcher.utter_message(**clarify_message(profile, turn.channel))
    if plan.offer_topics:
        dispatcher.utter_message(**topic_choice_message(plan.offer_topics, profile, turn.channel))
    if plan.response:
        dispatcher.utter_message(response=plan.response)
    if plan.handoff is not None:
        await hand_off(plan.handoff, turn, dispatcher, profile)
    events: List[EventType] = [SlotSet(name, value) for name, value in plan.slots]
    if plan.stop:
        events.append(FollowupAction("action_listen"))  # skip the rule's FAQ answer for this turn
    if plan.pauses:
        events.append(ConversationPaused())
    return events


async def hand_off(need: HandoffNeed, turn: Turn, dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    """Write the ticket, wake the worker that notifies staff, and tell the patient what happens
    next. If the ticket database is down the handoff is spooled (and written later); either way,
    without a ticket number the patient is told to call the clinic."""
    request = HandoffRequest(
        conversation_id=turn.conversation_id, channel=turn.channel, reason=need.reason, severity=need.severity,
        findings=[finding.as_dict() for finding in need.findings], trigger_message=need.trigger,
        clinic_name=profile.name,
    )
    try:
        record = partial(open_handoff_or_spool, ticket_store, notifier(), spool(), request)
        ticket = await asyncio.get_running_loop().run_in_executor(None, record)
    except Exception as error:  # the spool failed too; no message text in the log
        logger.critical("HANDOFF LOST: neither the ticket database nor the spool took the handoff for "
                        "conversation %s (%s, %s): %s", turn.conversation_id, need.reason, need.severity,
                        type(error).__name__)
        ticket = None
    wake_worker()  # staff are notified, and anything spooled is replayed, outside this turn
    if ticket is None:
        text, ticket_id = render("handoff_without_ticket", profile), None
    else:
        message_key = "human_request" if need.reason.asked_for_a_person else "handoff"
        text, ticket_id = render(message_key, profile, ticket=ticket.id), ticket.id
    payload = handoff_payload(ticket_id, need.reason, need.severity, profile)
    dispatcher.utter_message(**handoff_message(text, payload, turn.channel, profile))
    for line in need.closing_lines:
        dispatcher.utter_message(text=render(line, profile))
