"""One patient turn, decided in plain Python: from the message, the screen's result and what the
conversation is waiting for, to a plan that actions/screen.py carries out.

In order, the first that applies decides:
1. an emergency: the emergency line, then the handoff (nothing outranks it);
2. an answer to "Is this happening to you now?": yes hands the earlier message off as the
   patient's own, no answers it as the question it was;
3. a request for a person: a ticket (a repeated fallback when it accepts our offer of one);
4. where the screen found nothing to escalate: a typed "1"/"2" answers the topic question asked
   last turn, and a message NLU cannot settle between two topics gets that question;
5. the screen's outcome: hand off, ask, or let the rule's FAQ answer follow its caveat lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Collection

from bot.kinds import Finding, Reason, Severity
from bot.language.clarify import FALLBACK, chosen_topic, reply_for
from bot.replies import yes_or_no
from bot.safety import Opinion, Outcome, ScreenResult

PENDING_TEXT = "screen_pending_text"  # "Is this happening to you now?" is waiting for yes or no
PENDING_INTENT = "screen_pending_intent"
# The learned opinion Rasa's NLU formed of that message, kept so that re-screening it needs no
# sentence encoder in the action server (Opinion.as_text).
PENDING_OPINION = "screen_pending_opinion"
PENDING_TOPICS = "screen_pending_topics"  # "Did you mean: A or B?" is waiting for a choice
OFFER_HUMAN = "utter_offer_human"
CLEAR_PENDING = ((PENDING_TEXT, None), (PENDING_INTENT, None), (PENDING_OPINION, None))

# The lines said before the FAQ answer, by what the screen decided (keys of safety_messages.yml).
ANSWER_LINES = {
    Outcome.OTHER_PERSON_EMERGENCY: ("other_person_emergency",),
    Outcome.OTHER_PERSON: ("other_person",),
    Outcome.ANSWER_WITH_EMERGENCY_INFO: ("emergency_info", "caveat"),
    Outcome.ANSWER_WITH_CAVEAT: ("caveat",),
}


@dataclass(frozen=True)
class Turn:
    """What the conversation holds this turn, read from the tracker once."""

    conversation_id: str
    channel: str
    text: str
    intent: str | None
    ranking: tuple[tuple[str, float], ...] = ()  # NLU's ranking, best first, before any fallback
    opinion: Opinion | None = None  # the learned opinion of `text`, when NLU formed one
    pending_text: str | None = None
    pending_intent: str | None = None
    pending_opinion: Opinion | None = None
    offered_topics: tuple[str, ...] = ()
    last_bot_action: str | None = None


@dataclass(frozen=True)
class HandoffNeed:
    """Why a person is needed, how soon, and what the screen found in which message."""

    reason: Reason
    severity: Severity
    trigger: str
    findings: tuple[Finding, ...] = ()
    on_behalf: bool = False  # written by family or a friend for the treated person

    @property
    def closing_lines(self) -> tuple[str, ...]:
        """What to do meanwhile: urgent advice, or the documents' reassurance for a routine report."""
        if self.severity == Severity.urgent:
            return ("urgent_advice",)
        if self.reason == Reason.side_effect and self.severity == Severity.routine and not self.on_behalf:
            return ("routine_reassurance",)
        return ()


@dataclass(frozen=True)
class Plan:
    """What this turn says and does. Lines come first, then the question, answer or handoff."""

    lines: tuple[str, ...] = ()
    handoff: HandoffNeed | None = None
    ask_happening_now: bool = False
    offer_topics: tuple[str, ...] = ()
    response: str | None = None  # a domain response this plan sends itself (utter_…)
    slots: tuple[tuple[str, str | None], ...] = field(default_factory=tuple)
    stop: bool = False  # skip the rule's own FAQ answer this turn

    @property
    def pauses(self) -> bool:
        return self.handoff is not None


Screen = Callable[[str, "Opinion | None"], ScreenResult]


