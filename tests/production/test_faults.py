"""Faults in the production layout: a message delivered twice, a replica killed mid-run, and all
replicas restarted. What is guaranteed (docs/production.md): no request fails while one replica
is left, every message is stored exactly once, every reply a patient got is stored, and every
report has exactly one ticket."""

import asyncio
import time
import uuid

import pytest

from bot.replies import render
from tools.loadtest import REPORT, run_conversations, script, stored_events, tickets_by_conversation, verify

from .helpers import access_log_lines, post, upstreams

pytestmark = pytest.mark.servers


def user_messages(cluster, sender: str) -> list[str]:
    return [e["text"] for e in stored_events(cluster.database_url, [sender]).get(sender, []) if e["event"] == "user"]


def handoff(replies: list) -> dict | None:
    return next((r["custom"]["handoff"] for r in replies if "handoff" in (r.get("custom") or {})), None)


def test_a_message_delivered_twice_is_handled_once_on_any_replica(healthy):
    """What a retry looks like: the same message id again, here sent straight to each replica."""
    sender = f"twice-{uuid.uuid4().hex}"
    question_id, report_id = uuid.uuid4().hex, uuid.uuid4().hex
    first = post(healthy.url, sender, "what is mesotherapy?", question_id)
    first_report = post(healthy.url, sender, REPORT, report_id)
    assert first[0] == first_report[0] == 200 and first[1] and handoff(first_report[1])
    for name in healthy.replicas:
        replica = f"http://127.0.0.1:{healthy.port(name)}"
        assert post(replica, sender, "what is mesotherapy?", question_id) == first
        assert post(replica, sender, REPORT, report_id) == first_report
    assert user_messages(healthy, sender) == ["what is mesotherapy?", REPORT]
    assert tickets_by_conversation(healthy.database_url)[sender] == [handoff(first_report[1])["ticket"]]


async def kill_when_busy(cluster, name: str, scripts: list, after_requests: int) -> tuple[list, int]:
    """Run the conversations; once nginx has logged `after_requests` of them, SIGKILL `name`."""
    logged_before = len(access_log_lines(cluster))
    url = f"{cluster.url}/webhooks/rest/webhook"
    # A naive client: no message id of its own, so nginx's $request_id is what makes retries safe.
    running = asyncio.ensure_future(run_conversations(url, scripts, prefix="kill", send_message_id=False))
    deadline = time.monotonic() + 120
    while len(access_log_lines(cluster)) - logged_before < after_requests and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    cluster.kill(name)
    killed_at = len(access_log_lines(cluster))
    return await running, killed_at


def test_a_replica_killed_mid_run_loses_nothing(healthy):
    victim = healthy.replicas[0]
    victim_address = f"127.0.0.1:{healthy.port(victim)}"
    scripts = [script(number, 10) for number in range(30)]
    conversations, killed_at = asyncio.run(kill_when_busy(healthy, victim, scripts, after_requests=60))

    verdict = verify(conversations, healthy.database_url, healthy.database_url)
    assert verdict.failed_requests == []  # nginx passed the killed replica's requests on
    assert verdict.store_problems == []  # each message stored once; every reply given is stored
    assert verdict.ticket_problems == []  # one ticket per report, the one the patient was told
    assert all(c.paused_after == 9 for c in conversations)

    after_kill = access_log_lines(healthy)[killed_at:]
    retried = [line for line in after_kill if len(upstreams(line)) > 1]
    assert retried, "the kill should have caught requests in flight or on their way to the victim"
    assert all(upstreams(line)[-1] != victim_address for line in after_kill if " 200 " in line)


def test_after_a_restart_conversations_carry_on_and_paused_ones_stay_paused(cluster, profile):
    """Every replica is stopped and started again (a killed one included: one is enough before)."""
    pending, paused = f"pending-{uuid.uuid4().hex}", f"paused-{uuid.uuid4().hex}"
    status, question = post(cluster.url, pending, "bruising after meso??")
    assert status == 200 and [r.get("text") for r in question] == [render("clarify", profile)]
    status, report = post(cluster.url, paused, REPORT)
    assert status == 200 and handoff(report)
    ticket = handoff(report)["ticket"]

    cluster.stop(cluster.replicas)
    cluster.start(cluster.replicas)

    status, answer = post(cluster.url, pending, "yes")  # the clarifying question's state survived
    assert status == 200 and handoff(answer)["reason"] == "side_effect"
    status, silence = post(cluster.url, paused, "hello? is anyone there?")
    assert status == 200 and silence == []  # still paused: stored, not answered
    assert user_messages(cluster, paused) == [REPORT, "hello? is anyone there?"]
    tickets = tickets_by_conversation(cluster.database_url)
    assert tickets[paused] == [ticket] and len(tickets[pending]) == 1
