"""Fixtures for the handoff tests: temporary SQLite databases and real HTTP servers on loopback."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.handoff import TicketStore
from tests.support.stores import migrated


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


Responder = Callable[[Request], tuple[int, bytes]]


@dataclass
class LoopbackServer:
    """An HTTP server on 127.0.0.1 that records every request and answers with `respond`."""

    respond: Responder
    requests: list[Request] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # scripted answers for `scripted_status`
    url: str = ""


def scripted_status(server: LoopbackServer) -> tuple[int, bytes]:
    return (server.statuses.pop(0) if server.statuses else 200), b"ok"


def serve(respond: Responder | None = None) -> Iterator[LoopbackServer]:
    server = LoopbackServer(respond or (lambda _request: scripted_status(server)))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = Request("POST", parts.path, parse_qs(parts.query), dict(self.headers), body)
            server.requests.append(request)
            status, answer = server.respond(request)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def webhook() -> Iterator[LoopbackServer]:
    """A webhook receiver; set `webhook.statuses` to script its answers (default: 200 each time)."""
    yield from serve()


RASA_TOKEN = "test-token-123"


@pytest.fixture
def fake_rasa() -> Iterator[LoopbackServer]:
    """Rasa's tracker events endpoint: 401 without the right token, 200 with it."""

    def respond(request: Request) -> tuple[int, bytes]:
        if request.query.get("token") != [RASA_TOKEN]:
            return 401, b'{"status": "failure", "reason": "NotAuthenticated"}'
        return 200, b"{}"

    yield from serve(respond)


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def db_url(tmp_path) -> str:
    return migrated(f"sqlite:///{tmp_path / 'handoff.db'}")


@pytest.fixture
def store(db_url) -> Iterator[TicketStore]:
    ticket_store = TicketStore(db_url)
    yield ticket_store
    ticket_store.close()


FINDINGS = [
    {"term": "swelling", "category": "symptom", "modifiers": ["severe", "spreading"]},
    {"term": "pregnant", "category": "contraindication", "modifiers": []},
]


@pytest.fixture
def new_ticket(store):
    """Create a ticket with sensible defaults; keyword arguments override them."""

    def create(**overrides):
        values = {
            "conversation_id": "conv-1", "channel": "rest", "reason": "side_effect", "severity": "urgent",
            "findings": FINDINGS, "trigger_message": "my face is swollen since the session",
        }
        values.update(overrides)
        return store.create_ticket(**values)

    return create
