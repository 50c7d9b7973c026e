"""Managing accounts while the inbox runs: the real `python -m bot inbox` process, changed by the real
`python -m bot staff …` commands a manager types. A disabled account's signed-in browser is refused
on its next request, and a new password signs the old browser out."""

import subprocess
import sys

from bot.handoff import Status
from bot.paths import ROOT

from .conftest import NAME, PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def staff_command(inbox, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bot", "staff", "--database-url", inbox.database_url, *argv]
    return subprocess.run(command, input=stdin, text=True, capture_output=True, cwd=ROOT, timeout=60)


def test_a_disabled_accounts_open_session_is_refused_at_once(inbox):
    browser = inbox.client()
    assert browser.sign_in().location == "/"
    csrf = browser.get("/").csrf()
    ticket = inbox.tickets.create_ticket("conv-1", "rest", "human_request", "routine", [], "a person please")
    listed = staff_command(inbox, "users")
    assert listed.returncode == 0 and " yes " in listed.stdout and "never" not in listed.stdout  # signed in just now

    disabled = staff_command(inbox, "disable", NAME)
    assert disabled.returncode == 0 and "1 open session(s) ended" in disabled.stdout
    assert browser.get("/").location == "/login"
    assert browser.get("/api/tickets").status == 401
    assert browser.post(f"/tickets/{ticket.id}/claim", {"csrf": csrf}).location == "/login"
    assert inbox.tickets.get(ticket.id).status is Status.open
    assert inbox.client().sign_in().status == 401  # the right password, a disabled account

    assert staff_command(inbox, "enable", NAME).returncode == 0
    assert inbox.client().sign_in().location == "/"
    assert browser.get("/").location == "/login"  # the ended session stays ended


def test_a_new_password_signs_the_old_browser_out(inbox):
    browser = inbox.client()
    assert browser.sign_in().location == "/"
    changed = staff_command(inbox, "passwd", NAME, "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    assert browser.get("/").location == "/login"
    assert inbox.client().sign_in(password=PASSWORD).status == 401
    assert inbox.client().sign_in(password=NEW_PASSWORD).location == "/"


def test_a_removed_account_cannot_sign_in_and_its_browser_is_signed_out(inbox):
    browser = inbox.client()
    assert browser.sign_in().location == "/"
    assert staff_command(inbox, "remove-user", NAME).returncode == 0
    assert browser.get("/").location == "/login"
    assert inbox.client().sign_in().status == 401
