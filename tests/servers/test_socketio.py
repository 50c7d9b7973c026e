"""The socket.io channel, as a web widget uses it: a session, a question, an answer, a handoff."""

import queue
import threading
import uuid

import pytest
import socketio

from runtime.rasa_store import read_transcript

pytestmark = pytest.mark.servers


def converse(url: str, session_id: str, messages: list[str], origin: str | None = None) -> list[list[dict]]:
    """Send each message and collect what the bot sends back before the next one. `origin`: the
    page's origin the browser would send (default: the server's own)."""
    client = socketio.Client(websocket_extra_options={"origin": origin} if origin else {})
    replies: queue.Queue = queue.Queue()
    confirmed = threading.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", replies.put)
    # websocket only: with one Sanic worker per core, polling requests could reach another worker
    client.connect(url, transports=["websocket"], socketio_path="/socket.io")
    try:
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(10), "no session_confirm"
        answers = []
        for message in messages:
            client.emit("user_uttered", {"message": message, "session_id": session_id})
            batch = [replies.get(timeout=30)]
            try:
                while True:
                    batch.append(replies.get(timeout=1))
            except queue.Empty:
                answers.append(batch)
        return answers
    finally:
        client.disconnect()


def test_a_question_and_a_report_over_socketio(stack, render):
    faq, report = converse(stack.rasa_url, uuid.uuid4().hex,
                           ["how many sessions will I need?", "my face has been swollen since the injections"])
    assert [m.get("text") for m in faq] == [render("utter_faq_sessions")]
    handoff = next(m for m in report if "handoff" in m)["handoff"]  # socket.io sends custom JSON as is
    assert handoff["reason"] == "side_effect" and handoff["ticket"]


def test_a_socket_cannot_write_into_a_session_it_did_not_join(stack, tracker_database):
    """Rasa would take the message into whatever conversation `session_id` names: here another
    channel's patient (a REST conversation), whose id a stranger might guess."""
    victim = f"rest-{uuid.uuid4().hex[:8]}"
    assert stack.say(victim, "hello")
    client = socketio.Client()
    replies: queue.Queue = queue.Queue()
    confirmed = threading.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", replies.put)
    client.connect(stack.rasa_url, transports=["websocket"], socketio_path="/socket.io")
    try:
        client.emit("session_request", {"session_id": uuid.uuid4().hex})
        assert confirmed.wait(10), "no session_confirm"
        client.emit("user_uttered", {"message": "what is mesotherapy?", "session_id": victim})
        with pytest.raises(queue.Empty):
            replies.get(timeout=3)
    finally:
        client.disconnect()
    assert [line for line in read_transcript(f"sqlite:///{tracker_database}", victim)
            if line.startswith("patient:")] == ["patient: hello"]
