"""action_screen_message on real trackers and the real domain, with a real (temporary) ticket store."""

import socket
import time

import pytest

from actions import screen as screen_module
from actions.screen import ActionScreenMessage
from bot.safety.learned import PARSE_DATA_KEY
from tests.support.stores import migrated_store
from tests.support.trackers import action_event, bot_event, make_tracker, run_action, user_event


@pytest.fixture(autouse=True)
def ticket_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", url)
    monkeypatch.delenv("HANDOFF_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))
    screen_module.ticket_store.cache_clear()
    screen_module.notifier.cache_clear()
    screen_module.spool.cache_clear()
    yield migrated_store(url)
    getattr(screen_module.ticket_store, "cache_clear", lambda: None)()


def screen_turn(text, intent="faq_side_effects", earlier=(), slots=None, channel="rest"):
    tracker = make_tracker([*earlier, user_event(text, intent, input_channel=channel)])
    tracker.slots.update(slots or {})
    return run_action(ActionScreenMessage(), tracker)


def event_names(result):
    return [event["event"] for event in result.events]


def payload(result):
    return next(m["custom"] for m in result.messages if m.get("custom"))["handoff"]


def test_a_report_under_a_wrong_faq_intent_is_still_handed_off(ticket_db):
    result = screen_turn("my face has been swollen and hot since the injections", intent="faq_recovery")
    assert "pause" in event_names(result)
    (ticket,) = ticket_db.list_open()
    assert (ticket.reason, ticket.conversation_id) == ("side_effect", "patient-1")
    assert ticket.trigger_message == "my face has been swollen and hot since the injections"
    assert payload(result) == {**payload(result), "ticket": ticket.id, "reason": "side_effect"}
    assert str(ticket.id) in result.messages[0]["text"]


def test_an_emergency_says_call_the_emergency_number_first_then_hands_off(ticket_db, profile):
    result = screen_turn("I can't breathe and my lips are swelling", intent="faq_pain")
    assert profile.emergency_number in result.messages[0]["text"]
    assert payload(result)["severity"] == "emergency" and payload(result)["emergency"] is True
    assert ticket_db.list_open()[0].severity == "emergency"
    assert "pause" in event_names(result)


def test_a_contraindication_is_handed_off_not_answered(ticket_db):
    result = screen_turn("I'm 10 weeks pregnant, can I still have it?", intent="faq_eligibility")
    assert "pause" in event_names(result)
    assert ticket_db.list_open()[0].reason == "contraindication"


def test_a_general_question_gets_the_caveat_and_the_answer_follows(ticket_db):
    result = screen_turn("is bruising normal after meso?")
    assert result.events == [] and "happening to you now" in result.messages[0]["text"]
    assert ticket_db.list_open() == []


def test_a_plain_question_is_left_to_the_rules(ticket_db):
    result = screen_turn("how many sessions will I need?", intent="faq_sessions")
    assert result.events == [] and result.messages == []


def test_unsure_asks_with_yes_no_buttons_and_stops_the_faq_answer(ticket_db):
    result = screen_turn("bruising after meso??")
    (question,) = result.messages
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]
    assert {"event": "followup", "name": "action_listen"} in [
        {k: e.get(k) for k in ("event", "name")} for e in result.events]
    assert ticket_db.list_open() == []


def test_yes_to_the_question_hands_off_the_earlier_message(ticket_db):
    pending = {"screen_pending_text": "bruising after meso??", "screen_pending_intent": "faq_side_effects"}
    result = screen_turn("yes", intent="affirm", slots=pending)
    assert "pause" in event_names(result)
    (ticket,) = ticket_db.list_open()
    assert ticket.trigger_message == "bruising after meso??" and ticket.reason == "side_effect"


def test_the_question_keeps_the_opinion_nlu_formed_and_yes_re_screens_without_the_encoder(ticket_db, monkeypatch):
    asking = user_event("bruising after meso??", "faq_side_effects")
    asking["parse_data"][PARSE_DATA_KEY] = {"handoff": 0.31, "emergency": 0.002}
    asked = run_action(ActionScreenMessage(), make_tracker([asking]))
    slots = {e["name"]: e["value"] for e in asked.events if e["event"] == "slot"}
    assert slots["screen_pending_opinion"] == "0.31 0.002"

    def no_encoder():
        raise AssertionError("the earlier message's opinion was kept; no encoder is needed")

    monkeypatch.setattr("bot.language.encoder.sentence_encoder", no_encoder)
    yes = user_event("yes", "affirm")
    yes["parse_data"][PARSE_DATA_KEY] = {"handoff": 0.01, "emergency": 0.0}
    tracker = make_tracker([yes])
    tracker.slots.update(slots)
    result = run_action(ActionScreenMessage(), tracker)
    assert "pause" in event_names(result)
    assert ticket_db.list_open()[0].trigger_message == "bruising after meso??"


