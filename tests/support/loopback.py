"""HTTP servers on loopback for tests: a webhook receiver that records what it is sent, and Rasa's
tracker events API (401 without the token, 200 with it)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator
from urllib.parse import parse_qs, urlsplit


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
    refusals: list[str] = field(default_factory=list)  # Rasa's events API: the next appends to fail, and why
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


RASA_TOKEN = "test-token-123"


def rasa_events_api() -> Iterator[LoopbackServer]:
    """Rasa's tracker events endpoint: 401 without the right token, 200 with it; while the server's
    `refusals` has entries, each request takes one and gets the HTTP 500 Rasa answers when sending a
    posted `bot` event failed (the patient's platform refused it), with that reason."""
    refusals: list[str] = []

    def respond(request: Request) -> tuple[int, bytes]:
        if request.query.get("token") != [RASA_TOKEN]:
            return 401, b'{"status": "failure", "reason": "NotAuthenticated"}'
        if refusals:
            message = f"An unexpected error occurred. Error: {refusals.pop(0)}"
            return 500, json.dumps({"status": "failure", "reason": "ConversationError", "message": message,
                                    "code": 500}).encode()
        return 200, b"{}"

    for server in serve(respond):
        server.refusals = refusals
        yield server
