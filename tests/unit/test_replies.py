from bot.profile import load_profile
from bot.replies import (
    clarify_buttons,
    clarify_message,
    for_channel,
    handoff_message,
    handoff_payload,
    render,
    shows_buttons,
    yes_or_no,
)


def test_the_handoff_payload_travels_under_data_on_socketio_only():
    payload = {"handoff": {"ticket": 1}}
    assert for_channel(payload, "socketio") == {"data": payload}
    assert for_channel(payload, "rest") == payload


def test_handoff_payload_carries_ticket_reason_severity_and_clinic_contacts():
    profile = load_profile(environ={})
    payload = handoff_payload(7, "emergency", "emergency", profile)["handoff"]
    assert (payload["ticket"], payload["reason"], payload["emergency"]) == (7, "emergency", True)
    assert payload["clinic"]["phone"] == profile.phone


def test_messages_are_filled_from_the_profile_and_buttons_answer_yes_or_no():
    profile = load_profile(environ={})
    assert profile.emergency_number in render("emergency", profile)
    assert "12" in render("handoff", profile, ticket=12) and profile.hours in render("handoff", profile, ticket=12)
    assert [b["payload"] for b in clarify_buttons()] == ["/affirm", "/deny"]


# --- What each channel is sent -------------------------------------------------------------------

def test_payload_channels_get_text_and_payload_and_text_channels_get_plain_text_only():
    profile = load_profile(environ={})
    payload = handoff_payload(12, "side_effect", "routine", profile)
    text = render("handoff", profile, ticket=12)
    assert handoff_message(text, payload, "rest", profile) == {"text": text, "json_message": payload}
    assert handoff_message(text, payload, "socketio", profile)["json_message"] == {"data": payload}
    for channel in ("twilio", "telegram", "facebook", "slack", "cmdline", None, "some_new_channel"):
        message = handoff_message(text, payload, channel, profile)
        assert set(message) == {"text"}
        assert message["text"].startswith(text) and profile.website in message["text"]
        assert profile.name in message["text"] and profile.emergency_number not in message["text"]


def test_an_emergency_handoff_in_plain_text_carries_the_emergency_number():
    profile = load_profile(environ={})
    payload = handoff_payload(3, "emergency", "emergency", profile)
    message = handoff_message(render("handoff", profile, ticket=3), payload, "twilio", profile)
    assert profile.emergency_number in message["text"] and "3" in message["text"]


def test_plain_text_handoff_stays_one_message_on_channels_that_split_paragraphs():
    profile = load_profile(environ={})
    payload = handoff_payload(3, "emergency", "emergency", profile)
    assert "\n\n" not in handoff_message("x", payload, "telegram", profile)["text"]


def test_buttons_only_where_the_channel_shows_them_and_the_titles_fit():
    buttons = clarify_buttons()
    assert shows_buttons("telegram", buttons) and shows_buttons("slack", buttons)
    assert not shows_buttons("twilio", buttons) and not shows_buttons(None, buttons)
    assert shows_buttons("facebook", [{"title": "Yes", "payload": "/affirm"}])
    assert not shows_buttons("facebook", [{"title": "Yes, it's happening to me", "payload": "/affirm"}])


def test_the_question_without_buttons_asks_for_yes_or_no_in_words():
    profile = load_profile(environ={})
    assert "buttons" in clarify_message(profile, "socketio")
    worded = clarify_message(profile, "twilio")
    assert "buttons" not in worded and "YES or NO" in worded["text"]
    assert worded["text"].startswith(render("clarify", profile))


def test_a_bare_yes_or_no_word_counts_whatever_the_intent():
    assert yes_or_no("YES", "nlu_fallback") is True and yes_or_no(" yes. ", None) is True
    assert yes_or_no("No!", "affirm") is False and yes_or_no("nope", "faq_pain") is False
    assert yes_or_no("yes it's me since monday", "affirm") is True
    assert yes_or_no("it started on monday", "deny") is False
    assert yes_or_no("what is mesotherapy", "faq_what_is") is None
    assert yes_or_no("", None) is None
