import logging

import pytest

from bot.handoff import NotificationOutcome, NotificationStatus, Status, WebhookNotifier, open_handoff
from bot.handoff.service import retry_notifications

from .conftest import FINDINGS

HANDOFF = {
    "conversation_id": "conv-7", "channel": "rest", "reason": "side_effect", "severity": "urgent",
    "findings": FINDINGS, "trigger_message": "my cheek is hot and swollen", "clinic_name": "Clinic",
}


class Exploding:
    def notify(self, ticket, clinic_name):
        raise RuntimeError("boom")


def test_ticket_is_written_then_notified_then_recorded(store, webhook):
    ticket = open_handoff(store, WebhookNotifier(webhook.url), **HANDOFF)
    assert ticket.notification_status is NotificationStatus.sent and ticket.notification_attempts == 1
    assert webhook.requests[0].json()["ticket"]["id"] == ticket.id
    assert store.pending_notifications() == []


def test_notifier_exception_never_loses_the_ticket(store, caplog):
    with caplog.at_level(logging.ERROR):
        ticket = open_handoff(store, Exploding(), **HANDOFF)
    assert store.get(ticket.id).status is Status.open
    assert ticket.notification_status is NotificationStatus.failed and "RuntimeError: boom" in ticket.notification_error
    assert [t.id for t in store.pending_notifications()] == [ticket.id]
    assert any(r.levelno == logging.ERROR and "HANDOFF NOT NOTIFIED" in r.getMessage() for r in caplog.records)


def test_unreachable_webhook_keeps_the_ticket_and_logs_an_error(store, unused_port, caplog):
    notifier = WebhookNotifier(f"http://127.0.0.1:{unused_port}", timeout=2, retries=0)
    with caplog.at_level(logging.ERROR):
        ticket = open_handoff(store, notifier, **HANDOFF)
    assert store.get(ticket.id).notification_status is NotificationStatus.failed
    assert "HANDOFF NOT NOTIFIED" in caplog.text


def test_no_webhook_is_recorded_as_not_configured(store):
    ticket = open_handoff(store, WebhookNotifier(None), **HANDOFF)
    assert ticket.notification_status is NotificationStatus.not_configured
    assert store.list_open()[0].id == ticket.id


def test_failure_to_record_the_outcome_does_not_raise(store, webhook, monkeypatch, caplog):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(store, "record_notification", broken)
    ticket = open_handoff(store, WebhookNotifier(webhook.url), **HANDOFF)
    assert store.get(ticket.id) is not None and "could not record" in caplog.text


def test_a_failing_store_write_does_raise(store):
    with pytest.raises(ValueError):
        open_handoff(store, WebhookNotifier(None), **{**HANDOFF, "severity": "nope"})


def test_retry_notifications_sends_pending_and_failed(store, webhook):
    failed = open_handoff(store, Exploding(), **HANDOFF)
    crashed = store.create_ticket("conv-8", "rest", "human_request", "routine", [], "a human please")  # never notified
    assert retry_notifications(store, WebhookNotifier(webhook.url), "Clinic") == 2
    assert {r.json()["ticket"]["id"] for r in webhook.requests} == {failed.id, crashed.id}
    assert store.pending_notifications() == []
    assert store.get(failed.id).notification_attempts == 2


def test_retry_without_a_webhook_leaves_tickets_pending(store):
    ticket = open_handoff(store, Exploding(), **HANDOFF)
    assert retry_notifications(store, WebhookNotifier(None), "Clinic") == 0
    assert store.get(ticket.id).notification_status is NotificationStatus.failed


def test_a_notifier_returning_plain_strings_is_accepted(store):
    class Plain:
        def notify(self, ticket, clinic_name):
            return NotificationOutcome("sent")

    assert open_handoff(store, Plain(), **HANDOFF).notification_status is NotificationStatus.sent


def test_the_same_report_handed_off_again_keeps_its_one_ticket_and_notification(store, webhook):
    first = open_handoff(store, WebhookNotifier(webhook.url), **HANDOFF)
    again = open_handoff(store, WebhookNotifier(webhook.url), **HANDOFF)
    assert again.id == first.id and len(store.list_open()) == 1 and len(webhook.requests) == 1


def test_a_different_report_or_a_resolved_ticket_gets_a_new_ticket(store):
    first = open_handoff(store, WebhookNotifier(None), **HANDOFF)
    other = open_handoff(store, WebhookNotifier(None), **{**HANDOFF, "trigger_message": "now it is bleeding"})
    assert other.id != first.id
    for ticket in (first, other):
        store.claim(ticket.id, "Nurse Ana")
        store.resolve(ticket.id, "seen")
    assert open_handoff(store, WebhookNotifier(None), **HANDOFF).id not in (first.id, other.id)
