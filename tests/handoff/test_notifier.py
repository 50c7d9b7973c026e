import logging
import time

import pytest

from bot.handoff import NotificationStatus, WebhookNotifier


@pytest.fixture
def ticket(new_ticket):
    return new_ticket(
        conversation_id="conv-42", severity="emergency", reason="emergency",
        trigger_message="I can't breathe <!channel> & my throat " + "is swelling " * 40,
    )


def test_success_posts_a_slack_text_and_the_ticket(webhook, ticket):
    outcome = WebhookNotifier(webhook.url).notify(ticket, "Clinique Test")
    assert outcome.status is NotificationStatus.sent and outcome.error is None
    [request] = webhook.requests
    assert request.headers["Content-Type"].startswith("application/json")
    body = request.json()
    text = body["text"]
    assert "\n" not in text
    assert text.startswith("[EMERGENCY] Clinique Test: patient handoff (emergency), ticket #1, conversation conv-42")
    assert "&lt;!channel&gt; &amp; my throat" in text and "<!channel>" not in text  # no Slack mentions from patients
    assert "is swelling" in text and text.endswith("…\u201d")
    assert body["ticket"] == {
        "id": ticket.id, "conversation_id": "conv-42", "channel": "rest", "reason": "emergency",
        "severity": "emergency", "findings": ticket.findings_as_dicts(), "created_at": ticket.created_at.isoformat(),
    }
    assert body["ticket"]["created_at"].endswith("+00:00")


def test_trigger_is_truncated_to_300_characters(webhook, new_ticket):
    long = new_ticket(trigger_message="x" * 1000)
    WebhookNotifier(webhook.url).notify(long, "Clinic")
    text = webhook.requests[0].json()["text"]
    assert "x" * 299 + "…" in text and "x" * 300 not in text


def test_server_errors_are_retried_with_backoff(webhook, ticket):
    webhook.statuses[:] = [500, 503]
    started = time.monotonic()
    outcome = WebhookNotifier(webhook.url, retries=3, backoff=0.05).notify(ticket, "Clinic")
    assert outcome.status is NotificationStatus.sent
    assert len(webhook.requests) == 3
    assert time.monotonic() - started >= 0.05 + 0.1  # waits double: 0.05 s, then 0.1 s


def test_persistent_server_errors_fail_after_all_retries(webhook, ticket):
    webhook.statuses[:] = [500] * 10
    outcome = WebhookNotifier(webhook.url, retries=2, backoff=0).notify(ticket, "Clinic")
    assert outcome.status is NotificationStatus.failed and "HTTP 500" in outcome.error and "3 attempts" in outcome.error
    assert len(webhook.requests) == 3


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_not_retried(webhook, ticket, status):
    webhook.statuses[:] = [status]
    outcome = WebhookNotifier(webhook.url, retries=3, backoff=0).notify(ticket, "Clinic")
    assert outcome.status is NotificationStatus.failed and f"HTTP {status}" in outcome.error
    assert len(webhook.requests) == 1


def test_unreachable_webhook_fails_without_leaking_the_url(unused_port, ticket):
    url = f"http://127.0.0.1:{unused_port}/services/SECRET"
    outcome = WebhookNotifier(url, timeout=2, retries=1, backoff=0).notify(ticket, "Clinic")
    assert outcome.status is NotificationStatus.failed and "could not reach the webhook" in outcome.error
    assert "SECRET" not in outcome.error


def test_no_url_is_not_configured_and_logged(ticket, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.handoff.notifier"):
        outcome = WebhookNotifier(None).notify(ticket, "Clinic")
    assert outcome.status is NotificationStatus.not_configured
    assert f"handoff notifications are not configured; ticket {ticket.id} recorded but staff were not notified" in (
        caplog.text
    )


def test_from_environment(monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", "https://hooks.example/x")
    assert WebhookNotifier.from_environment().url == "https://hooks.example/x"
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", "")
    assert not WebhookNotifier.from_environment().configured
    assert WebhookNotifier.from_environment({}).url is None


def test_non_http_urls_are_refused():
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("file:///etc/passwd")
