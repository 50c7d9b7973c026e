"""The handoff worker: staff are told outside the patient's turn, and nothing waits on a webhook."""

import socket
import time

import pytest

from bot.handoff import NotificationStatus, WebhookNotifier
from bot.handoff.service import open_handoff_or_spool
from bot.handoff.spool import HandoffRequest, HandoffSpool
from bot.handoff.worker import HandoffWorker

CLINIC = "Test Clinic"


def request(conversation_id="conv-1", trigger="my cheek is swollen and hot since Tuesday") -> HandoffRequest:
    return HandoffRequest(conversation_id=conversation_id, channel="rest", reason="side_effect", severity="urgent",
                          findings=[{"term": "swollen", "category": "side_effect", "modifiers": []}],
                          trigger_message=trigger, clinic_name=CLINIC)


@pytest.fixture
def spool(tmp_path) -> HandoffSpool:
    return HandoffSpool(tmp_path / "spool")


@pytest.fixture
def dead_webhook():
    """Accepts connections and never answers: the webhook of a staff system that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    listener.close()


def worker(spool, store, notifier, interval=60.0) -> HandoffWorker:
    return HandoffWorker(spool, lambda: store, notifier, lambda: CLINIC, interval)


def test_the_turn_records_the_ticket_without_waiting_for_a_dead_webhook(spool, store, dead_webhook):
    notifier = WebhookNotifier(dead_webhook, timeout=3.0, retries=1, backoff=0.1)
    started = time.monotonic()
    ticket = open_handoff_or_spool(lambda: store, notifier, spool, request())
    turn_seconds = time.monotonic() - started
    assert ticket is not None and store.get(ticket.id).notification_status is NotificationStatus.pending
    assert turn_seconds < notifier.timeout  # one webhook attempt alone would take the whole timeout


def test_the_worker_tells_staff_and_records_it(spool, store, webhook):
    notifier = WebhookNotifier(webhook.url, retries=0)
    ticket = open_handoff_or_spool(lambda: store, notifier, spool, request())
    assert webhook.requests == []  # nothing sent in the turn
    assert worker(spool, store, notifier).run_once() == (0, 1)
    assert store.get(ticket.id).notification_status is NotificationStatus.sent
    assert [r.json()["ticket"]["id"] for r in webhook.requests] == [ticket.id]


def test_woken_it_sends_at_once_without_waiting_for_its_interval(spool, store, webhook):
    notifier = WebhookNotifier(webhook.url, retries=0)
    running = worker(spool, store, notifier, interval=600).start()
    try:
        time.sleep(0.2)  # its first round, at start-up, found nothing
        ticket = open_handoff_or_spool(lambda: store, notifier, spool, request())
        running.wake()
        deadline = time.monotonic() + 10
        while store.get(ticket.id).notification_status is not NotificationStatus.sent and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        running.stop()
    assert store.get(ticket.id).notification_status is NotificationStatus.sent


def test_a_failed_notification_is_retried_on_the_next_round(spool, store, webhook):
    notifier = WebhookNotifier(webhook.url, retries=0)
    webhook.statuses = [503]
    ticket = open_handoff_or_spool(lambda: store, notifier, spool, request())
    handoff_worker = worker(spool, store, notifier)
    assert handoff_worker.run_once() == (0, 0)
    assert store.get(ticket.id).notification_status is NotificationStatus.failed
    assert handoff_worker.run_once() == (0, 1)
    assert store.get(ticket.id).notification_status is NotificationStatus.sent


def test_with_no_webhook_configured_that_is_recorded_in_the_turn(spool, store):
    ticket = open_handoff_or_spool(lambda: store, WebhookNotifier(None), spool, request())
    assert store.get(ticket.id).notification_status is NotificationStatus.not_configured


def test_the_same_report_twice_is_one_ticket_and_one_notification(spool, store, webhook):
    notifier = WebhookNotifier(webhook.url, retries=0)
    first = open_handoff_or_spool(lambda: store, notifier, spool, request())
    again = open_handoff_or_spool(lambda: store, notifier, spool, request())
    worker(spool, store, notifier).run_once()
    assert first.id == again.id and len(webhook.requests) == 1


def test_a_database_error_in_a_round_is_logged_and_the_worker_goes_on(spool, caplog):
    def database_down():
        raise ConnectionError("could not connect")

    spool.add(request())
    broken = HandoffWorker(spool, database_down, WebhookNotifier(None), lambda: CLINIC, 60)
    assert broken.run_once() == (0, 0)
    assert len(spool) == 1 and "HANDOFF WORKER" in caplog.text
