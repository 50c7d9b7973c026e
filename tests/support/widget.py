"""A web widget's socket.io session as the tests drive it: session persistence, the last staff
message's id sent with `session_request` (web/chat.js), every bot message kept in arrival order."""

from __future__ import annotations

import queue
import threading
import uuid

import engineio
import socketio


class InOrderEngineIOClient(engineio.Client):
    """Handles each message in the thread that reads the socket, so messages are handled in the order
    they arrive. The stock client starts a thread per message, and two that arrive together can then
    reach the handler in the other order; a browser (web/chat.js) handles them in arrival order."""

    def _trigger_event(self, event, *args, **kwargs):
        kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self):
        return InOrderEngineIOClient


class Patient:
    """A widget's socket.io session; `staff_after` as chat.js sends it (None: a client that does not)."""

    def __init__(self, url: str, session_id: str | None = None, staff_after: int | None = 0) -> None:
        self.session_id = session_id or uuid.uuid4().hex
        self.received: queue.Queue = queue.Queue()
        self.client = InOrderClient()
        confirmed = threading.Event()
        self.client.on("session_confirm", lambda *_: confirmed.set())
        self.client.on("bot_uttered", self.received.put)
        self.client.connect(url, transports=["websocket"], socketio_path="/socket.io")
        self.client.emit("session_request", {"session_id": self.session_id, "staff_after": staff_after})
        assert confirmed.wait(10), "no session_confirm"

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def messages(self, count: int, timeout: float = 10.0) -> list[dict]:
        return [self.received.get(timeout=timeout) for _ in range(count)]

    def drain(self, quiet: float = 1.5) -> list[dict]:
        """Everything that arrives until nothing has for `quiet` seconds."""
        messages = []
        try:
            while True:
                messages.append(self.received.get(timeout=quiet))
        except queue.Empty:
            return messages

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def without_ids(messages: list[dict]) -> list[dict]:
    return [{key: value for key, value in message.items() if key != "staff_id"} for message in messages]