def triage(turn: Turn, screened: ScreenResult, *, screen: Screen, responses: Collection[str]) -> Plan:
    """`screened` is the screen's result for `turn.text`; `screen` re-reads an earlier message
    (with its learned opinion, when known) when the patient says it is happening to them now;
    `responses` are the domain's response names."""
    clear = CLEAR_PENDING if turn.pending_text else ()
    if screened.outcome == Outcome.EMERGENCY:
        return screen_plan(turn, screened, clear)
    happening_now = yes_or_no(turn.text, turn.intent) if turn.pending_text else None
    if happening_now is not None:
        return answer_to_clarification(turn, happening_now, screen, responses)
    if turn.intent == "request_human" and not screened.hands_off:
        reason = Reason.repeated_fallback if turn.last_bot_action == OFFER_HUMAN else Reason.human_request
        return Plan(handoff=HandoffNeed(reason, Severity.routine, turn.text), slots=CLEAR_PENDING)
    if screened.outcome <= Outcome.ANSWER_WITH_CAVEAT:
        topic_plan = take_or_offer_topic(turn, clear)
        if topic_plan is not None:
            return topic_plan
    plan = screen_plan(turn, screened, clear)
    if turn.offered_topics and not plan.pauses:  # the choice was not taken: forget it
        return replace(plan, slots=(*plan.slots, (PENDING_TOPICS, None)))
    return plan


def screen_plan(turn: Turn, screened: ScreenResult, clear: tuple[tuple[str, None], ...]) -> Plan:
    outcome = screened.outcome
    if screened.hands_off:
        assert screened.reason is not None and screened.severity is not None
        line = ("emergency_for_someone" if screened.on_behalf else "emergency",) if outcome == Outcome.EMERGENCY else ()
        need = HandoffNeed(screened.reason, screened.severity, turn.text, screened.findings, screened.on_behalf)
        return Plan(lines=line, handoff=need, slots=CLEAR_PENDING)
    if outcome == Outcome.CLARIFY:
        return Plan(lines=("emergency_info",) if screened.emergency_line else (), ask_happening_now=True,
                    slots=((PENDING_TEXT, turn.text), (PENDING_INTENT, turn.intent),
                           (PENDING_OPINION, turn.opinion.as_text() if turn.opinion else None)), stop=True)
    return Plan(lines=ANSWER_LINES.get(outcome, ()), slots=clear)


def answer_to_clarification(turn: Turn, happening_now: bool, screen: Screen, responses: Collection[str]) -> Plan:
    earlier = turn.pending_text or ""
    if happening_now:
        need = personal_need(screen(earlier, turn.pending_opinion), earlier)
        return Plan(lines=("emergency",) if need.severity == Severity.emergency else (), handoff=need,
                    slots=CLEAR_PENDING)
    answer = f"utter_{turn.pending_intent}"
    return Plan(lines=("clarify_denied",), response=answer if answer in responses else None,
                slots=CLEAR_PENDING, stop=True)


def personal_need(screened: ScreenResult, earlier: str) -> HandoffNeed:
    """The patient says the earlier message is about them, now: escalate what it named."""
    categories = {finding.category for finding in screened.findings}
    if "red_flag" in categories:
        return HandoffNeed(Reason.emergency, Severity.emergency, earlier, screened.findings)
    if "side_effect" in categories or not categories:
        severity = screened.severity if screened.reason == Reason.side_effect and screened.severity else Severity.routine
        return HandoffNeed(Reason.side_effect, severity, earlier, screened.findings)
    return HandoffNeed(Reason.contraindication, Severity.routine, earlier, screened.findings)


def take_or_offer_topic(turn: Turn, clear: tuple[tuple[str, None], ...]) -> Plan | None:
    """A typed "1" or "2" answers the topic question asked last turn; a message NLU cannot settle
    between two topics gets that question. None: neither, the screen's plan carries on."""
    if turn.offered_topics and turn.intent == FALLBACK:
        topic = chosen_topic(turn.text, turn.offered_topics)
        if topic is not None:
            return Plan(response=f"utter_{topic}", slots=(*clear, (PENDING_TOPICS, None)), stop=True)
    reply = reply_for(turn.intent, turn.ranking)
    if reply.kind == "choose":
        return Plan(offer_topics=reply.choices, slots=(*clear, (PENDING_TOPICS, " ".join(reply.choices))), stop=True)
    return None
