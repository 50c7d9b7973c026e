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


def test_accounts_are_listed_with_their_state_and_last_sign_in(accounts, clock):
    assert accounts.users() == []
    bea = accounts.add_user("bea", "Bea Jones", PASSWORD)
    accounts.add_user("anna", "Anna Smith", PASSWORD)
    accounts.start_session(bea)
    accounts.disable("anna")
    [anna_info, bea_info] = accounts.users()
    assert (anna_info.name, anna_info.display_name, anna_info.active, anna_info.last_sign_in_at) == (
        "anna", "Anna Smith", False, None)
    assert (bea_info.name, bea_info.active, bea_info.last_sign_in_at, bea_info.created_at) == (
        "bea", True, clock.now, clock.now)


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end_at_once(accounts, db_url):
    anna = accounts.add_user("anna", "Anna", PASSWORD)
    bea = accounts.add_user("bea", "Bea", PASSWORD)
    tokens = [accounts.start_session(anna)[0] for _ in range(2)]
    bea_token, _ = accounts.start_session(bea)
    assert accounts.disable("ANNA") == 2
    assert accounts.authenticate("anna", PASSWORD) is None
    assert [accounts.session(token) for token in tokens] == [None, None]
    assert accounts.session(bea_token) is not None  # other accounts are untouched
    assert accounts.disable("anna") == 0  # already disabled: nothing more to end
    accounts.enable("anna")
    assert accounts.authenticate("anna", PASSWORD) == anna
    assert [accounts.session(token) for token in tokens] == [None, None]  # ended for good


def test_a_session_started_as_the_account_is_disabled_is_refused(accounts):
    """Sign-in checks the account, then starts the session: a disable in between is not undone."""
    anna = accounts.add_user("anna", "Anna", PASSWORD)
    accounts.disable("anna")
    token, _ = accounts.start_session(anna)
    assert accounts.session(token) is None


def test_a_new_password_replaces_the_old_one_and_ends_the_sessions(accounts, db_url):
    anna = accounts.add_user("anna", "Anna", PASSWORD)
    token, _ = accounts.start_session(anna)
    assert accounts.set_password("anna", "a brand new passphrase") == 1
    assert accounts.session(token) is None
    assert accounts.authenticate("anna", PASSWORD) is None
    assert accounts.authenticate("anna", "a brand new passphrase") == anna
    [(stored,)] = rows(db_url, "select password_hash from staff_users")
    assert stored.startswith("$argon2id$")
    with pytest.raises(AccountError, match="at least 12 characters"):
        accounts.set_password("anna", "short")


def test_a_removed_account_is_gone_and_its_name_free_again(accounts, db_url, store):
    anna = accounts.add_user("anna", "Anna Smith", PASSWORD)
    token, _ = accounts.start_session(anna)
    ticket = store.create_ticket("c", "rest", "human_request", "routine", [], "a person please")
    store.claim(ticket.id, anna.display_name)
    assert accounts.remove("anna") == anna
    assert accounts.session(token) is None and accounts.authenticate("anna", PASSWORD) is None
    assert rows(db_url, "select count(*) from staff_sessions") == [(0,)]
    assert store.get(ticket.id).claimed_by == "Anna Smith"  # tickets keep the name as text
    assert accounts.add_user("anna", "Anna Jones", PASSWORD).display_name == "Anna Jones"


@pytest.mark.parametrize("change", ["disable", "enable", "remove"])
def test_changing_an_unknown_account_says_so(accounts, change):
    with pytest.raises(AccountError, match="no staff account named 'nobody'"):
        getattr(accounts, change)("Nobody")
    with pytest.raises(AccountError, match="no staff account named 'nobody'"):
        accounts.set_password("nobody", PASSWORD)
