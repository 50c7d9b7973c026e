"""`python -m bot staff users | passwd | disable | enable | remove-user` on a real, migrated SQLite
database: each command run as the main CLI runs it (and `passwd` on a terminal, as a process)."""

import io
import sys

import pexpect
import pytest

from bot.handoff.accounts import StaffAccounts
from bot.paths import ROOT
from runtime.cli import main

PASSWORD, NEW_PASSWORD = "correct horse battery", "a brand new passphrase"


@pytest.fixture
def accounts(db_url):
    store = StaffAccounts(db_url)
    yield store
    store.close()


@pytest.fixture
def staff(db_url, capsys, monkeypatch):
    """Run `python -m bot staff …` in this process; `stdin` is what it reads. Returns (exit code,
    stdout, stderr)."""

    def run(*argv, stdin=""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["staff", "--database-url", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_users_lists_name_state_last_sign_in_and_display_name(staff, accounts):
    code, out, _ = staff("users")
    assert code == 0 and out.startswith("No staff accounts: create one with `staff add-user")
    anna = accounts.add_user("anna", "Anna Smith, RN", PASSWORD)
    accounts.add_user("bea", "Bea", PASSWORD)
    accounts.start_session(anna)
    accounts.disable("bea")
    code, out, _ = staff("users")
    header, anna_row, bea_row = out.splitlines()
    assert code == 0 and header.split() == ["NAME", "ACTIVE", "LAST", "SIGN-IN", "DISPLAY", "NAME"]
    assert anna_row.startswith("anna") and " yes " in anna_row and anna_row.endswith("Anna Smith, RN")
    assert bea_row.split() == ["bea", "no", "never", "Bea"]
    assert "password" not in out.lower() and "$argon2" not in out


def test_passwd_sets_a_new_password_from_stdin_and_ends_the_sessions(staff, accounts):
    anna = accounts.add_user("anna", "Anna", PASSWORD)
    token, _ = accounts.start_session(anna)
    assert staff("passwd", "Anna", "--password-stdin", stdin=NEW_PASSWORD + "\n") == (
        0, "New password set for anna; 1 open session(s) ended.\n", "")
    assert accounts.session(token) is None
    assert accounts.authenticate("anna", NEW_PASSWORD) == anna and accounts.authenticate("anna", PASSWORD) is None
    code, _, err = staff("passwd", "anna", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 12 characters" in err
    code, _, err = staff("passwd", "nobody", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert code == 1 and "no staff account named 'nobody'" in err


def passwd_on_a_terminal(db_url, first: str, second: str) -> tuple[int, str]:
    command = [sys.executable, "-m", "bot", "staff", "--database-url", db_url, "passwd", "anna"]
    child = pexpect.spawn(command[0], command[1:], cwd=str(ROOT), encoding="utf-8", timeout=60)
    child.expect("Password: ")
    child.sendline(first)
    child.expect("Password again: ")
    child.sendline(second)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_passwd_asks_twice_on_a_terminal(db_url, accounts):
    accounts.add_user("anna", "Anna", PASSWORD)
    status, output = passwd_on_a_terminal(db_url, NEW_PASSWORD, NEW_PASSWORD + "?")
    assert status == 1 and "the two passwords differ" in output
    assert accounts.authenticate("anna", PASSWORD) is not None
    assert passwd_on_a_terminal(db_url, NEW_PASSWORD, NEW_PASSWORD)[0] == 0
    assert accounts.authenticate("anna", NEW_PASSWORD) is not None


def test_disable_ends_the_sessions_and_enable_lets_the_account_sign_in_again(staff, accounts):
    anna = accounts.add_user("anna", "Anna", PASSWORD)
    token, _ = accounts.start_session(anna)
    assert staff("disable", "anna") == (0, "Staff account anna disabled: it cannot sign in; 1 open session(s) ended.\n", "")
    assert accounts.session(token) is None and accounts.authenticate("anna", PASSWORD) is None
    assert staff("disable", "anna") == (0, "Staff account anna disabled: it cannot sign in.\n", "")
    assert staff("enable", "anna") == (0, "Staff account anna enabled: it can sign in again.\n", "")
    assert accounts.authenticate("anna", PASSWORD) == anna


def test_remove_user_deletes_the_account_but_not_the_name_on_tickets(staff, accounts, store):
    anna = accounts.add_user("anna", "Anna Smith", PASSWORD)
    ticket = store.create_ticket("c", "rest", "human_request", "routine", [], "a person please")
    store.claim(ticket.id, anna.display_name)
    assert staff("remove-user", "anna") == (0, "Staff account anna removed; tickets keep the name 'Anna Smith'.\n", "")
    assert accounts.users() == [] and store.get(ticket.id).claimed_by == "Anna Smith"


@pytest.mark.parametrize("command", ["disable", "enable", "remove-user"])
def test_an_unknown_account_is_an_error(staff, command):
    code, out, err = staff(command, "nobody")
    assert (code, out) == (1, "") and err == "error: there is no staff account named 'nobody'\n"
