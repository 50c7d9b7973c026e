"""Handoff databases for tests. Migrating is a process start-up's job (bot/handoff/migrate.py), so
a test that opens a fresh database does what start-up would do first. Rasa's tracker store as a
SQLite file, for the transcripts staff read."""

import json
import sqlite3
from pathlib import Path
from typing import Iterable

from sqlalchemy import create_engine, text

from bot.handoff import TicketStore, upgrade_database


def migrated(url: str) -> str:
    upgrade_database(url)
    return url


def migrated_store(url: str) -> TicketStore:
    return TicketStore(migrated(url))


def rasa_tracker_db(path: Path, events: Iterable[tuple[str, str, float, dict]]) -> str:
    """A SQLite tracker store laid out like Rasa's SQLTrackerStore, holding `events` given as
    (sender_id, type_name, timestamp, data); returns its URL."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
            [(sender, kind, ts, json.dumps(data)) for sender, kind, ts, data in events],
        )
    return f"sqlite:///{path}"


def stored_staff_messages(database_url: str, conversation_id: str) -> list[tuple[int, str]]:
    """(event id, text) of the conversation's clinic-team messages in Rasa's tracker store, in id order."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, data FROM events WHERE sender_id = :s AND type_name = 'bot' "
                                           "ORDER BY id"), {"s": conversation_id}).all()
    finally:
        engine.dispose()
    return [(row_id, event["text"]) for row_id, data in rows
            if ((event := json.loads(data)).get("metadata") or {}).get("from") == "clinic_team"]
