"""Retention and erasure of patients' data: `python -m bot purge --older-than 90d` and
`python -m bot erase <conversation-id>`.

Patients' words are kept in four places: Rasa's tracker store (the `events` table, through
runtime/rasa_store.py), the handoff tickets and their notifications, the handoff spool,
and the lock store (conversation ids only). Purge removes whole conversations whose last event is
older than the cutoff, except those with a ticket staff have not resolved yet, and tickets resolved
before the cutoff. Erase removes one conversation from all four. Both print what they removed.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping

import redis

from bot.handoff.migrate import upgrade_database
from bot.handoff.spool import HandoffSpool, spool_directory
from bot.handoff.store import TicketStore
from bot.paths import VAR
from bot.settings import handoff_database_url, redis_url, tracker_database_url
from runtime.rasa_store import TrackerEvents, database_exists

AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """'90d', '12h' or '4w' → a positive timedelta."""
    match = AGE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"expected a positive age such as 90d, 12h or 4w, not {text!r}")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class DataStores:
    """Where one deployment keeps patients' data."""

    tracker_url: str
    handoff_url: str
    spool: HandoffSpool
    locks_db: Path | None = None
    redis_url: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DataStores:
        environ = os.environ if environ is None else environ
        return cls(tracker_database_url(environ), handoff_database_url(environ),
                   HandoffSpool(spool_directory(environ)), VAR / "locks.db", redis_url(environ))


@dataclass
class Removed:
    conversations: int = 0
    events: int = 0
    tickets: int = 0
    spool_entries: int = 0
    locks: int = 0
    kept_with_open_tickets: list[str] = field(default_factory=list)


# --- the stores ---------------------------------------------------------------------------------


def open_ticket_store(url: str) -> TicketStore | None:
    return TicketStore(url) if database_exists(url) else None


def delete_locks(stores: DataStores, conversation_id: str) -> int:
    """Rasa's ticket lock for the conversation: SQLite lock store rows and Redis keys."""
    removed = 0
    if stores.locks_db is not None and stores.locks_db.is_file():
        with sqlite3.connect(stores.locks_db, timeout=30) as connection:
            has_table = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'locks'").fetchone()
            if has_table:
                removed += connection.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,)).rowcount
    if stores.redis_url:
        client = redis.Redis.from_url(stores.redis_url)
        # Rasa's keys are "[<prefix>:]lock:<conversation id>"; glob characters in the id are escaped.
        pattern = "*lock:" + re.sub(r"([*?\[\]\\])", r"\\\1", conversation_id)
        keys = [key for key in client.scan_iter(match=pattern) if key.decode().endswith("lock:" + conversation_id)]
        removed += client.delete(*keys) if keys else 0
    return removed


# --- purge and erase ----------------------------------------------------------------------------


def purge(stores: DataStores, older_than: timedelta, now: datetime | None = None) -> Removed:
    """Delete conversations idle since before now - older_than (unless a ticket for them is still
    open) and tickets resolved before then."""
    cutoff = (now or datetime.now(timezone.utc)) - older_than
    removed = Removed()
    tickets = open_ticket_store(stores.handoff_url)
    tracker = TrackerEvents(stores.tracker_url)
    try:
        open_conversations = {t.conversation_id for t in tickets.list_open()} if tickets else set()
        idle = tracker.conversations_idle_since(cutoff)
        removed.kept_with_open_tickets = sorted(set(idle) & open_conversations)
        to_delete = [sender for sender in idle if sender not in open_conversations]
        removed.events = tracker.delete(to_delete, before=cutoff)
        removed.conversations = len(to_delete)
        removed.tickets = tickets.purge_resolved_before(cutoff) if tickets else 0
    finally:
        tracker.close()
        if tickets:
            tickets.close()
    return removed


def erase(stores: DataStores, conversation_id: str) -> Removed:
    """Delete everything stored about one conversation, everywhere."""
    removed = Removed()
    tracker = TrackerEvents(stores.tracker_url)
    try:
        removed.events = tracker.delete([conversation_id])
    finally:
        tracker.close()
    removed.conversations = int(removed.events > 0)
    tickets = open_ticket_store(stores.handoff_url)
    if tickets:
        try:
            removed.tickets = tickets.delete_conversation(conversation_id)
        finally:
            tickets.close()
    removed.spool_entries = stores.spool.remove_conversation(conversation_id)
    removed.locks = delete_locks(stores, conversation_id)
    return removed


# --- command line -------------------------------------------------------------------------------


def add_retention_commands(commands: argparse._SubParsersAction) -> None:
    """`purge` and `erase` on the main CLI."""
    purge_parser = commands.add_parser("purge", help="delete conversations and resolved tickets older than an age")
    purge_parser.add_argument("--older-than", required=True, type=parse_age, metavar="AGE",
                              help="e.g. 90d (days), 12h (hours), 4w (weeks)")
    purge_parser.set_defaults(handler=purge_command)
    erase_parser = commands.add_parser("erase", help="delete everything stored about one conversation")
    erase_parser.add_argument("conversation_id", metavar="CONVERSATION_ID")
    erase_parser.set_defaults(handler=erase_command)
    for parser in (purge_parser, erase_parser):
        parser.add_argument("--tracker-database-url", help="default: $TRACKER_DATABASE_URL, $DATABASE_URL or var/tracker.db")
        parser.add_argument("--database-url", help="tickets (default: $HANDOFF_DATABASE_URL, $DATABASE_URL, var/handoff.db)")


def stores_for(args: argparse.Namespace) -> DataStores:
    """The stores `purge` and `erase` work on; an existing ticket database is migrated first, as
    every process start-up does."""
    stores = DataStores.from_environment()
    handoff_url = args.database_url or stores.handoff_url
    if database_exists(handoff_url):
        upgrade_database(handoff_url)
    return DataStores(args.tracker_database_url or stores.tracker_url, handoff_url,
                      stores.spool, stores.locks_db, stores.redis_url)


def purge_command(args: argparse.Namespace) -> int:
    cutoff = datetime.now(timezone.utc) - args.older_than
    removed = purge(stores_for(args), args.older_than)
    print(f"Purged data older than {describe_age(args.older_than)} (before {cutoff:%Y-%m-%d %H:%M} UTC):")
    print(f"  conversations: {removed.conversations} ({removed.events} events) from the tracker store")
    print(f"  tickets:       {removed.tickets} resolved (with their notifications) from the ticket store")
    if removed.kept_with_open_tickets:
        print(f"  kept:          {len(removed.kept_with_open_tickets)} old conversation(s) whose ticket is not resolved: "
              + ", ".join(removed.kept_with_open_tickets))
    return 0


def describe_age(age: timedelta) -> str:
    return f"{age.days} day(s)" if age.seconds == 0 else f"{int(age.total_seconds() // 3600)} hour(s)"


def erase_command(args: argparse.Namespace) -> int:
    removed = erase(stores_for(args), args.conversation_id)
    print(f"Erased conversation {args.conversation_id}:")
    print(f"  tracker events:   {removed.events}")
    print(f"  tickets:          {removed.tickets} (with their notifications)")
    print(f"  spooled handoffs: {removed.spool_entries}")
    print(f"  lock entries:     {removed.locks}")
    if not (removed.events or removed.tickets or removed.spool_entries or removed.locks):
        print("  nothing was stored under this id")
    return 0
