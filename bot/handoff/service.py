"""Open a handoff: record the ticket first, then tell staff, then record whether that worked.

The ticket is the safety record; the notification is best effort on top of it. So a webhook
that is down, misconfigured or raising never loses a ticket and never breaks the conversation:
the failure is logged at ERROR and the ticket stays in `pending_notifications()` for a retry.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Protocol, Sequence

from bot.handoff.models import NotificationStatus, Reason, Severity
from bot.handoff.notifier import NotificationOutcome
from bot.handoff.store import Finding, TicketStore, TicketView

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, ticket: TicketView, clinic_name: str) -> NotificationOutcome: ...


def open_handoff(
    store: TicketStore,
    notifier: Notifier,
    *,
    conversation_id: str,
    channel: str,
    reason: Reason | str,
    severity: Severity | str,
    findings: Sequence[Mapping[str, Any] | Finding],
    trigger_message: str,
    clinic_name: str,
) -> TicketView:
    """Create the ticket (errors here do propagate: there is no ticket to protect), then notify.

    The same report handed off again while its ticket is unresolved gets that ticket back, with no
    second notification: a Rasa replica that died after this ran but before it stored the turn
    makes another replica handle the same message again (see rasa_ext/once.py)."""
    existing = store.open_ticket_for(conversation_id)
    if existing is not None and (existing.trigger_message, existing.reason) == (trigger_message, Reason(reason)):
        log.info("handoff for conversation %s repeated: ticket %s already open", conversation_id, existing.id)
        return existing
    ticket = store.create_ticket(conversation_id, channel, reason, severity, findings, trigger_message)
    outcome = _notify_safely(notifier, ticket, clinic_name)
    _record_safely(store, ticket, outcome)
    try:
        return store.get(ticket.id) or ticket
    except Exception:
        log.exception("could not re-read handoff ticket %s after notifying", ticket.id)
        return ticket


def retry_notifications(store: TicketStore, notifier: Notifier, clinic_name: str) -> int:
    """Notify staff again about every ticket still pending or failed; returns how many were sent.

    Stops at the first `not_configured` outcome without recording it, so those tickets keep their
    status and are sent once a webhook is configured.
    """
    sent = 0
    for ticket in store.pending_notifications():
        outcome = _notify_safely(notifier, ticket, clinic_name)
        if outcome.status is NotificationStatus.not_configured:
            break
        _record_safely(store, ticket, outcome)
        if outcome.status is NotificationStatus.sent:
            sent += 1
    return sent


def _notify_safely(notifier: Notifier, ticket: TicketView, clinic_name: str) -> NotificationOutcome:
    try:
        outcome = notifier.notify(ticket, clinic_name)
        outcome = NotificationOutcome(NotificationStatus(outcome.status), outcome.error)
    except Exception as error:
        log.exception("HANDOFF NOT NOTIFIED: the notifier raised for ticket %s", ticket.id)
        return NotificationOutcome(NotificationStatus.failed, f"notifier raised {type(error).__name__}: {error}")
    if outcome.status is NotificationStatus.failed:
        log.error(
            "HANDOFF NOT NOTIFIED: staff were not told about ticket %s (%s, %s): %s; "
            "it stays in pending notifications for `staff retry-notifications`",
            ticket.id, ticket.severity.value, ticket.reason.value, outcome.error,
        )
    return outcome


def _record_safely(store: TicketStore, ticket: TicketView, outcome: NotificationOutcome) -> None:
    try:
        store.record_notification(ticket.id, outcome.status, outcome.error)
    except Exception:
        log.exception(
            "could not record the notification outcome (%s) of handoff ticket %s", outcome.status.value, ticket.id
        )
