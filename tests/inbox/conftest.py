"""The staff inbox as a real process (`python -m bot inbox`) on a free loopback port, over a
temporary, migrated handoff database with one staff account, and a client that keeps its cookies."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Iterator
from urllib.parse import urlencode

import pytest

from bot.handoff import TicketStore
from bot.handoff.accounts import StaffAccounts
from runtime.servers import HOST
from tests.support.inbox import add_user, running_inbox
from tests.support.loopback import RASA_TOKEN, LoopbackServer, rasa_events_api
from tests.support.stores import migrated, rasa_tracker_db

NAME, DISPLAY_NAME, PASSWORD = "anna", "Anna <b>Smith</b>", "correct horse battery"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.body)
        assert found, f"no CSRF field in:\n{self.body}"
        return found.group(1)


class InboxClient:
    """One browser's worth of HTTP: cookies kept (Secure ones too, as a browser does on loopback),
    redirects not followed, so each answer can be checked."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self.headers: dict[str, str] = {}  # sent with every request

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=30)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None if fields is None else urlencode(fields)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read().decode())
        finally:
            connection.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Reply:
        return self.request("POST", path, fields)

    def sign_in(self, name: str = NAME, password: str = PASSWORD) -> Reply:
        form = self.get("/login")
        return self.post("/login", {"csrf": form.csrf(), "name": name, "password": password})


@dataclass
class Inbox:
    port: int
    database_url: str
    tickets: TicketStore
    rasa_requests: list

    def client(self) -> InboxClient:
        return InboxClient(self.port)


PATIENT_SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def tracker_url(tmp_path) -> str:
    return rasa_tracker_db(tmp_path / "tracker.db", [
        ("conv-1", "user", 1.0, {"event": "user", "text": "hello " + PATIENT_SCRIPT}),
        ("conv-1", "bot", 2.0, {"event": "bot", "text": "A member of our team will contact you."}),
        ("conv-1", "pause", 2.5, {"event": "pause"}),
    ])


@pytest.fixture
def fake_rasa() -> Iterator[LoopbackServer]:
    yield from rasa_events_api()


@pytest.fixture
def rasa_token() -> str:
    """The token the inbox is given for Rasa's API (a test parametrizes a wrong one)."""
    return RASA_TOKEN


@pytest.fixture
def inbox(tmp_path, tracker_url, fake_rasa, rasa_token) -> Iterator[Inbox]:
    """`python -m bot inbox` on a free port; Rasa's API is a recording fake on loopback."""
    database_url = migrated(f"sqlite:///{tmp_path / 'handoff.db'}")
    add_user(database_url, NAME, DISPLAY_NAME, PASSWORD)
    tickets = TicketStore(database_url)
    try:
        with running_inbox(tmp_path, database_url, tracker_url, fake_rasa.url, rasa_token) as port:
            yield Inbox(port, database_url, tickets, fake_rasa.requests)
    finally:
        tickets.close()


@pytest.fixture
def accounts(inbox) -> Iterator[StaffAccounts]:
    store = StaffAccounts(inbox.database_url)
    yield store
    store.close()

