"""Open a handoff: record the ticket first, then tell staff, then record whether that worked.

The ticket is the safety record; the notification is best effort on top of it. So a webhook
that is down, misconfigured or raising never loses a ticket and never breaks the conversation:
the failure is logged at ERROR and the ticket stays in `pending_notifications()` for a retry.
When the ticket database itself fails, the handoff goes to the local spool (bot/handoff/spool.py)
and is replayed into the database once it answers again.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

from bot.handoff.models import NotificationStatus
from bot.handoff.notifier import NotificationOutcome
from bot.handoff.spool import HandoffRequest, HandoffSpool
from bot.handoff.store import TicketStore, TicketView
from bot.kinds import Reason

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, ticket: TicketView, clinic_name: str) -> NotificationOutcome: ...

    @property
    def configured(self) -> bool: ...


def open_ticket_for_report(
    store: TicketStore, conversation_id: str, trigger_message: str, reason: Reason | str
) -> TicketView | None:
    """The conversation's open ticket if it was opened for this same report, else None: a report
    handled twice (a replica died mid-turn, or it was spooled twice) must stay one ticket."""
    existing = store.open_ticket_for(conversation_id)
    if existing is not None and (existing.trigger_message, existing.reason) == (trigger_message, Reason(reason)):
        return existing
    return None


def open_handoff(store: TicketStore, notifier: Notifier, *, clinic_name: str, **ticket_fields: Any) -> TicketView:
    """Create the ticket (`ticket_fields` are HandoffRequest's; errors here do propagate: there
    is no ticket to protect), then notify staff in this call.

    The same report handed off again while its ticket is unresolved gets that ticket back, with no
    second notification: a Rasa replica that died after this ran but before it stored the turn
    makes another replica handle the same message again (see rasa_ext/once.py)."""
    ticket, created = record_handoff(store, HandoffRequest(clinic_name=clinic_name, **ticket_fields))
    if not created:
        return ticket
    outcome = _notify_safely(notifier, ticket, clinic_name)
    _record_safely(store, ticket, outcome)
    try:
        return store.get(ticket.id) or ticket
    except Exception:
        log.exception("could not re-read handoff ticket %s after notifying", ticket.id)
        return ticket


def record_handoff(store: TicketStore, request: HandoffRequest, *, from_spool: bool = False) -> tuple[TicketView, bool]:
    """The ticket, with its notification pending, and whether it is new. The same report handed
    off again while its ticket is unresolved gets that ticket back; a spooled entry is written at
    most once, whatever crashed between writing its ticket and removing it from the spool."""
    existing = open_ticket_for_report(store, request.conversation_id, request.trigger_message, request.reason)
    if existing is not None:
        log.info("handoff for conversation %s repeated: ticket %s already open", request.conversation_id, existing.id)
        return existing, False
    if from_spool:
        return store.create_ticket_once(request.spool_id, request.requested_at, **request.ticket_fields())
    return store.create_ticket(**request.ticket_fields()), True


def open_handoff_or_spool(
    store: Callable[[], TicketStore], notifier: Notifier, spool: HandoffSpool, request: HandoffRequest
) -> TicketView | None:
    """Record the ticket in the patient's turn; if the database fails, spool the handoff and return
    None. `store` is a factory because connecting (and migrating) can be what fails. Staff are
    told by the handoff worker (bot/handoff/worker.py), which the caller wakes, so a slow or dead
    webhook never holds the turn; with no webhook configured that is recorded at once. The worker
    also replays what is spooled. An error here means the spool failed too: the caller must log
    it as critical."""
    try:
        ticket_store = store()
        ticket, created = record_handoff(ticket_store, request)
    except Exception as error:
        path = spool.add(request)
        log.error(
            "HANDOFF TICKET NOT RECORDED: the ticket database failed (%s) for conversation %s (%s, %s); "
            "spooled as %s, it is written to the database when it answers again "
            "(or run `python -m bot staff replay-spool`)",
            describe_error(error), request.conversation_id, request.reason, request.severity, path,
        )
        return None
    if created and not notifier.configured:
        _record_safely(ticket_store, ticket, _notify_safely(notifier, ticket, request.clinic_name))
    return ticket


def replay_spool(store: TicketStore, notifier: Notifier, spool: HandoffSpool) -> list[TicketView]:
    """Write every spooled handoff to the database (and notify staff), oldest first, removing each
    entry only once its ticket is committed. Stops at the first database error, keeping the rest."""
    replayed = []
    for path, request in spool.entries():
        try:
            ticket = _open_spooled_handoff(store, notifier, request)
        except Exception as error:
            log.error("HANDOFF SPOOL NOT REPLAYED: %s; %d entr(ies) stay in %s",
                      describe_error(error), len(spool), spool.directory)
            break
        spool.remove(path)
        log.warning("handoff for conversation %s replayed from the spool as ticket %s", request.conversation_id, ticket.id)
        replayed.append(ticket)
    return replayed


def _open_spooled_handoff(store: TicketStore, notifier: Notifier, request: HandoffRequest) -> TicketView:
    """Like `open_handoff`, once per spool entry: a replay that crashed after the ticket was
    written finds it, and only tells staff if that had not been done yet. The same report spooled
    twice (a replica died and another handled the message again) joins the ticket already open."""
    ticket, created = record_handoff(store, request, from_spool=True)
    if created or ticket.notification_status is NotificationStatus.pending:
        outcome = _notify_safely(notifier, ticket, request.clinic_name)
        _record_safely(store, ticket, outcome)
    return store.get(ticket.id) or ticket


def describe_error(error: BaseException) -> str:
    """The error's type and first line: enough to act on, without SQL or data from the message."""
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


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
