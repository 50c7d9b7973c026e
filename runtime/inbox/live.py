"""The inbox's two live views as server-sent events: the open-ticket list and a ticket's conversation.

Each open page holds one stream. Every TICK_SECONDS the inbox looks at what the page shows (the
list: one query on the ticket database; a conversation: one indexed count on the tracker store,
the transcript itself read only when that changed) and sends the whole view again only when it
differs from what it last sent. A push with a short poll on the server, rather than the browser
asking every TICK_SECONDS: a change reaches the page within a tick, and an idle page costs no
HTTP request, cookie or session lookup per tick (bench/inbox_latency.py measures both; the figures
are in docs/inbox.md). The inbox is one process (a Sanic worker), so there is no fan-out to arrange.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Awaitable, Callable

from sanic.request import Request

from runtime.rasa_store import TrackerEvents, TranscriptUnavailable, read_transcript_entries

TICK_SECONDS = 0.2
# A comment line on an idle stream, well within Sanic's response timeout (60 s) and nginx's read
# timeout, which would otherwise close it.
HEARTBEAT_SECONDS = 15.0
SESSION_CHECK_SECONDS = 5.0  # a signed-out or expired session's streams end within this
STREAM_HEADERS = {"X-Accel-Buffering": "no"}  # nginx must pass each event on at once


async def serve_events(request: Request, view: Callable[[], Awaitable[Any]],
                       signed_in: Callable[[], Awaitable[bool]]) -> None:
    """Send `view()` as an event whenever it changes, until the client leaves (Sanic then cancels
    this handler) or the session ends (the browser reconnects, gets 401 and goes to sign-in)."""
    response = await request.respond(content_type="text/event-stream; charset=utf-8", headers=STREAM_HEADERS)
    last: Any = None
    sent_at = checked_at = time.monotonic()
    while True:
        current, now = await view(), time.monotonic()
        if current != last:
            await response.send(f"data: {json.dumps(current)}\n\n")
            last, sent_at = current, now
        elif now - sent_at >= HEARTBEAT_SECONDS:
            await response.send(": idle\n\n")
            sent_at = now
        if now - checked_at >= SESSION_CHECK_SECONDS:
            if not await signed_in():
                break
            checked_at = now
        await asyncio.sleep(TICK_SECONDS)
    await response.eof()


class TranscriptView:
    """One conversation's transcript for one stream: re-read only when its events changed."""

    def __init__(self, tracker_url: str, conversation_id: str) -> None:
        self.tracker_url = tracker_url
        self.conversation_id = conversation_id
        self.tracker: TrackerEvents | None = None
        self.version: tuple[int, int | None] | None = None
        self.payload: dict[str, Any] = {}

    def current(self) -> dict[str, Any]:
        """{"entries": [{"speaker", "text"}, …], "error": why it cannot be read, or None}."""
        if self.tracker is None or self.tracker.events is None:  # no events table yet: look again next time
            self.close()
            self.tracker = TrackerEvents(self.tracker_url)
        version = self.tracker.version(self.conversation_id)
        if version != self.version:
            self.version, self.payload = version, transcript_payload(self.tracker_url, self.conversation_id)
        return self.payload

    def close(self) -> None:
        if self.tracker is not None:
            self.tracker.close()


def transcript_payload(tracker_url: str, conversation_id: str) -> dict[str, Any]:
    try:
        entries, error = read_transcript_entries(tracker_url, conversation_id), None
    except TranscriptUnavailable as unavailable:
        entries, error = [], str(unavailable)
    return {"entries": [{"speaker": entry.speaker, "text": entry.text} for entry in entries], "error": error}
