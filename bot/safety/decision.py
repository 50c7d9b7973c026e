"""The fail-safe decision table: from findings and their context to what the assistant does.

Context may only lower an escalation, never raise it. Where the table is unsure it asks the
patient ("Is this happening to you now?") or escalates; it never silently answers the FAQ.

| finding            | context                                   | outcome                          |
|--------------------|-------------------------------------------|----------------------------------|
| red flag           | affirmed, the patient or unknown          | EMERGENCY (emergency line + handoff) |
| red flag           | someone else                              | OTHER_PERSON_EMERGENCY (emergency line) |
| red flag           | hypothetical or a general question        | ANSWER + emergency line          |
| side effect        | the patient (now or in the past)          | HANDOFF (urgent/routine)         |
| contraindication   | the patient (now, planned or possible)    | HANDOFF                          |
| either             | someone else                              | OTHER_PERSON (they should contact their clinic) |
| either             | hypothetical or general question          | ANSWER + "if this is happening to you now…" |
| side effect        | a bare question with no one named         | CLARIFY                          |
| side effect        | the same, with a time that is now ("since yesterday") | HANDOFF             |
| red flag, contraindication | a bare question, no one named  | EMERGENCY, HANDOFF (fail-safe)   |
| either             | a statement with no one named             | HANDOFF (fail-safe)              |
| any                | negated                                   | nothing; in doubt → CLARIFY (red flag: EMERGENCY) |
| an expected effect | told as over and fine after it, in its sentence | ANSWER + the offer ("settles")  |
| any                | the patient and someone else in one clause | CLARIFY (red flag: EMERGENCY)   |
| nothing named      | "is this normal?", "it's still there"     | CLARIFY                          |
| a treatment goal   | "can meso help my scars?"; with a time that is now ("since the jabs") | ANSWER; CLARIFY |
"""

from dataclasses import dataclass, replace
from enum import IntEnum
from functools import lru_cache

from bot.kinds import Finding, Reason, Severity, most_serious
from bot.safety.detector import LEXICON, Analysis, Mention, read_yaml
from bot.safety.learned import Opinion, settings


class Outcome(IntEnum):
    """Ordered: when findings disagree, the highest outcome wins."""

    ANSWER = 0
    ANSWER_WITH_CAVEAT = 1
    ANSWER_WITH_EMERGENCY_INFO = 2
    OTHER_PERSON = 3
    CLARIFY = 4
    OTHER_PERSON_EMERGENCY = 5
    HANDOFF = 6
    EMERGENCY = 7


EMERGENCY_LINE = {Outcome.EMERGENCY, Outcome.OTHER_PERSON_EMERGENCY, Outcome.ANSWER_WITH_EMERGENCY_INFO}


@dataclass(frozen=True)
class ScreenResult:
    outcome: Outcome
    reason: Reason | None  # emergency | side_effect | contraindication, when handing off
    severity: Severity | None  # when handing off
    emergency_line: bool
    findings: tuple[Finding, ...]
    on_behalf: bool = False  # the report is about someone else, written by family or a friend

    @property
    def hands_off(self) -> bool:
        return self.outcome in (Outcome.HANDOFF, Outcome.EMERGENCY)