def test_no_to_the_question_answers_the_earlier_question(ticket_db):
    pending = {"screen_pending_text": "bruising after meso??", "screen_pending_intent": "faq_side_effects"}
    result = screen_turn("no", intent="deny", slots=pending)
    assert result.responses == ["utter_faq_side_effects"]
    assert "pause" not in event_names(result)
    assert ticket_db.list_open() == []


def test_asking_for_a_person_makes_a_human_request_ticket(ticket_db):
    result = screen_turn("can I talk to a person?", intent="request_human")
    assert "pause" in event_names(result)
    assert ticket_db.list_open()[0].reason == "human_request"


def test_accepting_the_offer_after_two_fallbacks_is_a_repeated_fallback_ticket(ticket_db):
    earlier = [user_event("blorp", "nlu_fallback"), action_event("utter_ask_rephrase"), bot_event("…"),
               user_event("zorp", "nlu_fallback"), action_event("utter_offer_human"), bot_event("…")]
    screen_turn("/request_human", intent="request_human", earlier=earlier)
    assert ticket_db.list_open()[0].reason == "repeated_fallback"


def test_someone_elses_problem_gets_advice_for_them_and_no_ticket(ticket_db):
    result = screen_turn("my sister had bruising after her meso")
    assert "They should contact" in result.messages[0]["text"]
    assert ticket_db.list_open() == []


def test_a_dead_staff_webhook_does_not_hold_the_patients_handoff_turn(ticket_db, monkeypatch):
    """The webhook accepts the connection and never answers; one attempt alone would wait 5 s."""
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        dead.listen(16)
        monkeypatch.setenv("HANDOFF_WEBHOOK_URL", f"http://127.0.0.1:{dead.getsockname()[1]}/hook")
        screen_module.notifier.cache_clear()
        screen_module.screen("warm up")  # loading the screen's models is not the webhook's doing
        started = time.monotonic()
        result = screen_turn("my face has been swollen and hot since the injections", intent="faq_recovery")
        turn_seconds = time.monotonic() - started
    assert turn_seconds < screen_module.notifier().timeout
    (ticket,) = ticket_db.list_open()
    assert payload(result)["ticket"] == ticket.id and ticket.notification_status == "pending"


def test_when_the_ticket_cannot_be_written_the_patient_is_still_told_to_call(monkeypatch, profile):
    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(screen_module, "ticket_store", broken)
    result = screen_turn("I have a lump where I was injected")
    assert profile.phone in result.messages[0]["text"]
    assert payload(result)["ticket"] is None
    assert "pause" in event_names(result)
    [(_, spooled)] = screen_module.spool().entries()  # kept for replay, not dropped
    assert (spooled.conversation_id, spooled.trigger_message) == ("patient-1", "I have a lump where I was injected")


def test_when_the_spool_fails_too_the_patient_is_still_told_to_call(monkeypatch, profile, tmp_path, caplog):
    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(screen_module, "ticket_store", broken)
    (tmp_path / "spool").write_text("a file where the spool folder should be")
    result = screen_turn("I have a lump where I was injected")
    assert profile.phone in result.messages[0]["text"] and payload(result)["ticket"] is None
    assert any(r.levelname == "CRITICAL" and "HANDOFF LOST" in r.getMessage() for r in caplog.records)


def test_an_emergency_inside_a_request_for_a_person_still_gets_the_emergency_line(ticket_db, profile):
    result = screen_turn("get me a nurse, my lips are swelling and I can't breathe", intent="request_human")
    assert profile.emergency_number in result.messages[0]["text"]
    assert ticket_db.list_open()[0].severity == "emergency"


