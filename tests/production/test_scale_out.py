"""50 patients at once through nginx to two Rasa replicas on PostgreSQL and Redis: every request
answered, every message and reply stored once and in order, one ticket per report."""

import asyncio
from collections import Counter

import pytest

from runtime.servers import HOST
from tools.loadtest import REPORT, run_conversations, script, verify

from .helpers import access_log_lines, upstreams

pytestmark = pytest.mark.servers

CONVERSATIONS, TURNS = 50, 10


def test_fifty_concurrent_conversations_lose_nothing(healthy):
    logged_before = len(access_log_lines(healthy))
    scripts = [script(number, TURNS) for number in range(CONVERSATIONS)]
    conversations = asyncio.run(run_conversations(f"{healthy.url}/webhooks/rest/webhook", scripts, prefix="scale"))

    verdict = verify(conversations, healthy.database_url, healthy.database_url)
    assert verdict.messages == CONVERSATIONS * TURNS
    assert verdict.failed_requests == []
    assert verdict.store_problems == []
    assert verdict.ticket_problems == []
    # Every conversation ended with its report handed off (and nothing before it was).
    assert all(c.paused_after == TURNS - 1 and c.turns[-1].text == REPORT for c in conversations)

    served = Counter(upstreams(line)[-1] for line in access_log_lines(healthy)[logged_before:])
    assert sum(served.values()) == CONVERSATIONS * TURNS
    assert set(served) == {f"{HOST}:{healthy.port(name)}" for name in healthy.replicas}, served


def test_each_conversation_stays_on_one_replica(healthy):
    """nginx hashes the X-Conversation-Id header: all of a conversation's messages reach the same
    replica, so two replicas never handle one conversation at once (rasa#9213)."""
    logged_before = len(access_log_lines(healthy))
    scripts = [script(number, 4)[:3] for number in range(12)]  # questions only
    conversations = asyncio.run(run_conversations(f"{healthy.url}/webhooks/rest/webhook", scripts, prefix="sticky"))
    ids = {turn.message_id: c.sender for c in conversations for turn in c.turns}
    replicas_per_conversation: dict[str, set] = {}
    for line in access_log_lines(healthy)[logged_before:]:
        message_id = line.rsplit("message=", 1)[1]
        replicas_per_conversation.setdefault(ids[message_id], set()).add(upstreams(line)[-1])
    assert len(replicas_per_conversation) == 12
    assert all(len(replicas) == 1 for replicas in replicas_per_conversation.values()), replicas_per_conversation
