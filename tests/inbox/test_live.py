"""The inbox's live streams (server-sent events, runtime/inbox/live.py) on the real process: only for
a signed-in session, the list and a conversation pushed again when they change, and the streams
ended once the session is signed out."""

import sqlite3
import time

import pytest
from sqlalchemy.engine import make_url

from runtime.inbox.live import SESSION_CHECK_SECONDS
from tools.inbox import EventStream

from .conftest import InboxClient

WAIT = 5.0


@pytest.fixture
def staff(inbox) -> InboxClient:
    client = inbox.client()
    assert client.sign_in().location == "/"
    return client


def stream(client: InboxClient, path: str) -> EventStream:
    return EventStream(client.port, path, {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())})


def test_the_streams_need_a_signed_in_session(inbox):
    ticket = inbox.tickets.create_ticket("conv-1", "socketio", "side_effect", "urgent", [], "swollen")
    for path in ("/api/tickets/stream", f"/api/tickets/{ticket.id}/transcript/stream"):
        reply = inbox.client().get(path)
        assert reply.status == 401 and "swollen" not in reply.body


def test_a_new_ticket_is_pushed_to_the_open_list(inbox, staff):
    tickets = stream(staff, "/api/tickets/stream")
    tickets.wait_for(lambda data: data["tickets"] == [], WAIT)
    ticket = inbox.tickets.create_ticket("conv-1", "socketio", "side_effect", "emergency", [], "I can't breathe")
    tickets.wait_for(lambda data: [row["id"] for row in data["tickets"]] == [ticket.id], WAIT)
    inbox.tickets.claim(ticket.id, "Anna")
    tickets.wait_for(lambda data: data["tickets"][0]["status"].startswith("claimed"), WAIT)
    tickets.close()


def test_a_patients_new_message_is_pushed_to_the_open_ticket_page(inbox, staff, tracker_url):
    ticket = inbox.tickets.create_ticket("conv-1", "socketio", "side_effect", "urgent", [], "swollen")
    transcript = stream(staff, f"/api/tickets/{ticket.id}/transcript/stream")
    transcript.wait_for(lambda data: [e["speaker"] for e in data["entries"]] == ["patient", "assistant", ""], WAIT)
    with sqlite3.connect(make_url(tracker_url).database) as connection:
        connection.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                           ("conv-1", "user", 3.0, '{"event": "user", "text": "it is getting worse"}'))
    transcript.wait_for(lambda data: data["entries"][-1] == {"speaker": "patient", "text": "it is getting worse"}, WAIT)
    transcript.close()


def test_signing_out_ends_the_streams(inbox, staff):
    ticket = inbox.tickets.create_ticket("conv-1", "socketio", "side_effect", "urgent", [], "swollen")
    streams = [stream(staff, "/api/tickets/stream"), stream(staff, f"/api/tickets/{ticket.id}/transcript/stream")]
    time.sleep(0.5)
    assert not any(opened.ended.is_set() for opened in streams)
    csrf = staff.get("/").csrf()
    assert staff.post("/logout", {"csrf": csrf}).location == "/login"
    for opened in streams:
        assert opened.ended.wait(SESSION_CHECK_SECONDS + WAIT)