def finding_outcome(finding: Mention) -> Outcome:
    modifiers, person = finding.modifiers, finding.experiencer
    red_flag = finding.category == "red_flag"
    if "negated" in modifiers:
        if "negation_in_doubt" not in modifiers:
            return Outcome.ANSWER
        return Outcome.EMERGENCY if red_flag else Outcome.CLARIFY
    if person == "mixed" and not is_on_behalf(finding):
        return Outcome.EMERGENCY if red_flag else Outcome.CLARIFY
    if "resolved_history" in modifiers and not red_flag:
        return Outcome.ANSWER_WITH_CAVEAT  # "I was on Roaccutane in my 20s": history, not a report
    if "settled" in modifiers and not red_flag:
        return Outcome.ANSWER_WITH_CAVEAT  # "a bit sore during but fine now": over, and expected
    if "treatment_target" in modifiers:
        # "can meso help my acne scars?": what they want treated, not a reaction. With a time that
        # is now ("dark patches since the injections, will they fade?") it may be one: ask.
        return Outcome.CLARIFY if "still_current" in modifiers else Outcome.ANSWER
    # A person named only in another sentence does not make a general question personal ("is
    # hair shedding normal? asking before I commit"). Someone else's problem after a treatment
    # ("my wife had lipolysis shots and now she's struggling to breathe") is a report on their behalf.
    in_sentence = "person_outside_sentence" not in modifiers
    on_behalf = is_on_behalf(finding)
    personal = (person == "first" or on_behalf) and in_sentence
    general = "hypothetical" in modifiers or ("generic" in modifiers and not personal)
    general = general or ("general_question" in modifiers and person == "unknown")
    # "Is Botox painful? I have a low pain threshold.": a question about the treatment itself, with
    # the writer only in another sentence that names no treatment and no time that is now, stays a
    # general question (the other sentence's own findings are judged on their own).
    general = general or (finding.asked_means_general and "general_question" in modifiers and not in_sentence
                          and "treatment_reference" in modifiers
                          and not modifiers & {"treatment_in_other_sentence", "still_current",
                                               "current_in_other_sentence"})
    # A general question beside a sentence of the writer's with a time that is now ("Is meso painful?
    # I had it yesterday.") may be about what is happening to them: ask (the fail-safe).
    if (general and "hypothetical" not in modifiers and "current_in_other_sentence" in modifiers
            and person != "other" and not red_flag):
        return Outcome.CLARIFY
    # A bare question naming a problem and no one ("bruising after meso??") may be happening now:
    # ask about a symptom, escalate a red flag, hand off a status only the patient would mention.
    # Said with a time that is now ("bruised since yesterday - is arnica ok?") it is a report.
    bare_question = "question" in modifiers and person == "unknown" and not general
    if bare_question and finding.asked_means_general:
        general = True
    elif bare_question and finding.category == "side_effect" and "still_current" not in modifiers:
        return Outcome.CLARIFY
    if red_flag:
        if general:
            return Outcome.ANSWER_WITH_EMERGENCY_INFO
        return Outcome.OTHER_PERSON_EMERGENCY if person == "other" and not on_behalf else Outcome.EMERGENCY
    if general:
        return Outcome.ANSWER_WITH_CAVEAT
    if person == "other" and not on_behalf:
        return Outcome.OTHER_PERSON
    return Outcome.HANDOFF


def is_on_behalf(finding: Mention) -> bool:
    """Someone else's current symptom in a sentence that names a treatment, or after a sentence
    that does, or with the writer asking what to do: a report for them."""
    modifiers = finding.modifiers
    # A parent arranging treatment for a child under 18 ("my son is 15 and wants meso"): for them,
    # whichever sentence of the message names the treatment ("…like I did. She's 16.").
    treatment_named = modifiers & {"treatment_reference", "treatment_in_other_sentence", "arranges_treatment"}
    if (finding.applies_to_others and finding.experiencer == "other" and treatment_named
            and "hypothetical" not in modifiers):
        return True
    # A contraindication of someone the writer arranges treatment for ("booking for my partner, he's
    # on Clexane", "my husband wants meso but he takes warfarin"): a risk for that treatment. The
    # writer may be named beside them ("I want to book my mum in, she has lupus").
    if (finding.category == "contraindication" and finding.experiencer in ("other", "mixed")
            and "arranges_treatment" in modifiers and not modifiers & {"hypothetical", "resolved_history"}):
        return True
    # Asking what to do about it ("her face is swollen, what should we do?") makes it a report too.
    treated = bool(modifiers & {"treatment_reference", "treated_earlier_in_message", "asks_for_help"})
    now = "happening_now" in modifiers and ("told_as_past" not in modifiers or "still_current" in modifiers)
    return (finding.experiencer == "other" and finding.category in ("red_flag", "side_effect") and treated
            and now and "hypothetical" not in modifiers)


@lru_cache(maxsize=1)
def timing_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    lexicon = read_yaml(LEXICON)
    return tuple(lexicon["weeks_later"]), tuple(lexicon["urgent_modifiers"])


