"""Rasa's SQLTrackerStore, with SQLite tuned for a chat server and patients' words kept out of logs.

On every database, SQL errors no longer carry the statement's parameters (hide_parameters): Rasa
logs a failed save with its exception, which would otherwise copy the patient's message into the
log. The rest only changes SQLite; other databases (PostgreSQL) are left as Rasa sets them up.
- By default SQLite fsyncs its rollback journal on every commit, and Rasa commits once per turn.
  Write-ahead logging with synchronous=NORMAL keeps every committed turn across a crash of the
  process; only a power cut can lose the last few commits.
- SQLAlchemy 1.4 gives file databases a NullPool, which opens a new connection for every query
  session; this keeps a small pool instead (SQLAlchemy 2.0's own default for SQLite files).

For every database, three costs Rasa pays on every turn are cut (about a quarter of the server's
CPU under load, by profile), with the same table, rows and order:
- saving no longer asks the database how many events it already holds: a tracker read by
  `retrieve` carries the number of events it was built from, and `save` stores only what came
  after (a tracker from anywhere else, such as a new conversation's, falls back to Rasa's count of
  the latest session's events, asked with one Core SELECT instead of an ORM query);
- new events are written with one multi-row INSERT instead of the ORM's unit of work;
- a conversation is read with one Core SELECT of the `data` column instead of an ORM query.
"""

import functools
import itertools
import json
from dataclasses import dataclass
from typing import Any, Dict, Iterator

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

STORED_EVENTS = "_clinic_stored_events"  # attribute on a tracker: how many of its events are stored


def use_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def event_row(sender_id: str, event: Event) -> Dict[str, Any]:
    """The `events` row Rasa's SQLTrackerStore.save writes for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class ClinicSQLTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine  # set by Rasa's __init__, which mypy cannot see (Rasa ships no type information)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", use_wal)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self.engine.hide_parameters = True

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [event_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    def _additional_events(self, session: sa.orm.Session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None:  # a tracker not read here (a new conversation's, say): ask the database
            stored = session.execute(self._queries.latest_session_count, {"sender_id": tracker.sender_id}).scalar_one()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        query = self._queries.every_session if fetch_events_from_all_sessions else self._queries.latest_session
        with self.session_scope() as session:
            rows = session.execute(query, {"sender_id": sender_id}).scalars().all()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in rows], self.domain.slots)

    @functools.cached_property
    def _queries(self) -> "EventQueries":
        return EventQueries.for_table(self.SQLEvent.__table__)


@dataclass(frozen=True)
class EventQueries:
    """Rasa's `_event_query` in Core, built once with the sender as a parameter (building and
    caching a statement per call was about 4% of the server's CPU, by profile)."""

    every_session: sa.sql.Select  # all of a conversation's event data, oldest first
    latest_session: sa.sql.Select  # the same from the latest SessionStarted on (or all, if none)
    latest_session_count: sa.sql.Select

    @classmethod
    def for_table(cls, events: sa.Table) -> "EventQueries":
        sender = sa.bindparam("sender_id")
        every_session = sa.select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        latest_session = every_session.where(sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
        count = sa.select(sa.func.count()).select_from(latest_session.subquery())
        return cls(every_session, latest_session, count)
