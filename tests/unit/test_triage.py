"""The triage table, in plain Python: no tracker, no Rasa, a stand-in screen where the row needs one."""

import pytest

from bot.kinds import Finding, Reason, Severity
from bot.safety import Outcome, ScreenResult, screen
from bot.safety.learned import Opinion
from bot.triage import PENDING_INTENT, PENDING_OPINION, PENDING_TEXT, PENDING_TOPICS, HandoffNeed, Turn, triage

RESPONSES = frozenset({"utter_faq_side_effects", "utter_faq_sessions", "utter_faq_results"})
NOTHING = ScreenResult(Outcome.ANSWER, None, None, False, ())
BRUISING = (Finding("bruising", "side_effect", ("question",), "bruising"),)


def result(outcome, reason=None, severity=None, emergency_line=False, findings=(), on_behalf=False):
    return ScreenResult(outcome, reason, severity, emergency_line, findings, on_behalf)


def turn(text="hello", intent="greet", **state):
    return Turn(conversation_id="c1", channel="rest", text=text, intent=intent, **state)


CLEARED = {PENDING_TEXT: None, PENDING_INTENT: None, PENDING_OPINION: None}


def plan_for(the_turn, screened=NOTHING, earlier=None):
    def rescreen(text, opinion):
        assert earlier is not None, "this row must not re-screen anything"
        assert (text, opinion) == (the_turn.pending_text, the_turn.pending_opinion)
        return earlier

    return triage(the_turn, screened, screen=rescreen, responses=RESPONSES)


def test_nothing_found_lets_the_rule_answer_and_changes_nothing():
    plan = plan_for(turn("how many sessions?", "faq_sessions"))
    assert plan.lines == () and plan.handoff is None and plan.slots == () and not plan.stop


@pytest.mark.parametrize("outcome, lines", [
    (Outcome.ANSWER_WITH_CAVEAT, ("caveat",)),
    (Outcome.ANSWER_WITH_EMERGENCY_INFO, ("emergency_info", "caveat")),
    (Outcome.OTHER_PERSON, ("other_person",)),
    (Outcome.OTHER_PERSON_EMERGENCY, ("other_person_emergency",)),
])
def test_answers_get_their_lines_first_and_the_rule_answer_follows(outcome, lines):
    plan = plan_for(turn("is bruising normal?", "faq_side_effects"), result(outcome))
    assert plan.lines == lines and not plan.stop and plan.handoff is None


def test_an_emergency_says_the_line_then_hands_off_and_pauses():
    screened = result(Outcome.EMERGENCY, Reason.emergency, Severity.emergency, True)
    plan = plan_for(turn("I can't breathe", "faq_pain"), screened)
    assert plan.lines == ("emergency",)
    assert plan.handoff == HandoffNeed(Reason.emergency, Severity.emergency, "I can't breathe")
    assert plan.pauses and dict(plan.slots) == CLEARED


def test_an_emergency_written_for_someone_else_gets_wording_for_the_writer():
    screened = result(Outcome.EMERGENCY, Reason.emergency, Severity.emergency, True, on_behalf=True)
    plan = plan_for(turn("my wife had lipolysis and can't breathe"), screened)
    assert plan.lines == ("emergency_for_someone",) and plan.handoff.on_behalf


def test_an_emergency_outranks_a_pending_question_even_when_it_starts_with_yes():
    screened = result(Outcome.EMERGENCY, Reason.emergency, Severity.emergency, True)
    plan = plan_for(turn("yes and now I can't breathe", "affirm", pending_text="bruising??"), screened)
    assert plan.handoff.trigger == "yes and now I can't breathe" and plan.lines == ("emergency",)


def test_unsure_asks_remembers_the_message_and_stops_the_faq_answer():
    plan = plan_for(turn("bruising after meso??", "faq_side_effects"), result(Outcome.CLARIFY))
    assert plan.ask_happening_now and plan.stop and plan.handoff is None
    assert dict(plan.slots) == {PENDING_TEXT: "bruising after meso??", PENDING_INTENT: "faq_side_effects",
                                PENDING_OPINION: None}


def test_unsure_remembers_the_learned_opinion_nlu_formed_and_yes_re_screens_with_it():
    opinion = Opinion(handoff=0.4123456789, emergency=0.0012)
    asked = plan_for(turn("bruising after meso??", "faq_side_effects", opinion=opinion), result(Outcome.CLARIFY))
    remembered = Opinion.from_text(dict(asked.slots)[PENDING_OPINION])
    assert remembered == opinion
    yes = turn("yes", "affirm", pending_text="bruising after meso??", pending_opinion=remembered)
    assert plan_for(yes, earlier=result(Outcome.CLARIFY, findings=BRUISING)).pauses  # rescreen checks the opinion


def test_unsure_with_a_red_flag_word_gives_the_emergency_line_before_asking():
    plan = plan_for(turn("swelling of the tongue after meso?"), result(Outcome.CLARIFY, emergency_line=True))
    assert plan.lines == ("emergency_info",) and plan.ask_happening_now


