"""Staff messages to web-widget patients over socket.io, each exactly once and in order, whether the
widget was connected when staff wrote or comes back later (a reload, a reconnect, a restarted server).

The inbox appends a staff reply (and, on resolve, "You're back with the assistant.") to the
conversation through Rasa's HTTP API, which any worker or replica may serve, while a socket.io emit
reaches only the sockets of the worker that makes it. So every worker reads, from the tracker store,
the staff messages (`bot` events whose metadata `from` is in bot.replies.STAFF_SOURCES) of the
sessions whose sockets it holds, and emits them itself with their event id (`staff_id`).

Where to resume comes from the widget: it keeps the id of the last staff message it showed, saved in
the same sessionStorage write as the transcript it shows, and sends it with `session_request` as
`staff_after`. The worker then sends that session every staff message stored after it, and each new
one as it is stored. The widget ignores an id it has already passed (a second tab of the same
session may ask for older ones again). The server keeps no delivery state, so a restart loses
nothing: the widget's next session_request says where to resume. A client that sends no
`staff_after` gets the messages stored from then on.

The cursor is per conversation and compares event ids. That is sound because a conversation's events
are only written under Rasa's per-conversation lock (patient messages and the events API alike; the
lock store is shared by every worker and replica, a SQLite file or Redis) and saved in one commit
inside it: a conversation's later events get higher ids and are visible only after its earlier ones.
Across conversations ids do commit out of order on PostgreSQL, so there is no global watermark.

Only the widget's own session ids (32 hex digits, as chat.js makes them) are served: a socket can
ask to join any room, and other channels' conversation ids (a Telegram chat id, a phone number) are
guessable.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from socketio import AsyncServer

from bot.replies import HANDBACK, STAFF_SOURCES

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 0.25
WIDGET_SESSION = re.compile(r"[0-9a-f]{32}")
CHUNK = 500  # sessions per query, well under every database's parameter limit


def sql_store(tracker_store: Any) -> SQLTrackerStore | None:
    """The SQL tracker store inside Rasa's fail-safe wrapper, or None (in memory: nothing to watch)."""
    inner = getattr(tracker_store, "_tracker_store", tracker_store)
    return inner if isinstance(inner, SQLTrackerStore) else None


@dataclass(frozen=True)
class StaffMessage:
    id: int
    session: str
    text: str
    handback: bool  # the hand-back line: the widget leaves its handoff state

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "staff_id": self.id} | ({"handback": True} if self.handback else {})


def staff_message(row_id: int, session: str, data: str) -> StaffMessage | None:
    """The staff message a stored `bot` event holds, or None for the assistant's own."""
    event = json.loads(data)
    source = (event.get("metadata") or {}).get("from")
    if source not in STAFF_SOURCES:
        return None
    return StaffMessage(row_id, session, str(event.get("text") or ""), source == HANDBACK)


def resume_point(data: Any) -> int | None:
    """A session_request's `staff_after`: the id of the last staff message the widget showed."""
    value = data.get("staff_after") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class StaffRelay:
    """Sends this worker's connected widget sessions the staff messages they have not been sent."""

    def __init__(self, sio: AsyncServer, event_name: str, store: SQLTrackerStore) -> None:
        self.sio = sio
        self.event_name = event_name
        self.engine = store.engine
        self.events = store.SQLEvent.__table__
        self.cursors: dict[str, int] = {}  # session -> id of the last of its bot events already handled
        self.lock = asyncio.Lock()  # one pass at a time, so a session's messages leave in id order

    async def resume(self, sid: str, data: Any) -> None:
        """After Rasa's session_request handler (the socket is in its session's room): from where
        the widget says it stopped, send what it missed."""
        session = data.get("session_id") if isinstance(data, dict) else None
        if not (isinstance(session, str) and WIDGET_SESSION.fullmatch(session) and session in self.sio.rooms(sid)):
            return
        after = resume_point(data)
        if after is None:
            after = await asyncio.to_thread(self._newest_id, session)
        async with self.lock:
            self.cursors[session] = min(self.cursors.get(session, after), after)
            await self._send_new([session])

    async def relay_once(self) -> None:
        async with self.lock:
            connected = set(self._connected_sessions())
            for gone in self.cursors.keys() - connected:
                del self.cursors[gone]
            if self.cursors:
                await self._send_new(list(self.cursors))

    async def run(self) -> None:
        while True:
            try:
                await self.relay_once()
            except Exception as error:  # a database hiccup must not end the relay; no message text logged
                log.error("staff messages not relayed this round: %s", type(error).__name__)
            await asyncio.sleep(INTERVAL_SECONDS)

    def _connected_sessions(self) -> list[str]:
        """The rooms of this worker's sockets: with session persistence, each session's id."""
        return [room for room in self.sio.manager.rooms.get("/", {}) if isinstance(room, str)]

    async def _send_new(self, sessions: Sequence[str]) -> None:
        after = {session: self.cursors[session] for session in sessions}
        for row_id, session, data in await asyncio.to_thread(self._bot_events_after, after):
            message = staff_message(row_id, session, data)
            if message is not None:
                await self.sio.emit(self.event_name, message.payload(), room=session)
            self.cursors[session] = row_id

    def _bot_events_after(self, after: dict[str, int]) -> list[tuple[int, str, str]]:
        """Each session's bot events after its cursor, in id order (one query per CHUNK sessions)."""
        events, sessions, found = self.events, list(after), []
        with self.engine.connect() as connection:
            for start in range(0, len(sessions), CHUNK):
                chunk = sessions[start:start + CHUNK]
                query = (sa.select(events.c.id, events.c.sender_id, events.c.data)
                         .where(events.c.type_name == "bot", events.c.sender_id.in_(chunk),
                                events.c.id > min(after[session] for session in chunk))
                         .order_by(events.c.id))
                found += [(row_id, sender, data) for row_id, sender, data in connection.execute(query)
                          if row_id > after[sender]]
        return sorted(found)

    def _newest_id(self, session: str) -> int:
        query = sa.select(sa.func.max(self.events.c.id)).where(self.events.c.sender_id == session)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)
