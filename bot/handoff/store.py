"""Handoff tickets in a SQL database (SQLite by default, PostgreSQL in production).

Every method opens and closes its own session and returns `TicketView` snapshots, so callers
(the action server, the staff CLI) never hold ORM objects or open transactions. Status changes
are single conditional UPDATEs, so two staff claiming the same ticket cannot both win.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import case, create_engine, delete, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.handoff.migrate import require_current_schema
from bot.handoff.models import Notification, NotificationStatus, Status, Ticket, utc_now
from bot.kinds import SEVERITY_ORDER, Finding, Reason, Severity
from bot.settings import handoff_database_url

REPO = Path(__file__).resolve().parents[2]
NOT_RESOLVED = (Status.open.value, Status.claimed.value)
NEEDS_NOTIFYING = (NotificationStatus.pending.value, NotificationStatus.failed.value)


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """`$HANDOFF_DATABASE_URL`, else `$DATABASE_URL`, else SQLite at `<repo>/var/handoff.db`."""
    return handoff_database_url(environ)


class HandoffError(Exception):
    """Base class for refusals from the ticket store."""


class TicketNotFound(HandoffError, LookupError):
    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} does not exist")
        self.ticket_id = ticket_id


class InvalidTransition(HandoffError, ValueError):
    """A status change the ticket's current status does not allow (e.g. claiming a resolved ticket)."""


@dataclass(frozen=True)
class TicketView:
    """A snapshot of a ticket and its notification, detached from any database session."""

    id: int
    conversation_id: str
    channel: str
    reason: Reason
    severity: Severity
    findings: tuple[Finding, ...]
    trigger_message: str
    status: Status
    claimed_by: str | None
    staff_notes: str
    created_at: datetime
    updated_at: datetime
    claimed_at: datetime | None
    resolved_at: datetime | None
    notification_status: NotificationStatus | None
    notification_attempts: int = 0
    notification_error: str | None = None

    def findings_as_dicts(self) -> list[dict[str, Any]]:
        return [finding.as_dict() for finding in self.findings]


def normalize_findings(findings: Iterable[Mapping[str, Any] | Finding]) -> list[dict[str, Any]]:
    """Check each finding has a text `term` and `category` and a list of text `modifiers`."""
    normalized = []
    for index, finding in enumerate(findings):
        item = finding.as_dict() if isinstance(finding, Finding) else finding
        if not isinstance(item, Mapping):
            raise ValueError(f"finding {index} is not an object: {item!r}")
        term, category = item.get("term"), item.get("category")
        modifiers = item.get("modifiers") or []
        if not isinstance(term, str) or not term or not isinstance(category, str) or not category:
            raise ValueError(f"finding {index} needs a non-empty text 'term' and 'category': {item!r}")
        if isinstance(modifiers, str) or not all(isinstance(m, str) for m in modifiers):
            raise ValueError(f"finding {index}: 'modifiers' must be a list of text: {item!r}")
        concept = item.get("concept") or ""
        if not isinstance(concept, str):
            raise ValueError(f"finding {index}: 'concept' must be text: {item!r}")
        normalized.append(Finding(term, category, tuple(modifiers), concept).as_dict())
    return normalized


def to_view(ticket: Ticket) -> TicketView:
    notification = ticket.notification
    return TicketView(
        id=ticket.id,
        conversation_id=ticket.conversation_id,
        channel=ticket.channel,
        reason=Reason(ticket.reason),
        severity=Severity(ticket.severity),
        findings=tuple(Finding.from_dict(f) for f in json.loads(ticket.findings)),
        trigger_message=ticket.trigger_message,
        status=Status(ticket.status),
        claimed_by=ticket.claimed_by,
        staff_notes=ticket.staff_notes,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        claimed_at=ticket.claimed_at,
        resolved_at=ticket.resolved_at,
        notification_status=NotificationStatus(notification.status) if notification else None,
        notification_attempts=notification.attempts if notification else 0,
        notification_error=notification.last_error if notification else None,
    )


