from bot.profile import load_profile
from bot.replies import clarify_buttons, for_channel, handoff_payload, render


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
