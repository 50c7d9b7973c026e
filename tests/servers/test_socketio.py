"""The socket.io channel, as a web widget uses it: a session, a question, an answer, a handoff."""

import queue
import threading
import uuid

import pytest
import socketio

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