def severity_rank() -> ColumnElement:
    """Emergency first, then urgent, then routine, as an ORDER BY expression."""
    return case(
        {severity.value: rank for rank, severity in enumerate(SEVERITY_ORDER)},
        value=Ticket.severity,
        else_=len(SEVERITY_ORDER),
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys (SQLite's default is off); WAL lets staff read while the bot writes.
    synchronous=FULL because a ticket is a safety record: it must survive a power cut."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """hide_parameters: a database error must not copy a patient's message into the logs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, hide_parameters=True, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc))")


class HandoffDatabase:
    """One connection pool on the handoff database, a clock, and sessions that never outlive a call."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] = utc_now) -> None:
        require_current_schema(url)  # migrating is start-up's job (bot/handoff/migrate.py), not this one's
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._clock = clock

    def close(self) -> None:
        self.engine.dispose()

    def _now(self) -> datetime:
        now = self._clock()
        _require_aware(now, "the store's clock")
        return now.astimezone(timezone.utc)


class TicketStore(HandoffDatabase):
    """Create, list and move handoff tickets through open → claimed → resolved."""

    # --- creating and reading -------------------------------------------------------------

    def create_ticket(
        self,
        conversation_id: str,
        channel: str,
        reason: Reason | str,
        severity: Severity | str,
        findings: Sequence[Mapping[str, Any] | Finding],
        trigger_message: str,
        *,
        created_at: datetime | None = None,
        spool_id: str | None = None,
    ) -> TicketView:
        """Record a new open ticket with a pending notification, in one transaction, so a crash
        before staff are told still leaves the ticket in `pending_notifications()`. A ticket
        replayed from the spool keeps the time the patient asked (`created_at`) and its `spool_id`."""
        if not conversation_id:
            raise ValueError("a ticket needs a conversation_id")
        now = self._now()
        if created_at is not None:
            _require_aware(created_at, "created_at")
            created_at = created_at.astimezone(timezone.utc)
        ticket = Ticket(
            conversation_id=conversation_id,
            channel=channel,
            reason=Reason(reason).value,
            severity=Severity(severity).value,
            findings=json.dumps(normalize_findings(findings), ensure_ascii=False),
            trigger_message=trigger_message,
            status=Status.open.value,
            staff_notes="",
            created_at=created_at or now,
            updated_at=now,
            spool_id=spool_id,
        )
        ticket.notification = Notification(status=NotificationStatus.pending.value, attempts=0, created_at=now)
        with self._sessions.begin() as session:
            session.add(ticket)
            session.flush()
            return to_view(ticket)

    def create_ticket_once(
        self, spool_id: str, created_at: datetime, conversation_id: str, channel: str, reason: Reason | str,
        severity: Severity | str, findings: Sequence[Mapping[str, Any] | Finding], trigger_message: str,
    ) -> tuple[TicketView, bool]:
        """The ticket for a spooled handoff, created only if no ticket has its `spool_id` yet;
        returns it and whether this call created it. The unique index settles races."""
        existing = self.ticket_for_spool_id(spool_id)
        if existing is not None:
            return existing, False
        try:
            ticket = self.create_ticket(conversation_id, channel, reason, severity, findings, trigger_message,
                                        created_at=created_at, spool_id=spool_id)
            return ticket, True
        except IntegrityError:
            existing = self.ticket_for_spool_id(spool_id)
            if existing is None:
                raise
            return existing, False

    def ticket_for_spool_id(self, spool_id: str) -> TicketView | None:
        views = self._views(select(Ticket).where(Ticket.spool_id == spool_id))
        return views[0] if views else None

    def get(self, ticket_id: int) -> TicketView | None:
        with self._sessions() as session:
            ticket = session.get(Ticket, ticket_id)
            return to_view(ticket) if ticket else None

    def list_open(self) -> list[TicketView]:
        """Open and claimed tickets, most severe first, then oldest first."""
        query = (
            select(Ticket)
            .where(Ticket.status.in_(NOT_RESOLVED))
            .order_by(severity_rank(), Ticket.created_at, Ticket.id)
        )
        return self._views(query)

    def open_ticket_for(self, conversation_id: str) -> TicketView | None:
        """The conversation's newest ticket that is not resolved yet."""
        query = (
            select(Ticket)
            .where(Ticket.conversation_id == conversation_id, Ticket.status.in_(NOT_RESOLVED))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(1)
        )
        views = self._views(query)
        return views[0] if views else None

    def pending_notifications(self) -> list[TicketView]:
        """Unresolved tickets whose staff notification is still pending or last failed."""
        query = (
            select(Ticket)
            .join(Ticket.notification)
            .where(Notification.status.in_(NEEDS_NOTIFYING), Ticket.status.in_(NOT_RESOLVED))
            .order_by(severity_rank(), Ticket.created_at, Ticket.id)
        )
        return self._views(query)

    def _views(self, query: Any) -> list[TicketView]:
        with self._sessions() as session:
            return [to_view(ticket) for ticket in session.execute(query).scalars()]

    # --- status changes -----------------------------------------------------------------------

    def claim(self, ticket_id: int, staff: str) -> TicketView:
        """open → claimed by `staff`. Refuses a ticket someone else claimed or one already resolved."""
        if not staff.strip():
            raise ValueError("claiming a ticket needs the staff member's name")
        now = self._now()
        values = {"status": Status.claimed.value, "claimed_by": staff.strip(), "claimed_at": now, "updated_at": now}
        return self._transition(ticket_id, "claimed", (Status.open.value,), values)

    def resolve(self, ticket_id: int, note: str) -> TicketView:
        """open or claimed → resolved, appending `note` to the staff notes."""
        now = self._now()
        values: dict[str, Any] = {"status": Status.resolved.value, "resolved_at": now, "updated_at": now}
        if note.strip():
            values["staff_notes"] = _appended_note(note, now)
        return self._transition(ticket_id, "resolved", NOT_RESOLVED, values)

    def add_note(self, ticket_id: int, note: str) -> TicketView:
        """Append a timestamped line to the staff notes, whatever the ticket's status."""
        if not note.strip():
            raise ValueError("the note is empty")
        now = self._now()
        with self._sessions.begin() as session:
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id)
                .values(staff_notes=_appended_note(note, now), updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return to_view(self._load(session, ticket_id))

    def _transition(
        self, ticket_id: int, target: str, allowed_from: tuple[str, ...], values: dict[str, Any]
    ) -> TicketView:
        with self._sessions.begin() as session:
            result = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status.in_(allowed_from))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            ticket = self._load(session, ticket_id)
            if result.rowcount != 1:
                raise InvalidTransition(_refusal(ticket, target, allowed_from))
            return to_view(ticket)

    @staticmethod
    def _load(session: Session, ticket_id: int) -> Ticket:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        return ticket

    # --- notifications ----------------------------------------------------------------------------

    def record_notification(self, ticket_id: int, status: NotificationStatus | str, error: str | None) -> None:
        """Store the outcome of one attempt to tell staff about a ticket (attempts += 1)."""
        status = NotificationStatus(status)
        now = self._now()
        with self._sessions.begin() as session:
            ticket = self._load(session, ticket_id)
            notification = ticket.notification
            if notification is None:
                notification = Notification(attempts=0, created_at=now)
                ticket.notification = notification
            notification.status = status.value
            notification.attempts = (notification.attempts or 0) + 1
            notification.last_error = None if status is NotificationStatus.sent else error
            if status is NotificationStatus.sent:
                notification.sent_at = now

    # --- retention and erasure --------------------------------------------------------------------

    def delete_conversation(self, conversation_id: str) -> int:
        """Erase every ticket (and notification) of a conversation; returns the number of tickets."""
        with self._sessions.begin() as session:
            ticket_ids = select(Ticket.id).where(Ticket.conversation_id == conversation_id)
            return self._delete(session, ticket_ids)

    def purge_resolved_before(self, cutoff: datetime) -> int:
        """Delete tickets resolved before `cutoff` (timezone-aware); returns how many."""
        _require_aware(cutoff, "cutoff")
        with self._sessions.begin() as session:
            ticket_ids = select(Ticket.id).where(Ticket.status == Status.resolved.value, Ticket.resolved_at < cutoff)
            return self._delete(session, ticket_ids)

    @staticmethod
    def _delete(session: Session, ticket_ids: Any) -> int:
        # Notifications are deleted explicitly too, so erasure does not depend on the database
        # enforcing ON DELETE CASCADE (SQLite only does with PRAGMA foreign_keys=ON).
        ids = list(session.execute(ticket_ids).scalars())
        if not ids:
            return 0
        options = {"synchronize_session": False}
        session.execute(delete(Notification).where(Notification.ticket_id.in_(ids)).execution_options(**options))
        return session.execute(delete(Ticket).where(Ticket.id.in_(ids)).execution_options(**options)).rowcount


def _appended_note(note: str, now: datetime) -> ColumnElement:
    """SQL that appends a timestamped line to `staff_notes` in place, so concurrent notes are not lost."""
    line = f"[{now:%Y-%m-%d %H:%M} UTC] {note.strip()}"
    return case((Ticket.staff_notes == "", line), else_=Ticket.staff_notes + "\n" + line)


def _refusal(ticket: Ticket, target: str, allowed_from: tuple[str, ...]) -> str:
    current = ticket.status
    if current == Status.claimed.value and ticket.claimed_by:
        current = f"already claimed by {ticket.claimed_by}"
    elif current == Status.resolved.value:
        current = "already resolved"
    return f"ticket {ticket.id} cannot be {target}: it is {current} (only {' or '.join(allowed_from)} tickets can be)"
