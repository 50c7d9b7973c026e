"""Staff messages reach a web-widget patient over socket.io, whichever Sanic worker serves the API
request that stores them (rasa_ext/staff_relay.py): live and in order while the widget is
connected, and, when it was not, on its next session_request, each once, from the last one it
showed. A session gets only its own conversation's staff messages."""

import time
import uuid

import pytest

from bot.handoff import TicketStore
from rasa_ext.staff_relay import INTERVAL_SECONDS
from runtime.rasa_store import HandBack, post_events, read_transcript, resume_conversation, staff_reply_body
from tests.support.waiting import wait_for
from tests.support.widget import Patient, without_ids

pytestmark = pytest.mark.servers

REPORT = "my face has been swollen since the injections"


def hand_off(patient: Patient, handoff_database_url: str) -> None:
    patient.say(REPORT)
    tickets = TicketStore(handoff_database_url)
    assert wait_for(lambda: tickets.open_ticket_for(patient.session_id))
    tickets.close()
    assert any("handoff" in message for message in patient.drain())


def reply(stack, conversation_id: str, text: str) -> dict:
    assert post_events(stack.rasa_url, conversation_id, staff_reply_body(text, "Nurse Lee"), stack.auth_token) is None
    return {"text": f"Nurse Lee (clinic team): {text}"}


@pytest.fixture
def patient(stack, handoff_database_url):
    connected = Patient(stack.rasa_url)
    hand_off(connected, handoff_database_url)
    yield connected
    connected.close()


def test_staff_replies_and_the_hand_back_reach_the_widget_live_in_order(stack, patient, tracker_database):
    # several API requests: the kernel spreads them over the workers
    sent = [reply(stack, patient.session_id, f"Message {number}") for number in range(1, 6)]
    received = patient.messages(5)
    assert without_ids(received) == sent
    ids = [message["staff_id"] for message in received]
    assert ids == sorted(set(ids))

    patient.say("thank you")  # paused: the patient's message reaches staff, the assistant says nothing
    tracker = f"sqlite:///{tracker_database}"
    assert wait_for(lambda: "patient: thank you" in read_transcript(tracker, patient.session_id))
    assert resume_conversation(stack.rasa_url, patient.session_id, stack.auth_token) == HandBack()
    [handback] = patient.messages(1)
    assert without_ids([handback]) == [{"text": "You're back with the assistant.", "handback": True}]
    assert handback["staff_id"] > ids[-1]
    assert patient.drain() == []


def test_replies_written_while_the_widget_was_away_arrive_when_it_comes_back_once_in_order(stack, patient):
    patient.close()  # the page is closed
    sent = [reply(stack, patient.session_id, f"While you were away {number}") for number in range(1, 4)]

    back = Patient(stack.rasa_url, patient.session_id, staff_after=0)  # the page opened again
    received = back.drain()
    assert without_ids(received) == sent  # only the staff messages, each once, in the order stored
    ids = [message["staff_id"] for message in received]
    assert ids == sorted(set(ids))
    back.close()

    after_first = Patient(stack.rasa_url, patient.session_id, staff_after=ids[0])  # it had shown the first
    assert without_ids(after_first.drain()) == sent[1:]
    after_first.close()

    up_to_date = Patient(stack.rasa_url, patient.session_id, staff_after=ids[-1])
    assert up_to_date.drain() == []
    live = reply(stack, patient.session_id, "And one more")
    [message] = up_to_date.messages(1)
    assert without_ids([message]) == [live] and message["staff_id"] > ids[-1]
    assert up_to_date.drain() == []
    up_to_date.close()


def test_a_session_gets_only_its_own_conversations_staff_messages(stack, patient, handoff_database_url):
    rest_patient = f"rest-{uuid.uuid4().hex[:8]}"  # another channel's id, which a socket can ask to join
    assert stack.say(rest_patient, REPORT)
    tickets = TicketStore(handoff_database_url)
    assert wait_for(lambda: tickets.open_ticket_for(rest_patient))
    tickets.close()
    other_widget = Patient(stack.rasa_url)
    snoop = Patient(stack.rasa_url, rest_patient)

    reply(stack, rest_patient, "For the REST patient only")
    mine = reply(stack, patient.session_id, "For the widget patient only")
    assert without_ids(patient.messages(1)) == [mine]
    snoop.close()
    snoop_again = Patient(stack.rasa_url, rest_patient, staff_after=0)
    for stranger in (other_widget, snoop, snoop_again):
        assert stranger.drain() == []
    other_widget.close()
    snoop_again.close()


def test_a_client_without_a_resume_point_gets_only_new_staff_messages(stack, patient):
    reply(stack, patient.session_id, "Sent while connected")
    patient.messages(1)
    patient.close()
    time.sleep(4 * INTERVAL_SECONDS)  # the workers have let go of the session
    reply(stack, patient.session_id, "Sent while away")
    older_client = Patient(stack.rasa_url, patient.session_id, staff_after=None)  # as before staff_id existed
    assert older_client.drain() == []
    new = reply(stack, patient.session_id, "New")
    assert without_ids(older_client.messages(1)) == [new]
    older_client.close()
