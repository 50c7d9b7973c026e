"""Staff accounts and their signed-in sessions for the staff inbox, in the handoff database.

Passwords are hashed with argon2id by argon2-cffi's `PasswordHasher` (its defaults are RFC 9106's
low-memory profile). A session is a random token given to the browser once, in a cookie; the
database keeps only its SHA-256, so a copy of the table cannot be used to act as anyone, and
deleting the row ends the session at once. Each session also carries the CSRF token its forms echo.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.handoff.models import StaffSession, StaffUser
from bot.handoff.store import HandoffDatabase

SESSION_LIFETIME = timedelta(hours=12)  # a working day; then the browser signs in again
MIN_PASSWORD_LENGTH = 12
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
HASHER = PasswordHasher()


class AccountError(ValueError):
    """An account that cannot be created as asked (bad name, weak password, name taken)."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    display_name: str


@dataclass(frozen=True)
class SignedIn:
    """A live session: who it is, and the CSRF token every form it posts must carry."""

    staff: StaffMember
    csrf_token: str
    expires_at: datetime


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_matches(encoded: str, password: str) -> bool:
    try:
        return HASHER.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def unknown_account_hash() -> str:
    """Checked when the name is unknown, so a wrong name takes as long as a wrong password and
    response times do not tell which names exist."""
    return hash_password(secrets.token_hex(16))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_name(name: str) -> str:
    return name.strip().lower()


def check_new_account(name: str, display_name: str, password: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError("the name must be 1-64 lowercase letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit")
    if not display_name.strip():
        raise AccountError("the display name is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def member(user: StaffUser) -> StaffMember:
    return StaffMember(user.id, user.name, user.display_name)


class StaffAccounts(HandoffDatabase):
    """Create accounts, check passwords, and start, find and end sessions."""

    def add_user(self, name: str, display_name: str, password: str) -> StaffMember:
        name = normalize_name(name)
        check_new_account(name, display_name, password)
        user = StaffUser(name=name, display_name=display_name.strip(), password_hash=hash_password(password),
                         created_at=self._now())
        try:
            with self._sessions.begin() as session:
                session.add(user)
                session.flush()
                return member(user)
        except IntegrityError as error:
            raise AccountError(f"a staff account named {name!r} already exists") from error

    def authenticate(self, name: str, password: str) -> StaffMember | None:
        """The account if the password is right, else None (the same for an unknown name)."""
        with self._sessions.begin() as session:
            user = session.execute(select(StaffUser).where(StaffUser.name == normalize_name(name))).scalar_one_or_none()
            if user is None:
                password_matches(unknown_account_hash(), password)
                return None
            if not password_matches(user.password_hash, password):
                return None
            if HASHER.check_needs_rehash(user.password_hash):  # argon2's recommended cost went up
                user.password_hash = hash_password(password)
            return member(user)

    def start_session(self, staff: StaffMember) -> tuple[str, SignedIn]:
        """A new session for `staff`: the token for the cookie (stored only as its digest), and
        the session. Expired sessions are swept out at the same time."""
        token, now = secrets.token_urlsafe(32), self._now()
        row = StaffSession(token_hash=token_digest(token), user_id=staff.id, csrf_token=secrets.token_urlsafe(32),
                           created_at=now, expires_at=now + SESSION_LIFETIME)
        with self._sessions.begin() as session:
            session.execute(delete(StaffSession).where(StaffSession.expires_at <= now)
                            .execution_options(synchronize_session=False))
            session.add(row)
        return token, SignedIn(staff, row.csrf_token, row.expires_at)

    def session(self, token: str) -> SignedIn | None:
        """The live session whose cookie token this is, or None (unknown, ended or expired)."""
        query = select(StaffSession).where(StaffSession.token_hash == token_digest(token),
                                           StaffSession.expires_at > self._now())
        with self._sessions() as session:
            row = session.execute(query).scalar_one_or_none()
            return SignedIn(member(row.user), row.csrf_token, row.expires_at) if row else None

    def end_session(self, token: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(StaffSession).where(StaffSession.token_hash == token_digest(token))
                            .execution_options(synchronize_session=False))
