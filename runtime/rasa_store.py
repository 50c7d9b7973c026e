"""Everything this project knows about Rasa's insides, in one place: its HTTP API (posting events to
a conversation) and its SQL tracker store's `events` table (read and deleted without importing
Rasa). The staff commands, retention and the load tests go through here.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import quote, urlencode

from sqlalchemy import MetaData, Table, create_engine, delete, func, inspect, select
from sqlalchemy.engine import Connection, make_url

from bot.replies import CLINIC_TEAM, HANDBACK, messages

CHUNK = 500  # sender ids per DELETE … IN (…), well under every database's parameter limit
RASA_TOKEN_ENV = "RASA_AUTH_TOKEN"


# --- the HTTP API -------------------------------------------------------------------------------


def events_url(base: str, conversation_id: str) -> str:
    return f"{base}/conversations/{quote(conversation_id, safe='')}/tracker/events"


def resume_body() -> list[dict[str, Any]]:
    """Resume, say "You're back with the assistant." in the conversation, then close the turn as Rasa
    does after every reply, so the patient's next message starts a fresh turn that the rules
    recognise (messages sent while paused were logged but never answered)."""
    return [{"event": "resume"},
            {"event": "bot", "text": messages()["back_with_assistant"], "metadata": {"from": HANDBACK}},
            {"event": "action", "name": "action_listen"}]


def staff_reply_body(text: str, staff: str) -> list[dict[str, Any]]:
    """A staff member's message as a `bot` event of the conversation, marked as the clinic team's."""
    return [{"event": "bot", "text": f"{staff} (clinic team): {text}",
             "metadata": {"from": CLINIC_TEAM, "staff": staff}}]


def post_events(base: str, conversation_id: str, events: list[dict[str, Any]], token: str | None,
                timeout: float = 10.0) -> str | None:
    """Append `events` to the conversation through Rasa's HTTP API (so they are in its history, which
    `erase` and `purge` cover); returns None on success, else what went wrong. Nothing is sent to
    the patient from here: with several Sanic workers, the request may reach one that does not hold
    the patient's socket."""
    query = {"include_events": "NONE"} | ({"token": token} if token else {})
    request = urllib.request.Request(
        f"{events_url(base, conversation_id)}?{urlencode(query)}",
        data=json.dumps(events).encode(), method="POST", headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
        return None
    except urllib.error.HTTPError as error:
        hint = " (check $RASA_AUTH_TOKEN)" if error.code in (401, 403) else ""
        return f"Rasa answered HTTP {error.code} {error.reason}{hint}"
    except (urllib.error.URLError, OSError) as error:
        return f"could not reach Rasa at {base}: {getattr(error, 'reason', error)}"


def resume_conversation(base: str, conversation_id: str, token: str | None) -> str | None:
    """Hand the conversation back to the assistant, which tells the patient so; None on success."""
    return post_events(base, conversation_id, resume_body(), token)


def resume_curl(base: str, conversation_id: str) -> str:
    url = f"{events_url(base, conversation_id)}?token=${RASA_TOKEN_ENV}"
    return f"""curl -XPOST "{url}" -H 'Content-Type: application/json' -d '{json.dumps(resume_body())}'"""


# --- the events table --------------------------------------------------------------------------


class TranscriptUnavailable(Exception):
    pass


SPEAKERS = {"user": "patient", "bot": "assistant"}
MARKERS = {"pause": "--- conversation paused for staff ---", "resume": "--- conversation resumed ---"}


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of a conversation: who said it ("patient", "assistant"), or "" for a marker
    (the conversation paused or resumed)."""

    speaker: str
    text: str

    def line(self) -> str:
        return f"{self.speaker}: " + self.text.replace("\n", "\n    ") if self.speaker else self.text


def read_transcript(url: str, conversation_id: str) -> list[str]:
    """The conversation's lines from Rasa's SQL tracker store, oldest first."""
    return [entry.line() for entry in read_transcript_entries(url, conversation_id)]


def read_transcript_entries(url: str, conversation_id: str) -> list[TranscriptEntry]:
    """The conversation's messages and pause/resume markers from Rasa's SQL tracker store, oldest first."""
    tracker = TrackerEvents(url)
    try:
        if tracker.engine is None:
            raise TranscriptUnavailable(f"no tracker database at {make_url(url).database}")
        if tracker.events is None:
            raise TranscriptUnavailable("the tracker database has no events table (no conversation stored yet?)")
        rows = tracker.conversation_rows(conversation_id, [*SPEAKERS, *MARKERS])
    finally:
        tracker.close()
    return [entry for type_name, data in rows if (entry := transcript_entry(type_name, data))]


def transcript_entry(type_name: str, data: str | None) -> TranscriptEntry | None:
    if type_name in MARKERS:
        return TranscriptEntry("", MARKERS[type_name])
    try:
        event = json.loads(data or "{}")
        text, sender = event.get("text"), (event.get("metadata") or {}).get("from")
    except (ValueError, AttributeError):
        return None
    if not text:
        return None
    return TranscriptEntry("clinic team" if sender == CLINIC_TEAM else SPEAKERS[type_name], str(text))


def database_exists(url: str) -> bool:
    """False for a SQLite file that is not there (connecting would create it)."""
    parsed = make_url(url)
    return parsed.get_backend_name() != "sqlite" or bool(parsed.database and Path(parsed.database).is_file())


class TrackerEvents:
    """Rasa's SQL tracker store `events` table, reflected (no Rasa import)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, future=True, hide_parameters=True) if database_exists(url) else None
        self.events: Table | None = None
        if self.engine is not None and inspect(self.engine).has_table("events"):
            self.events = Table("events", MetaData(), autoload_with=self.engine)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def conversation_rows(self, conversation_id: str, type_names: Sequence[str]) -> list[tuple[str, str | None]]:
        """(type_name, data JSON) of one conversation's events of these types, oldest first."""
        if self.events is None or self.engine is None:
            return []
        events = self.events
        query = (select(events.c.type_name, events.c.data)
                 .where(events.c.sender_id == conversation_id, events.c.type_name.in_(list(type_names)))
                 .order_by(events.c.timestamp, events.c.id))
        with self.engine.connect() as connection:
            return [(type_name, data) for type_name, data in connection.execute(query)]

    def version(self, conversation_id: str) -> tuple[int, int | None]:
        """How many events the conversation has and its newest event's id: one indexed query that
        changes whenever an event is added or removed (the inbox's live transcript asks it often)."""
        if self.events is None or self.engine is None:
            return 0, None
        events = self.events
        query = select(func.count(), func.max(events.c.id)).where(events.c.sender_id == conversation_id)
        with self.engine.connect() as connection:
            count, newest = connection.execute(query).one()
        return int(count), newest

    def user_and_bot_events(self, senders: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Each conversation's user and bot events, decoded, in stored order."""
        found: dict[str, list[dict[str, Any]]] = {}
        if self.events is None or self.engine is None:
            return found
        events = self.events
        with self.engine.connect() as connection:
            for chunk in chunks(list(senders)):
                query = (select(events.c.sender_id, events.c.data)
                         .where(events.c.type_name.in_(["user", "bot"]), events.c.sender_id.in_(chunk))
                         .order_by(events.c.id))
                for sender, data in connection.execute(query):
                    found.setdefault(sender, []).append(json.loads(data))
        return found

    def conversations_idle_since(self, cutoff: datetime) -> list[str]:
        """Conversations whose last event is before `cutoff`."""
        if self.events is None or self.engine is None:
            return []
        events = self.events
        query = select(events.c.sender_id).group_by(events.c.sender_id).having(
            func.max(events.c.timestamp) < cutoff.timestamp())
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def delete(self, sender_ids: Sequence[str], before: datetime | None = None) -> int:
        """Delete the events of these conversations (only those before `before`, if given, so a
        patient who comes back during the purge keeps the new message); returns how many."""
        if self.events is None or self.engine is None or not sender_ids:
            return 0
        deleted = 0
        with self.engine.begin() as connection:
            for chunk in chunks(sender_ids):
                deleted += delete_chunk(connection, self.events, chunk, before)
        return deleted


def delete_chunk(connection: Connection, events: Table, chunk: Sequence[str], before: datetime | None) -> int:
    statement = delete(events).where(events.c.sender_id.in_(chunk))
    if before is not None:
        statement = statement.where(events.c.timestamp < before.timestamp())
    return connection.execute(statement).rowcount


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
