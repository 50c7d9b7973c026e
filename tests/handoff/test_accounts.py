"""Staff accounts and inbox sessions on a real, migrated SQLite database; `staff add-user` as a process."""

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pexpect
import pytest
from sqlalchemy import create_engine, text

from bot.handoff.accounts import (
    SESSION_LIFETIME,
    AccountError,
    StaffAccounts,
    hash_password,
    password_matches,
    token_digest,
)
from bot.paths import ROOT

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(db_url, clock):
    store = StaffAccounts(db_url, clock=clock)
    yield store
    store.close()


def rows(db_url, query):
    with create_engine(db_url, future=True).connect() as connection:
        return connection.execute(text(query)).all()


def test_a_password_is_stored_as_an_argon2id_hash_and_checked_against_it():
    encoded = hash_password(PASSWORD)
    assert encoded.startswith("$argon2id$") and PASSWORD not in encoded
    assert password_matches(encoded, PASSWORD)
    assert not password_matches(encoded, PASSWORD + "!")
    assert not password_matches("not a hash", PASSWORD)
    assert hash_password(PASSWORD) != encoded  # salted


def test_an_account_signs_in_with_its_password_only(accounts, db_url):
    created = accounts.add_user(" Anna ", "Anna Smith, RN", PASSWORD)
    assert (created.name, created.display_name) == ("anna", "Anna Smith, RN")
    assert accounts.authenticate("ANNA", PASSWORD) == created
    assert accounts.authenticate("anna", "wrong password!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    [(stored,)] = rows(db_url, "select password_hash from staff_users")
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize(("name", "display", "password", "message"), [
    ("anna", "Anna", "short", "at least 12 characters"),
    ("anna smith", "Anna", PASSWORD, "lowercase letters"),
    ("", "Anna", PASSWORD, "lowercase letters"),
    ("anna", "  ", PASSWORD, "display name is empty"),
])
def test_a_bad_account_is_refused(accounts, name, display, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add_user(name, display, password)


def test_a_name_is_taken_once(accounts):
    accounts.add_user("anna", "Anna", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user("Anna", "Another Anna", PASSWORD)


def test_a_session_is_found_by_its_token_whose_digest_alone_is_stored(accounts, db_url, clock):
    staff = accounts.add_user("anna", "Anna", PASSWORD)
    token, signed_in = accounts.start_session(staff)
    assert signed_in.staff == staff and len(signed_in.csrf_token) >= 40
    assert signed_in.expires_at == clock.now + SESSION_LIFETIME
    assert accounts.session(token) == signed_in
    assert rows(db_url, "select token_hash from staff_sessions") == [(token_digest(token),)]
    assert accounts.session(token_digest(token)) is None  # the stored digest is not a token
    other_token, other = accounts.start_session(staff)
    assert other_token != token and other.csrf_token != signed_in.csrf_token


def test_an_ended_session_is_gone(accounts):
    token, _ = accounts.start_session(accounts.add_user("anna", "Anna", PASSWORD))
    accounts.end_session(token)
    assert accounts.session(token) is None


def test_a_session_expires_and_expired_ones_are_swept(accounts, db_url, clock):
    staff = accounts.add_user("anna", "Anna", PASSWORD)
    token, _ = accounts.start_session(staff)
    clock.now += SESSION_LIFETIME - timedelta(seconds=1)
    assert accounts.session(token) is not None
    clock.now += timedelta(seconds=1)
    assert accounts.session(token) is None
    accounts.start_session(staff)
    assert len(rows(db_url, "select id from staff_sessions")) == 1


def add_user_command(db_url):
    return [sys.executable, "-m", "bot", "staff", "--database-url", db_url, "add-user", "anna",
            "--display-name", "Anna Smith"]


def test_add_user_reads_the_password_from_stdin(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'new' / 'handoff.db'}"  # a new database: the command migrates it
    done = subprocess.run([*add_user_command(db_url), "--password-stdin"], input=PASSWORD + "\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Staff account anna (Anna Smith) created" in done.stdout
    accounts = StaffAccounts(db_url)
    assert accounts.authenticate("anna", PASSWORD).display_name == "Anna Smith"
    again = subprocess.run([*add_user_command(db_url), "--password-stdin"], input=PASSWORD + "\n",
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_add_user_asks_twice_on_a_terminal_and_refuses_two_different_passwords(db_url):
    command = add_user_command(db_url)
    child = pexpect.spawn(command[0], command[1:], cwd=str(ROOT), encoding="utf-8", timeout=60)
    child.expect("Password: ")
    child.sendline(PASSWORD)
    child.expect("Password again: ")
    child.sendline(PASSWORD + "?")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and "the two passwords differ" in child.before
    child = pexpect.spawn(command[0], command[1:], cwd=str(ROOT), encoding="utf-8", timeout=60)
    for prompt in ("Password: ", "Password again: "):
        child.expect(prompt)
        child.sendline(PASSWORD)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert StaffAccounts(db_url).authenticate("anna", PASSWORD) is not None
