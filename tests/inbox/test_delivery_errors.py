"""What the inbox says when the patient's platform refuses a staff message: Rasa answers the append
with HTTP 500 and its reason, and stores nothing (rasa_ext/staff_delivery.py). Rasa's events API is
a recording fake on loopback that can be told to refuse; tests/channels/test_staff_replies.py runs
the same on the real servers and platform fakes."""

import pytest

from bot.handoff import Status
from runtime.rasa_store import resume_body, silent_resume_body

from .conftest import DISPLAY_NAME

REFUSAL = "Twilio refused the message: Unable to create record: Attempt to send to unsubscribed recipient (error 21610)"


@pytest.fixture
def ticket(inbox):
    return inbox.tickets.create_ticket("conv-1", "twilio", "side_effect", "urgent", [], "my face is swollen")


@pytest.fixture
def staff(inbox):
    client = inbox.client()
    assert client.sign_in().location == "/"
    return client


def test_replies_and_the_hand_back_ask_rasa_to_send_them_through_the_patients_channel(inbox, staff, ticket):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    assert staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "Please call us."}).status == 303
    assert staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf}).status == 303
    reply, resume = inbox.rasa_requests
    for request in (reply, resume):
        assert request.query["execute_side_effects"] == ["true"] and request.query["output_channel"] == ["latest"]
    assert resume.json() == resume_body()


def test_a_reply_the_platform_refuses_is_reported_as_not_sent(inbox, staff, ticket, fake_rasa):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    fake_rasa.refusals.append(REFUSAL)
    page = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "Please call us."})
    assert page.status == 502
    assert "The reply was not sent: Rasa answered HTTP 500 Internal Server Error: Twilio refused the message: " \
           "Unable to create record: Attempt to send to unsubscribed recipient (error 21610)." in page.body
    assert "An unexpected error occurred" not in page.body
    assert len(inbox.rasa_requests) == 1  # not retried: sending it again is the staff member's call


def test_a_refused_hand_back_still_resumes_and_says_the_patient_was_not_told(inbox, staff, ticket, fake_rasa):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    fake_rasa.refusals.append(REFUSAL)
    page = staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf, "note": "called her"})
    assert page.status == 200 and "the patient was not told" in page.body and "unsubscribed recipient" in page.body
    assert "curl" not in page.body  # resumed: nothing to do by hand
    told, silent = inbox.rasa_requests
    assert told.json() == resume_body()
    assert silent.json() == silent_resume_body() == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
    stored = inbox.tickets.get(ticket.id)
    assert stored.status is Status.resolved and stored.staff_notes.endswith(f"{DISPLAY_NAME}: called her")
