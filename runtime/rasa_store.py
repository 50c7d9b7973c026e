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


# Rasa sends the posted `bot` events through the output of the conversation's latest input channel
# (Telegram, Twilio, Messenger, Slack, callback: rasa_ext/staff_delivery.py), and stores them only
# if that succeeds. Socket.io and REST give it no output: the staff relay reaches socket.io patients.
DELIVER = {"execute_side_effects": "true", "output_channel": "latest"}
RASA_ERROR_PREFIX = "An unexpected error occurred. Error: "  # how Rasa words a failed append (HTTP 500)


# Characters legal in a URL path, left as they are: Rasa's route (Sanic, `unquote=False`) does not
# decode the conversation id, so "%2B44…" would address a new conversation, not Twilio's "+44…".
PATH_SAFE = "/:@!$&'()*+,;="


def events_url(base: str, conversation_id: str) -> str:
    """Ids with other characters (a space) cannot be addressed through Rasa's API at all; no
    channel makes them, only a REST or callback client that chooses its own ids."""
    return f"{base}/conversations/{quote(conversation_id, safe=PATH_SAFE)}/tracker/events"


def resume_body() -> list[dict[str, Any]]:
    """Resume, say "You're back with the assistant." in the conversation, then close the turn as Rasa
    does after every reply, so the patient's next message starts a fresh turn that the rules
    recognise (messages sent while paused were logged but never answered)."""
    return [{"event": "resume"},
            {"event": "bot", "text": messages()["back_with_assistant"], "metadata": {"from": HANDBACK}},
            {"event": "action", "name": "action_listen"}]


def silent_resume_body() -> list[dict[str, Any]]:
    """The resume without the hand-back line, for a patient whose platform refused it."""
    return [event for event in resume_body() if event["event"] != "bot"]


def staff_reply_body(text: str, staff: str) -> list[dict[str, Any]]:
    """A staff member's message as a `bot` event of the conversation, marked as the clinic team's."""
    return [{"event": "bot", "text": f"{staff} (clinic team): {text}",
             "metadata": {"from": CLINIC_TEAM, "staff": staff}}]


def post_events(base: str, conversation_id: str, events: list[dict[str, Any]], token: str | None,
                timeout: float = 20.0) -> str | None:
    """Append `events` to the conversation through Rasa's HTTP API (so they are in its history, which
    `erase` and `purge` cover) and send its `bot` events to the patient's messaging channel;
    returns None on success, else what went wrong. When the platform refuses a message, Rasa
    stores none of the events and this says why."""
    query = {"include_events": "NONE", **DELIVER} | ({"token": token} if token else {})
    request = urllib.request.Request(
        f"{events_url(base, conversation_id)}?{urlencode(query)}",
        data=json.dumps(events).encode(), method="POST", headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
        return None
    except urllib.error.HTTPError as error:
        return rasa_refusal(error)
    except TimeoutError:
        return (f"Rasa did not answer within {timeout:g} s; the message may still have been delivered "
                "(the conversation below shows it if it was)")
    except (urllib.error.URLError, OSError) as error:
        return f"could not reach Rasa at {base}: {getattr(error, 'reason', error)}"


def rasa_refusal(error: urllib.error.HTTPError) -> str:
    """Rasa's status, and for a failed append (a platform that refused the message) its reason."""
    hint = " (check $RASA_AUTH_TOKEN)" if error.code in (401, 403) else ""
    try:
        detail = str(json.loads(error.read()).get("message") or "")
    except (ValueError, AttributeError, OSError):
        detail = ""
    detail = detail.removeprefix(RASA_ERROR_PREFIX)[:500]
    return f"Rasa answered HTTP {error.code} {error.reason}{hint}" + (f": {detail}" if error.code >= 500 and detail else "")


@dataclass(frozen=True)
class HandBack:
    """What handing a conversation back to the assistant did: all went well when both are None."""

    not_resumed: str | None = None  # why the conversation is still paused
    not_told: str | None = None  # resumed, but why the patient did not get "You're back with the assistant."


def resume_conversation(base: str, conversation_id: str, token: str | None) -> HandBack:
    """Hand the conversation back to the assistant, which tells the patient so. If that fails (the
    patient's platform refused the line, or Rasa did not answer), resume without the line: a patient
    who cannot be told must still get answers again, and the line is not stored as if sent."""
    refused = post_events(base, conversation_id, resume_body(), token)
    if refused is None:
        return HandBack()
    failed = post_events(base, conversation_id, silent_resume_body(), token)
    return HandBack(not_told=refused) if failed is None else HandBack(not_resumed=failed)


def resume_curl(base: str, conversation_id: str) -> str:
    url = f"{events_url(base, conversation_id)}?{urlencode(DELIVER)}&token=${RASA_TOKEN_ENV}"
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
