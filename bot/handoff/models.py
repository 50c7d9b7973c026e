"""Tables for staff handoff tickets and their staff notifications.

Reason and Severity live in bot/kinds.py, shared with the safety screen. Columns hold the values
as short strings rather than database enums, so a new reason or severity needs no schema migration.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from bot.kinds import TextEnum

# Explicit constraint names keep the models and the Alembic migrations in step on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Any: SQLAlchemy 1.4's declarative base is built at run time, so type checkers cannot see it.
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Status(TextEnum):
    open = "open"
    claimed = "claimed"
    resolved = "resolved"


class NotificationStatus(TextEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    not_configured = "not_configured"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """`DateTime(timezone=True)` that always hands back aware UTC datetimes.

    SQLite has no time zones and returns naive values; storing every value in UTC and tagging
    it on the way out gives the same behaviour as PostgreSQL's `timestamptz`. Naive datetimes
    are refused on the way in, because their zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: handoff times must be timezone-aware")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    reason = Column(String(32), nullable=False)
    severity = Column(String(16), nullable=False)
    findings = Column(Text, nullable=False, default="[]")  # JSON list of {term, category, modifiers}
    trigger_message = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, index=True, default=Status.open.value)
    claimed_by = Column(String(255), nullable=True)
    staff_notes = Column(Text, nullable=False, default="")
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    claimed_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    # Set when the ticket was replayed from the local spool (bot/handoff/spool.py): unique, so a
    # replay repeated after a crash cannot make a second ticket.
    spool_id = Column(String(64), nullable=True, unique=True, index=True)

    notification = relationship(
        "Notification", uselist=False, lazy="selectin", back_populates="ticket",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class Notification(Base):
    """One row per ticket: the latest outcome of telling staff about it."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, unique=True, index=True
    )
    status = Column(String(16), nullable=False, index=True, default=NotificationStatus.pending.value)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    sent_at = Column(UTCDateTime, nullable=True)

    ticket = relationship("Ticket", back_populates="notification")


class StaffUser(Base):
    """A clinic team member who may sign in to the staff inbox (runtime/inbox/)."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(64), nullable=False, unique=True, index=True)  # what they type to sign in
    display_name = Column(String(255), nullable=False)  # what tickets and patients see
    password_hash = Column(String(255), nullable=False)  # argon2id, in argon2's own encoded form
    created_at = Column(UTCDateTime, nullable=False)
    disabled_at = Column(UTCDateTime, nullable=True)  # set: the account cannot sign in (`staff disable`)
    last_sign_in_at = Column(UTCDateTime, nullable=True)


class StaffSession(Base):
    """A signed-in browser. Only the SHA-256 of its cookie token is stored, so reading this table
    does not let anyone act as the staff member; deleting the row ends the session."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    token_hash = Column(String(64), nullable=False, unique=True, index=True)
    user_id = Column(
        Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)

    user = relationship("StaffUser", lazy="joined")
