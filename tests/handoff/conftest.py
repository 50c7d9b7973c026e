"""Fixtures for the handoff tests: temporary SQLite databases and real HTTP servers on loopback."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest

from bot.handoff import TicketStore
from tests.support.loopback import LoopbackServer, rasa_events_api, serve
from tests.support.stores import migrated


@pytest.fixture
def webhook() -> Iterator[LoopbackServer]:
    """A webhook receiver; set `webhook.statuses` to script its answers (default: 200 each time)."""
    yield from serve()


@pytest.fixture
def fake_rasa() -> Iterator[LoopbackServer]:
    yield from rasa_events_api()


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
