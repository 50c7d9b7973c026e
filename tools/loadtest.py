"""Many patients' conversations at once over REST, and a check that the stores hold exactly what
the patients sent and were told. Used by tests/production/ and `make bench-load`.

The check reads Rasa's `events` table and the handoff `tickets` table directly, so it holds for
any set-up whose stores are SQL (SQLite files or PostgreSQL).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import aiohttp
from sqlalchemy import create_engine, text

from runtime.rasa_store import TrackerEvents

# Questions that get a plain answer (no handoff, no clarifying question): one per topic.
QUESTIONS = (
    "what is mesotherapy?",
    "how is a mesotherapy session done?",
    "what can mesotherapy treat?",
    "does mesotherapy work on cellulite?",
    "can mesotherapy help my hair loss?",
    "what is in the injections?",
    "how much downtime is there after mesotherapy?",
    "how many sessions will I need?",
    "how long does one session last?",
    "is mesotherapy painful?",
    "what aftercare should I follow after mesotherapy?",
    "when will I see the results?",
    "are the results of mesotherapy permanent?",
    "how much does mesotherapy cost?",
    "where is the clinic located and is there parking?",
    "what is the clinic's phone number?",
    "hello",
    "thank you",
)
REPORT = "I had mesotherapy yesterday and now my face is very swollen and hot"


def script(number: int, turns: int) -> list[str]:
    """`turns - 1` questions, rotated per conversation, then a side-effect report. The report
    comes last because a handoff pauses the conversation: the bot is silent after it."""
    questions = [QUESTIONS[(number + turn) % len(QUESTIONS)] for turn in range(turns - 1)]
    return [*questions, REPORT]


@dataclass
class Turn:
    text: str
    message_id: str | None
    status: int  # 0: no HTTP answer at all
    replies: list[dict]
    seconds: float
    error: str = ""


@dataclass
class Conversation:
    sender: str
    turns: list[Turn] = field(default_factory=list)

    @property
    def paused_after(self) -> int | None:
        """The index of the turn whose reply handed off (the bot is silent after it), or None."""
        for index, turn in enumerate(self.turns):
            if any("handoff" in (reply.get("custom") or {}) for reply in turn.replies):
                return index
        return None

    def failures(self) -> list[str]:
        """Requests that failed: not 200, or no reply where one was due (before any handoff)."""
        paused = self.paused_after
        return [
            f"{self.sender} turn {index} ({turn.text!r}): status {turn.status}, replies {turn.replies} {turn.error}"
            for index, turn in enumerate(self.turns)
            if turn.status != 200 or (not turn.replies and (paused is None or index <= paused))
        ]

    def handoff_ticket(self) -> int | None:
        for turn in self.turns:
            for reply in turn.replies:
                handoff = (reply.get("custom") or {}).get("handoff")
                if handoff:
                    return handoff.get("ticket")
        return None


async def converse(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    texts: Sequence[str],
    send_message_id: bool = True,
    think: tuple[float, float] = (0.0, 0.0),
    rng: random.Random | None = None,
) -> Conversation:
    """One patient: each message after the previous reply, `think` seconds (uniform) apart; with
    a pause, the first message also comes up to `think[1]` seconds late, so patients arrive spread
    out rather than all in the same instant. The conversation id goes in the X-Conversation-Id
    header, which nginx routes on. Without `send_message_id` the client is a naive one, and nginx
    supplies the message id."""
    conversation = Conversation(sender)
    rng = rng or random.Random()
    for number, message in enumerate(texts):
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(think[0] if number else 0.0, think[1]))
        message_id = uuid.uuid4().hex if send_message_id else None
        headers = {"X-Conversation-Id": sender, **({"X-Message-Id": message_id} if message_id else {})}
        started = time.perf_counter()
        status, replies, error = 0, [], ""
        try:
            async with session.post(url, json={"sender": sender, "message": message}, headers=headers) as response:
                status, body = response.status, await response.json(content_type=None)
                replies = body if isinstance(body, list) else []
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as failure:
            error = repr(failure)
        conversation.turns.append(Turn(message, message_id, status, replies, time.perf_counter() - started, error))
    return conversation


async def run_conversations(
    url: str,
    scripts: Sequence[Sequence[str]],
    prefix: str = "load",
    send_message_id: bool = True,
    think: tuple[float, float] = (0.0, 0.0),
    timeout: float = 180.0,
    seed: int = 7,
) -> list[Conversation]:
    """All `scripts` at once, each as its own conversation."""
    rng = random.Random(seed)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        return list(await asyncio.gather(*(
            converse(session, url, f"{prefix}-{number}-{uuid.uuid4().hex[:8]}", texts, send_message_id, think,
                     random.Random(rng.random()))
            for number, texts in enumerate(scripts)
        )))


# --- what the stores hold ---------------------------------------------------------------------


def stored_events(database_url: str, senders: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Each conversation's user and bot events from Rasa's tracker store, in stored order."""
    tracker = TrackerEvents(database_url)
    try:
        return tracker.user_and_bot_events(senders)
    finally:
        tracker.close()