def test_yes_hands_off_the_earlier_message_as_the_patients_own():
    earlier = result(Outcome.CLARIFY, findings=BRUISING)
    plan = plan_for(turn("yes", "affirm", pending_text="bruising after meso??"), earlier=earlier)
    assert plan.handoff == HandoffNeed(Reason.side_effect, Severity.routine, "bruising after meso??", BRUISING)
    assert plan.handoff.closing_lines == ("routine_reassurance",)


def test_yes_to_an_earlier_red_flag_is_an_emergency():
    findings = (Finding("tongue swelling", "red_flag"),)
    earlier = result(Outcome.CLARIFY, findings=findings)
    plan = plan_for(turn("yep", "affirm", pending_text="tongue swelling?"), earlier=earlier)
    assert plan.lines == ("emergency",) and plan.handoff.severity == Severity.emergency


def test_yes_to_an_earlier_contraindication_is_a_contraindication_ticket():
    findings = (Finding("warfarin", "contraindication"),)
    plan = plan_for(turn("yes", "affirm", pending_text="warfarin?"), earlier=result(Outcome.CLARIFY, findings=findings))
    assert (plan.handoff.reason, plan.handoff.severity) == (Reason.contraindication, Severity.routine)


def test_no_answers_the_earlier_question_and_stops_the_rule():
    plan = plan_for(turn("no", "deny", pending_text="bruising??", pending_intent="faq_side_effects"))
    assert plan.lines == ("clarify_denied",) and plan.response == "utter_faq_side_effects" and plan.stop
    assert dict(plan.slots) == CLEARED


def test_no_to_a_question_with_no_answer_of_its_own_says_only_the_line():
    plan = plan_for(turn("nope", "deny", pending_text="hmm??", pending_intent="nlu_fallback"))
    assert plan.response is None and plan.lines == ("clarify_denied",)


def test_anything_but_yes_or_no_is_a_new_message_and_forgets_the_question():
    plan = plan_for(turn("how many sessions?", "faq_sessions", pending_text="bruising??"))
    assert dict(plan.slots) == CLEARED and plan.handoff is None


@pytest.mark.parametrize("last_action, reason", [(None, Reason.human_request),
                                                 ("utter_offer_human", Reason.repeated_fallback)])
def test_asking_for_a_person_is_a_routine_ticket(last_action, reason):
    plan = plan_for(turn("can I talk to someone", "request_human", last_bot_action=last_action))
    assert (plan.handoff.reason, plan.handoff.severity) == (reason, Severity.routine)
    assert plan.lines == () and plan.handoff.closing_lines == ()


def test_a_report_inside_a_request_for_a_person_is_handed_off_as_the_report():
    screened = result(Outcome.HANDOFF, Reason.side_effect, Severity.urgent, findings=BRUISING)
    plan = plan_for(turn("get me a human, the lump is growing", "request_human"), screened)
    assert plan.handoff.reason == Reason.side_effect and plan.handoff.closing_lines == ("urgent_advice",)


def test_a_report_written_for_someone_else_gets_no_reassurance_meant_for_the_patient():
    screened = result(Outcome.HANDOFF, Reason.side_effect, Severity.routine, on_behalf=True)
    assert plan_for(turn("my husband's scalp is sore since his meso"), screened).handoff.closing_lines == ()


def test_a_message_between_two_topics_offers_both():
    ranking = (("nlu_fallback", 0.5), ("faq_sessions", 0.45), ("faq_results", 0.4))
    plan = plan_for(turn("how many to see results", "nlu_fallback", ranking=ranking))
    assert plan.offer_topics == ("faq_sessions", "faq_results") and plan.stop
    assert dict(plan.slots) == {PENDING_TOPICS: "faq_sessions faq_results"}


def test_a_typed_number_takes_the_offered_topic():
    offered = ("faq_sessions", "faq_results")
    plan = plan_for(turn("2", "nlu_fallback", offered_topics=offered))
    assert plan.response == "utter_faq_results" and plan.stop and dict(plan.slots) == {PENDING_TOPICS: None}


def test_a_new_message_after_the_offer_forgets_it_and_keeps_its_own_caveat():
    plan = plan_for(turn("is bruising normal?", "faq_side_effects", offered_topics=("faq_sessions", "faq_results")),
                    result(Outcome.ANSWER_WITH_CAVEAT))
    assert plan.lines == ("caveat",) and dict(plan.slots) == {PENDING_TOPICS: None}


def test_a_report_is_never_offered_topics_instead_of_a_person():
    ranking = (("nlu_fallback", 0.5), ("faq_sessions", 0.45), ("faq_results", 0.4))
    screened = result(Outcome.HANDOFF, Reason.side_effect, Severity.routine)
    assert plan_for(turn("lumps since my sessions", "nlu_fallback", ranking=ranking), screened).pauses


def test_with_the_real_screen_a_real_report_is_planned_as_a_handoff():
    text = "my face has been swollen and hot since the injections"
    plan = triage(turn(text, "faq_recovery"), screen(text), screen=screen, responses=RESPONSES)
    assert plan.handoff.reason == Reason.side_effect and plan.handoff.findings
