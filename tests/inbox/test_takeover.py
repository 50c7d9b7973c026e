"""A takeover on the real servers: a patient's report over REST hands off; a staff member signed in
to the inbox replies into the conversation; the assistant stays silent through 20 patient messages;
resolving hands back with "You're back with the assistant." and the assistant answers again."""

import json
import uuid

import pytest

from bot.handoff import Status, TicketStore
from runtime.rasa_store import TrackerEvents, read_transcript_entries
from tests.support.inbox import add_user, running_inbox
from tests.support.waiting import wait_for

from .conftest import InboxClient

NAME, DISPLAY_NAME, PASSWORD = "nurse.lee", "Nurse Lee", "correct horse battery"
SIDE_EFFECT = "I had mesotherapy yesterday and now my face is very swollen and hot"
WHILE_TAKEN_OVER = [
    "hello?", "what is mesotherapy?", "how much does it cost?", "is anyone there", "yes", "no",
    "where is the clinic?", "what are your opening hours?", "thanks", "it is getting worse",
    "can I take ibuprofen?", "hi", "/restart", "I want to book an appointment", "ok",
    "how long does it last?", "does it hurt?", "bruising after meso??", "please answer", "bye",
]


@pytest.fixture(scope="module")
def staff_inbox(tmp_path_factory, stack, handoff_database_url, tracker_database):
    add_user(handoff_database_url, NAME, DISPLAY_NAME, PASSWORD)
    with running_inbox(tmp_path_factory.mktemp("takeover"), handoff_database_url, f"sqlite:///{tracker_database}",
                       stack.rasa_url, stack.auth_token) as port:
        yield port


def bot_events(tracker_database, conversation_id):
    tracker = TrackerEvents(f"sqlite:///{tracker_database}")
    try:
        return [json.loads(data) for type_name, data in tracker.conversation_rows(conversation_id, ["bot"])]
    finally:
        tracker.close()


def test_staff_take_over_reply_and_hand_back(stack, staff_inbox, handoff_database_url, tracker_database, render):
    patient = f"takeover-{uuid.uuid4().hex[:8]}"
    assert stack.say(patient, SIDE_EFFECT)
    tickets = TicketStore(handoff_database_url)
    ticket = wait_for(lambda: tickets.open_ticket_for(patient))
    staff = InboxClient(staff_inbox)
    assert staff.sign_in(NAME).location == "/"
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()

    sent = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "Hello, this is the clinic. Can you call us?"})
    assert sent.location == f"/tickets/{ticket.id}?done=replied"
    reply = bot_events(tracker_database, patient)[-1]
    assert reply["text"] == "Nurse Lee (clinic team): Hello, this is the clinic. Can you call us?"
    assert reply["metadata"].items() >= {"from": "clinic_team", "staff": DISPLAY_NAME}.items()

    answers = [message for text in WHILE_TAKEN_OVER for message in stack.say(patient, text)]
    assert answers == []  # the assistant says nothing while staff have the conversation
    transcript = read_transcript_entries(f"sqlite:///{tracker_database}", patient)
    assert ("clinic team", reply["text"]) in [(entry.speaker, entry.text) for entry in transcript]
    assert [entry.text for entry in transcript if entry.speaker == "patient"][-20:] == WHILE_TAKEN_OVER
    page = staff.get(f"/tickets/{ticket.id}").body
    assert "clinic team" in page and "it is getting worse" in page  # the patient's replies are in the inbox

    assert staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf, "note": "called"}).status == 303
    assert tickets.get(ticket.id).status is Status.resolved
    assert bot_events(tracker_database, patient)[-1]["text"] == "You're back with the assistant."
    assert stack.say(patient, "what is mesotherapy?")[0]["text"] == render("utter_faq_what_is")
    refused = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "one more thing"})
    assert refused.status == 409 and "this ticket is resolved" in refused.body
    tickets.close()
