"""Staff messages to web-widget patients, live over socket.io, from the Sanic worker that holds the
patient's socket.

The staff inbox appends a staff reply (and, on resolve, "You're back with the assistant.") to the
conversation through Rasa's HTTP API, which any worker or replica may serve, while a socket.io emit
reaches only the sockets of the worker that makes it. So every worker watches the tracker store for
new `bot` events marked by the inbox (metadata `from`, bot.replies.STAFF_SOURCES) in the
conversations whose sockets it holds, and emits them itself, as Rasa's socket.io output would.
Only messages stored after the worker started, while the patient's socket is connected, are sent;
the conversation's history keeps them all.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Iterable

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from socketio import AsyncServer

from bot.replies import HANDBACK, STAFF_SOURCES

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 0.5


def sql_store(tracker_store: Any) -> SQLTrackerStore | None:
    """The SQL tracker store inside Rasa's fail-safe wrapper, or None (in memory: nothing to watch)."""
    inner = getattr(tracker_store, "_tracker_store", tracker_store)
    return inner if isinstance(inner, SQLTrackerStore) else None


class StaffRelay:
    """Emits the staff messages stored for this worker's connected sessions, oldest first."""

    def __init__(self, sio: AsyncServer, event_name: str, store: SQLTrackerStore) -> None:
        self.sio = sio
        self.event_name = event_name
        self.engine = store.engine
        self.events = store.SQLEvent.__table__
        self.last_id = self._newest_id()

    def _newest_id(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.max(self.events.c.id))).scalar() or 0)

    def _connected_sessions(self) -> list[str]:
        """The rooms of this worker's sockets: with session persistence, each session's id."""
        return [room for room in self.sio.manager.rooms.get("/", {}) if isinstance(room, str)]

    def _new_bot_events(self, sessions: Iterable[str]) -> list[tuple[int, str, str]]:
        events = self.events
        query = (sa.select(events.c.id, events.c.sender_id, events.c.data)
                 .where(events.c.id > self.last_id, events.c.type_name == "bot", events.c.sender_id.in_(list(sessions)))
                 .order_by(events.c.id))
        with self.engine.connect() as connection:
            return [(row_id, sender, data) for row_id, sender, data in connection.execute(query)]

    async def relay_once(self) -> None:
        sessions = self._connected_sessions()
        if not sessions:
            return
        for row_id, sender, data in await asyncio.to_thread(self._new_bot_events, sessions):
            event = json.loads(data)
            source = (event.get("metadata") or {}).get("from")
            if source in STAFF_SOURCES:  # the widget leaves its handoff state on the hand-back line
                message = {"text": event.get("text", "")} | ({"handback": True} if source == HANDBACK else {})
                await self.sio.emit(self.event_name, message, room=sender)
            self.last_id = max(self.last_id, row_id)

    async def run(self) -> None:
        while True:
            try:
                await self.relay_once()
            except Exception as error:  # a database hiccup must not end the relay; no message text logged
                log.error("staff messages not relayed this round: %s", type(error).__name__)
            await asyncio.sleep(INTERVAL_SECONDS)
