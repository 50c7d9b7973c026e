"""socket.io through nginx to the replicas, as a web widget connects: long-polling first (several
HTTP requests that must reach one replica), then the upgrade to a websocket."""

import queue
import threading
import uuid

import pytest
import socketio

from bot.website import PAGE_PATH
from runtime.servers import http_get
from tools.loadtest import REPORT

pytestmark = pytest.mark.servers


def test_a_widget_session_over_polling_and_websocket_through_nginx(healthy):
    client = socketio.Client()
    replies: queue.Queue = queue.Queue()
    confirmed = threading.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", replies.put)
    client.connect(healthy.url, transports=["polling", "websocket"], socketio_path="/socket.io")
    try:
        session_id = uuid.uuid4().hex
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(20), "no session_confirm"
        client.emit("user_uttered", {"message": "how many sessions will I need?", "session_id": session_id})
        assert replies.get(timeout=60).get("text")
        client.emit("user_uttered", {"message": REPORT, "session_id": session_id})
        answer = [replies.get(timeout=60)]
        while not any("handoff" in message for message in answer):
            answer.append(replies.get(timeout=30))
        assert client.transport() == "websocket"  # the upgrade went through nginx too
    finally:
        client.disconnect()


def test_the_clinic_page_is_served_through_nginx(healthy):
    status, body = http_get(f"{healthy.url}{PAGE_PATH}")
    assert status == 200 and b"chat" in body.lower()
    assert http_get(f"{healthy.url}/status")[0] == 404  # Rasa's API stays private
