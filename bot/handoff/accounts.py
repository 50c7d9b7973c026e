"""Staff accounts and their signed-in sessions for the staff inbox, in the handoff database.

Passwords are hashed with argon2id by argon2-cffi's `PasswordHasher` (its defaults are RFC 9106's
low-memory profile). A session is a random token given to the browser once, in a cookie; the
database keeps only its SHA-256, so a copy of the table cannot be used to act as anyone, and
deleting the row ends the session at once. Each session also carries the CSRF token its forms echo.

A disabled account cannot sign in, and its sessions end when it is disabled; a session is also only
found while its account is active, so one started in a race with `disable` is refused all the same.
A new password ends the account's sessions too (the old one may have been known to someone else).
Removing an account leaves tickets as they are: they keep the display name as text.
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
from sqlalchemy.orm import Session

from bot.handoff.models import StaffSession, StaffUser
from bot.handoff.store import HandoffDatabase

SESSION_LIFETIME = timedelta(hours=12)  # a working day; then the browser signs in again
MIN_PASSWORD_LENGTH = 12
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
HASHER = PasswordHasher()


class AccountError(ValueError):
    """An account that cannot be created or changed as asked (bad name, weak password, name taken,
    no such account)."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    display_name: str


@dataclass(frozen=True)
class AccountInfo:
    """One account as `staff users` lists it."""

    name: str
    display_name: str
    active: bool
    created_at: datetime
    last_sign_in_at: datetime | None


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


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def check_new_account(name: str, display_name: str, password: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError("the name must be 1-64 lowercase letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit")
    if not display_name.strip():
        raise AccountError("the display name is empty")
    check_password(password)


def member(user: StaffUser) -> StaffMember:
    return StaffMember(user.id, user.name, user.display_name)


def info(user: StaffUser) -> AccountInfo:
    return AccountInfo(user.name, user.display_name, user.disabled_at is None, user.created_at, user.last_sign_in_at)


def find_user(session: Session, name: str) -> StaffUser:
    user = session.execute(select(StaffUser).where(StaffUser.name == normalize_name(name))).scalar_one_or_none()
    if user is None:
        raise AccountError(f"there is no staff account named {normalize_name(name)!r}")
    return user


def end_sessions(session: Session, user_id: int) -> int:
    """Delete every session of one account; how many there were."""
    ended = session.execute(delete(StaffSession).where(StaffSession.user_id == user_id)
                            .execution_options(synchronize_session=False))
    return int(ended.rowcount)


class StaffAccounts(HandoffDatabase):
    """Create and manage accounts, check passwords, and start, find and end sessions."""

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

    def users(self) -> list[AccountInfo]:
        with self._sessions() as session:
            return [info(user) for user in session.execute(select(StaffUser).order_by(StaffUser.name)).scalars()]

    def set_password(self, name: str, password: str) -> int:
        """A new password for `name`; its sessions end. Returns how many were ended."""
        check_password(password)
        with self._sessions.begin() as session:
            user = find_user(session, name)
            user.password_hash = hash_password(password)
            return end_sessions(session, user.id)

    def disable(self, name: str) -> int:
        """`name` can no longer sign in, and its sessions end now. Returns how many were ended."""
        with self._sessions.begin() as session:
            user = find_user(session, name)
            if user.disabled_at is None:
                user.disabled_at = self._now()
            return end_sessions(session, user.id)

    def enable(self, name: str) -> None:
        with self._sessions.begin() as session:
            find_user(session, name).disabled_at = None

    def remove(self, name: str) -> StaffMember:
        """Delete the account and its sessions. Tickets keep the display name it claimed and
        signed notes with (they hold it as text); the sign-in name may be given out again."""
        with self._sessions.begin() as session:
            user = find_user(session, name)
            end_sessions(session, user.id)
            session.delete(user)
            return member(user)

    def authenticate(self, name: str, password: str) -> StaffMember | None:
        """The account if the password is right and the account active, else None (the same for an
        unknown name, which costs the same time, and for a disabled account)."""
        with self._sessions.begin() as session:
            user = session.execute(select(StaffUser).where(StaffUser.name == normalize_name(name))).scalar_one_or_none()
            if user is None:
                password_matches(unknown_account_hash(), password)
                return None
            if not password_matches(user.password_hash, password) or user.disabled_at is not None:
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
            user = session.get(StaffUser, staff.id)
            if user is not None:
                user.last_sign_in_at = now
        return token, SignedIn(staff, row.csrf_token, row.expires_at)

    def session(self, token: str) -> SignedIn | None:
        """The live session whose cookie token this is, or None (unknown, ended or expired)."""
        query = select(StaffSession).join(StaffSession.user).where(
            StaffSession.token_hash == token_digest(token), StaffSession.expires_at > self._now(),
            StaffUser.disabled_at.is_(None),
        )
        with self._sessions() as session:
            row = session.execute(query).scalar_one_or_none()
            return SignedIn(member(row.user), row.csrf_token, row.expires_at) if row else None

    def end_session(self, token: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(StaffSession).where(StaffSession.token_hash == token_digest(token))
                            .execution_options(synchronize_session=False))