def tickets_by_conversation(database_url: str) -> dict[str, list[int]]:
    """Handoff ticket ids per conversation, from the `tickets` table."""
    tickets: dict[str, list[int]] = defaultdict(list)
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            for conversation_id, ticket_id in connection.execute(
                text("SELECT conversation_id, id FROM tickets ORDER BY id")
            ):
                tickets[conversation_id].append(ticket_id)
    finally:
        engine.dispose()
    return dict(tickets)


def told(conversation: Conversation) -> list[tuple[str, str]]:
    """What the patient sent and the texts they were told, in order."""
    exchanged = []
    for turn in conversation.turns:
        exchanged.append(("user", turn.text))
        exchanged += [("bot", reply["text"]) for reply in turn.replies if reply.get("text")]
    return exchanged


def kept(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The same, as the tracker store holds it."""
    return [(event["event"], event.get("text") or "") for event in events
            if event["event"] == "user" or event.get("text")]


def store_problems(conversation: Conversation, events: list[dict[str, Any]]) -> list[str]:
    """Differences between what was exchanged and what is stored: a message or reply missing,
    stored twice or out of order; a message id stored other than once."""
    problems = []
    if told(conversation) != kept(events):
        problems.append(f"{conversation.sender}: exchanged {told(conversation)} but stored {kept(events)}")
    stored_ids = [event.get("message_id") for event in events if event["event"] == "user"]
    sent_ids = [turn.message_id for turn in conversation.turns]
    if all(sent_ids) and stored_ids != sent_ids:
        problems.append(f"{conversation.sender}: message ids sent {sent_ids} but stored {stored_ids}")
    if len(set(stored_ids)) != len(stored_ids):
        problems.append(f"{conversation.sender}: a message id is stored twice: {stored_ids}")
    return problems


def ticket_problems(conversation: Conversation, tickets: list[int]) -> list[str]:
    """A conversation that was handed off has exactly one ticket, the one the patient was told."""
    told_ticket = conversation.handoff_ticket()
    if told_ticket is None:
        return [] if not tickets else [f"{conversation.sender}: tickets {tickets} without a handoff reply"]
    if tickets != [told_ticket]:
        return [f"{conversation.sender}: told ticket {told_ticket}, stored tickets {tickets}"]
    return []


@dataclass
class Verdict:
    conversations: int
    messages: int
    failed_requests: list[str]
    store_problems: list[str]
    ticket_problems: list[str]

    @property
    def ok(self) -> bool:
        return not (self.failed_requests or self.store_problems or self.ticket_problems)


def verify(conversations: list[Conversation], tracker_url: str, tickets_url: str) -> Verdict:
    events = stored_events(tracker_url, (c.sender for c in conversations))
    tickets = tickets_by_conversation(tickets_url)
    return Verdict(
        conversations=len(conversations),
        messages=sum(len(c.turns) for c in conversations),
        failed_requests=[f for c in conversations for f in c.failures()],
        store_problems=[p for c in conversations for p in store_problems(c, events.get(c.sender, []))],
        ticket_problems=[p for c in conversations for p in ticket_problems(c, tickets.get(c.sender, []))],
    )