def test_an_emergency_while_a_question_is_pending_is_not_mistaken_for_an_answer(ticket_db, profile):
    pending = {"screen_pending_text": "bruising after meso??", "screen_pending_intent": "faq_side_effects"}
    result = screen_turn("yes and now my throat is closing", intent="affirm", slots=pending)
    assert profile.emergency_number in result.messages[0]["text"]
    assert ticket_db.list_open()[0].reason == "emergency"


def test_a_routine_side_effect_gets_the_documents_reassurance_and_an_urgent_one_does_not(ticket_db):
    routine = screen_turn("I've got a small bruise where they injected yesterday")
    assert "usually settle within a few days" in routine.messages[-1]["text"]
    urgent = screen_turn("a painful red lump came up three weeks after my meso")
    assert not any("settle within a few days" in (m.get("text") or "") for m in urgent.messages)


# --- Text channels (SMS, WhatsApp, Telegram, Messenger, Slack, the staff shell) --------------------

PENDING = {"screen_pending_text": "bruising after meso??", "screen_pending_intent": "faq_side_effects"}


@pytest.mark.parametrize("channel", ["twilio", "telegram", "facebook", "slack", "cmdline"])
def test_on_a_text_channel_the_handoff_is_plain_text_with_the_ticket_and_no_json(ticket_db, profile, channel):
    result = screen_turn("my face has been swollen and hot since the injections", channel=channel)
    (ticket,) = ticket_db.list_open()
    assert ticket.channel == channel
    assert not any(message.get("custom") for message in result.messages)
    text = result.messages[0]["text"]
    for value in (str(ticket.id), profile.name, profile.phone, profile.hours, profile.website):
        assert value in text


def test_an_emergency_handoff_on_sms_repeats_the_emergency_number_in_the_handoff_text(ticket_db, profile):
    result = screen_turn("I can't breathe and my lips are swelling", intent="faq_pain", channel="twilio")
    emergency_line, handoff = result.messages[0]["text"], result.messages[1]["text"]
    assert profile.emergency_number in emergency_line
    assert profile.emergency_number in handoff and str(ticket_db.list_open()[0].id) in handoff


def test_on_sms_the_question_has_no_buttons_and_asks_for_yes_or_no_in_words(ticket_db):
    (question,) = screen_turn("bruising after meso??", channel="twilio").messages
    assert not question.get("buttons") and "YES or NO" in question["text"]
    (question,) = screen_turn("bruising after meso??", channel="telegram").messages
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]


@pytest.mark.parametrize("reply", ["YES", "Yes.", "y", "yep!"])
def test_a_typed_yes_answers_the_question_whatever_nlu_made_of_it(ticket_db, reply):
    result = screen_turn(reply, intent="nlu_fallback", slots=PENDING, channel="twilio")
    assert "pause" in event_names(result)
    assert ticket_db.list_open()[0].trigger_message == "bruising after meso??"


@pytest.mark.parametrize("reply", ["NO", "no.", "Nope"])
def test_a_typed_no_answers_the_earlier_question(ticket_db, reply):
    result = screen_turn(reply, intent="nlu_fallback", slots=PENDING, channel="twilio")
    assert result.responses == ["utter_faq_side_effects"] and ticket_db.list_open() == []


def turn_with_opinion(text, opinion, intent="faq_what_is"):
    event = user_event(text, intent)
    event["parse_data"]["safety_opinion"] = opinion
    return run_action(ActionScreenMessage(), make_tracker([event]))


def test_the_opinion_rasas_nlu_formed_is_used_and_not_formed_again(ticket_db, monkeypatch):
    def must_not_embed():
        raise AssertionError("the action embedded the message although the parse data had the opinion")

    monkeypatch.setattr("bot.safety.learned_screen", must_not_embed)
    result = turn_with_opinion("what is mesotherapy?", {"handoff": 1.0, "emergency": 0.0})
    assert "pause" in event_names(result)
    assert ticket_db.list_open()[0].reason == "side_effect"


@pytest.mark.parametrize("opinion", [None, "high", {"handoff": 7, "emergency": 0.0}, {"handoff": 0.5}])
def test_a_missing_or_malformed_opinion_is_formed_by_the_action_itself(ticket_db, opinion):
    calm = turn_with_opinion("what is mesotherapy?", opinion)
    assert "pause" not in event_names(calm) and ticket_db.list_open() == []
    report = turn_with_opinion("my face has been swollen and hot since the injections", opinion)
    assert "pause" in event_names(report)