def handoff_severity(text: str, mentions: list[Mention]) -> Severity:
    """Lumps that appear weeks later, grow, hurt or redden are urgent (possible atypical
    mycobacterial infection, which shows 1 to 12 weeks after treatment); "historical" never
    lowers a report."""
    weeks_later, urgent_modifiers = timing_words()
    lowered = text.lower()
    later_or_growing = any(word in lowered for word in (*weeks_later, *urgent_modifiers))
    return most_serious([
        Severity.urgent if mention.concept == "nodules_lumps" and later_or_growing else Severity(mention.severity)
        for mention in mentions
    ])


def decide(analysis: Analysis) -> ScreenResult:
    outcomes = [(mention, finding_outcome(mention)) for mention in analysis.mentions]
    outcome = max((o for _, o in outcomes), default=Outcome.ANSWER)
    if analysis.deictic and outcome < Outcome.CLARIFY:
        outcome = Outcome.CLARIFY
    reason = severity = None
    if outcome == Outcome.EMERGENCY:
        reason, severity = Reason.emergency, Severity.emergency
    elif outcome == Outcome.HANDOFF:
        escalating = [f for f, o in outcomes if o == Outcome.HANDOFF]
        side_effect = any(f.category == "side_effect" for f in escalating)
        reason = Reason.side_effect if side_effect else Reason.contraindication
        severity = handoff_severity(analysis.text, escalating)
    deciding = [f for f, o in outcomes if o == outcome and o in (Outcome.HANDOFF, Outcome.EMERGENCY)]
    return ScreenResult(
        outcome=outcome,
        reason=reason,
        severity=severity,
        emergency_line=any(o in EMERGENCY_LINE for _, o in outcomes) or severity == Severity.urgent,
        findings=tuple(mention.as_finding() for mention in analysis.mentions),
        on_behalf=bool(deciding) and all(is_on_behalf(f) for f in deciding),
    )


def learned_outcome(opinion: Opinion, rules_found_nothing: bool) -> Outcome:
    """What the learned second opinion alone would do (thresholds in learned.yml). Where the rules
    found no symptom or condition word at all, a lower probability is enough to ask "Is this
    happening to you now?": the message may name a problem in words the lexicon lacks. Where they
    found one and settled its context (negated, long past, someone else), the rules' reading of
    that context stands below the usual threshold, since one embedding of the whole message does
    not see "no swelling at all"."""
    thresholds = settings()
    if opinion.emergency >= float(thresholds["emergency"]):
        return Outcome.EMERGENCY
    if opinion.handoff >= float(thresholds["handoff"]):
        return Outcome.HANDOFF
    clarify = thresholds["clarify_when_rules_find_nothing" if rules_found_nothing else "clarify"]
    if opinion.handoff >= float(clarify):
        return Outcome.CLARIFY
    return Outcome.ANSWER


def learned_result(opinion: Opinion) -> ScreenResult:
    """The learned opinion on its own, as a screen result (for measuring it alone)."""
    return combine(ScreenResult(Outcome.ANSWER, None, None, False, ()), opinion)


def combine(rules: ScreenResult, opinion: Opinion) -> ScreenResult:
    """Either detector can raise the outcome; neither can lower the other's. A handoff where
    either one saw a red flag becomes an emergency handoff, so the emergency line is never lost."""
    learned = learned_outcome(opinion, rules_found_nothing=not rules.findings)
    if learned <= rules.outcome and not (learned == Outcome.EMERGENCY and not rules.emergency_line):
        return rules
    outcome = max(rules.outcome, learned)
    emergency_line = rules.emergency_line or learned == Outcome.EMERGENCY
    if outcome == Outcome.HANDOFF and emergency_line:
        outcome = Outcome.EMERGENCY
    evidence = Finding(term="(the whole message)", category="learned", concept="learned_opinion",
                       modifiers=(f"handoff:{opinion.handoff:.2f}", f"emergency:{opinion.emergency:.2f}"))
    reason, severity = rules.reason, rules.severity
    if outcome == Outcome.EMERGENCY:
        reason, severity = Reason.emergency, Severity.emergency
    elif outcome == Outcome.HANDOFF and reason is None:
        categories = {finding.category for finding in rules.findings}
        reason = Reason.contraindication if categories == {"contraindication"} else Reason.side_effect
        severity = Severity.routine
    return replace(rules, outcome=outcome, reason=reason, severity=severity, emergency_line=emergency_line,
                   findings=(*rules.findings, evidence))
