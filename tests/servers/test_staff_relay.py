"""Staff messages reach a web-widget patient live over socket.io, whichever Sanic worker serves the
API request that stores them (rasa_ext/staff_relay.py): replies in order, then the hand-back line."""

import queue
import threading
import uuid

import pytest
import socketio

from bot.handoff import TicketStore
from runtime.rasa_store import HandBack, post_events, read_transcript, resume_conversation, staff_reply_body
from tests.support.waiting import wait_for

pytestmark = pytest.mark.servers

REPORT = "my face has been swollen since the injections"


class Patient:
    """A widget's socket.io session, kept open while staff write."""

    def __init__(self, url: str) -> None:
        self.session_id = uuid.uuid4().hex
        self.received: queue.Queue = queue.Queue()
        self.client = socketio.Client()
        confirmed = threading.Event()
        self.client.on("session_confirm", lambda *_: confirmed.set())
        self.client.on("bot_uttered", self.received.put)
        self.client.connect(url, transports=["websocket"], socketio_path="/socket.io")
        self.client.emit("session_request", {"session_id": self.session_id})
        assert confirmed.wait(10), "no session_confirm"

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def messages(self, count: int, timeout: float = 10.0) -> list[dict]:
        return [self.received.get(timeout=timeout) for _ in range(count)]

    def drain(self, quiet: float = 1.5) -> list[dict]:
        messages = []
        try:
            while True:
                messages.append(self.received.get(timeout=quiet))
        except queue.Empty:
            return messages


@pytest.fixture
def patient(stack):
    connected = Patient(stack.rasa_url)
    yield connected
    connected.client.disconnect()


def test_staff_replies_and_the_hand_back_reach_the_widget_live_in_order(stack, patient, handoff_database_url,
                                                                      tracker_database):
    patient.say(REPORT)
    tickets = TicketStore(handoff_database_url)
    assert wait_for(lambda: tickets.open_ticket_for(patient.session_id))
    tickets.close()
    assert any("handoff" in message for message in patient.drain())

    for number in range(1, 6):  # several API requests: the kernel spreads them over the workers
        assert post_events(stack.rasa_url, patient.session_id, staff_reply_body(f"Message {number}", "Nurse Lee"),
                           stack.auth_token) is None
    assert patient.messages(5) == [{"text": f"Nurse Lee (clinic team): Message {number}"} for number in range(1, 6)]

    patient.say("thank you")  # paused: the patient's message reaches staff, the assistant says nothing
    tracker = f"sqlite:///{tracker_database}"
    assert wait_for(lambda: "patient: thank you" in read_transcript(tracker, patient.session_id))
    assert resume_conversation(stack.rasa_url, patient.session_id, stack.auth_token) == HandBack()
    assert patient.messages(1) == [{"text": "You're back with the assistant.", "handback": True}]
    assert patient.drain() == []
