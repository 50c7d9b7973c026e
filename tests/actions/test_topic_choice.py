""""Did you mean: A or B?" in action_screen_message, on real trackers and the real domain."""

from actions.screen import PENDING_TOPICS, ActionScreenMessage
from tests.support.trackers import make_tracker, run_action, user_event

CLOSE_CALL = [("nlu_fallback", 0.5), ("faq_sessions", 0.46), ("faq_results", 0.41), ("faq_pain", 0.05)]


def turn(text, intent, ranking=None, slots=None, channel="rest"):
    tracker = make_tracker([user_event(text, intent, input_channel=channel, ranking=ranking)])
    tracker.slots.update(slots or {})
    return run_action(ActionScreenMessage(), tracker)


def slot_value(result, name):
    return next(e["value"] for e in result.events if e["event"] == "slot" and e["name"] == name)


def test_a_close_call_between_two_topics_offers_both_and_something_else():
    result = turn("how many sessions are needed to see results", "nlu_fallback", CLOSE_CALL)
    (message,) = result.messages
    assert [b["payload"] for b in message["buttons"]] == ["/faq_sessions", "/faq_results", "/nlu_fallback"]
    assert slot_value(result, PENDING_TOPICS) == "faq_sessions faq_results"
    assert result.events[-1] == {"event": "followup", "name": "action_listen", "timestamp": None}


def test_on_a_channel_without_buttons_the_choices_are_numbered_and_a_typed_number_answers():
    asked = turn("how many sessions are needed to see results", "nlu_fallback", CLOSE_CALL, channel="twilio")
    assert not asked.messages[0].get("buttons")
    assert "1) Number of sessions" in asked.messages[0]["text"] and "3) Something else" in asked.messages[0]["text"]
    answered = turn("2", "nlu_fallback", [("nlu_fallback", 0.5)], {PENDING_TOPICS: "faq_sessions faq_results"},
                    channel="twilio")
    assert answered.responses == ["utter_faq_results"]
    assert slot_value(answered, PENDING_TOPICS) is None


def test_a_spread_out_ranking_is_left_to_the_fallback_rule():
    result = turn("blorp", "nlu_fallback", [("nlu_fallback", 0.5), ("faq_pain", 0.2), ("faq_results", 0.1)])
    assert result.messages == [] and result.events == []


def test_a_report_is_handed_off_even_when_nlu_could_not_choose_a_topic():
    result = turn("I had meso last week and now my face is swollen and hot", "nlu_fallback", CLOSE_CALL)
    assert "pause" in [e["event"] for e in result.events]
    assert not any(m.get("buttons") and m["buttons"][0]["payload"] == "/faq_sessions" for m in result.messages)
