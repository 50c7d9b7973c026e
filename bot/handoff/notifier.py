"""Tell clinic staff about a new handoff ticket through a webhook (Slack-compatible JSON)."""

from __future__ import annotations

import http.client
import json
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from bot.handoff.models import NotificationStatus
from bot.handoff.store import TicketView

log = logging.getLogger(__name__)

WEBHOOK_URL_ENV = "HANDOFF_WEBHOOK_URL"
TRIGGER_LIMIT = 300


@dataclass(frozen=True)
class NotificationOutcome:
    status: NotificationStatus
    error: str | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib turns a redirected POST into a body-less GET that would look "sent"; refuse instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class _Retryable(Exception):
    """A failure worth another attempt: the connection failed or the server answered 5xx."""


class _Final(Exception):
    """A failure another attempt would repeat: a 4xx (or 3xx) answer, or a malformed URL."""


def slack_escape(text: str) -> str:
    """Slack reads <...> as links and mentions (<!channel>); patients' text must stay plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summary_line(ticket: TicketView, clinic_name: str) -> str:
    trigger = slack_escape(one_line(ticket.trigger_message, TRIGGER_LIMIT))
    return (
        f"[{ticket.severity.value.upper()}] {slack_escape(clinic_name)}: patient handoff ({ticket.reason.value}), "
        f"ticket #{ticket.id}, conversation {slack_escape(ticket.conversation_id)}: \u201c{trigger}\u201d"
    )


def payload(ticket: TicketView, clinic_name: str) -> dict[str, Any]:
    return {
        "text": summary_line(ticket, clinic_name),
        "ticket": {
            "id": ticket.id,
            "conversation_id": ticket.conversation_id,
            "channel": ticket.channel,
            "reason": ticket.reason.value,
            "severity": ticket.severity.value,
            "findings": ticket.findings_as_dicts(),
            "created_at": ticket.created_at.isoformat(),
        },
    }


class WebhookNotifier:
    """POSTs each new ticket to one webhook URL, retrying connection errors and 5xx answers.

    `retries` counts the attempts after the first one; the waits double from `backoff` seconds.
    Error messages never include the URL, because a Slack webhook URL is itself a secret.
    """

    def __init__(self, url: str | None, timeout: float = 5.0, retries: int = 3, backoff: float = 0.5) -> None:
        url = (url or "").strip() or None
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"the handoff webhook must be an http(s) URL (check ${WEBHOOK_URL_ENV})")
        self.url = url
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WebhookNotifier:
        environ = os.environ if environ is None else environ
        return cls(environ.get(WEBHOOK_URL_ENV))

    @property
    def configured(self) -> bool:
        return self.url is not None

    def notify(self, ticket: TicketView, clinic_name: str) -> NotificationOutcome:
        if self.url is None:
            log.warning(
                "handoff notifications are not configured; ticket %s recorded but staff were not notified "
                "(set %s)", ticket.id, WEBHOOK_URL_ENV,
            )
            return NotificationOutcome(NotificationStatus.not_configured, "no webhook URL configured")
        body = json.dumps(payload(ticket, clinic_name), ensure_ascii=False).encode("utf-8")
        error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                self._post(self.url, body)
                return NotificationOutcome(NotificationStatus.sent)
            except _Retryable as retryable:
                error = str(retryable)
                log.warning("handoff webhook attempt %d for ticket %s failed: %s", attempt + 1, ticket.id, error)
            except _Final as final:
                return NotificationOutcome(NotificationStatus.failed, str(final))
        return NotificationOutcome(NotificationStatus.failed, f"{error} (after {self.retries + 1} attempts)")

    def _post(self, url: str, body: bytes) -> None:
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as http_error:
            message = f"webhook answered HTTP {http_error.code} {http_error.reason}"
            if http_error.code >= 500:
                raise _Retryable(message) from None
            raise _Final(message) from None
        except ValueError as malformed:  # e.g. http.client.InvalidURL
            raise _Final(f"invalid webhook URL ({type(malformed).__name__}; check ${WEBHOOK_URL_ENV})") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as connection_error:
            reason = getattr(connection_error, "reason", connection_error)
            raise _Retryable(f"could not reach the webhook: {reason}") from None
