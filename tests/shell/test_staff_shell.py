"""Staff test chats: the real `rasa shell`, through `python -m bot shell`, in a pseudo-terminal."""

import os
import re
import signal
import sys
from pathlib import Path

import pexpect
import pytest

from bot import replies
from bot.handoff import TicketStore
from bot.paths import ROOT, VAR
from runtime.cli import shell_stores
from runtime.servers import free_port, port_is_free
from tests.shell.test_quiet_start import DEPRECATION
from tests.support.stores import migrated_store

pytestmark = pytest.mark.servers

START_TIMEOUT = 300  # two processes load: the model alone can take 30-60 s on a busy machine
ANSWER_TIMEOUT = 90


def as_pattern(text: str) -> str:
    """A reply as the terminal shows it: newlines become CR LF."""
    return r"\r?\n".join(re.escape(line) for line in text.strip().splitlines())


def action_server_pids(port: int) -> list[int]:
    """The action server the shell started, found by its unique port, should it outlive the shell."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rasa_ext.action_server" in args and str(port).encode() in args:
            pids.append(int(cmdline.parent.name))
    return pids


@pytest.fixture
def shell_session(tmp_path):
    """`python -m bot shell` on free ports, with the patients' ticket database pointed at a
    temporary file, so the test can show nothing reaches it. Stops everything it started."""
    ports = {"action": free_port(), "shell": free_port()}
    patients_db = f"sqlite:///{tmp_path / 'patients-handoff.db'}"
    env = {**os.environ, "HANDOFF_DATABASE_URL": patients_db, "TERM": "xterm"}
    child = pexpect.spawn(
        sys.executable, ["-m", "bot", "shell", "--action-port", str(ports["action"]),
                         "--shell-port", str(ports["shell"])],
        cwd=str(ROOT), env=env, encoding="utf-8", timeout=ANSWER_TIMEOUT, dimensions=(60, 250),
    )
    child.logfile_read = open(tmp_path / "shell.log", "w", encoding="utf-8")
    try:
        yield child, ports, patients_db
    finally:
        if child.isalive():
            child.kill(signal.SIGTERM)  # runtime.cli stops its action server and rasa shell on SIGTERM
            child.expect(pexpect.EOF, timeout=60)
        child.close(force=True)
        for pid in action_server_pids(ports["action"]):
            os.killpg(pid, signal.SIGKILL)
        child.logfile_read.close()


def test_staff_chat_gets_the_patients_answers_and_its_ticket_stays_out_of_the_patients_store(
        shell_session, render, profile, tmp_path):
    child, ports, patients_db = shell_session
    child.expect(r"Staff chat (staff-[0-9a-f]+)", timeout=60)
    conversation_id = child.match.group(1)
    child.expect("Type a message and press enter", timeout=START_TIMEOUT)

    child.sendline("what is mesotherapy?")
    child.expect(as_pattern(render("utter_faq_what_is")))

    child.sendline("I had mesotherapy yesterday and now my face is very swollen and hot")
    child.expect(r"\(reference (\d+)\)")
    reference = int(child.match.group(1))
    child.expect(re.escape(replies.render("handoff_clinic", profile)))  # the text channels' plain-text handoff
    child.expect("settle within a few days")

    child.sendline("/stop")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0
    assert port_is_free(ports["action"]) and port_is_free(ports["shell"])  # both servers stopped
    child.logfile_read.flush()
    assert not DEPRECATION.search((tmp_path / "shell.log").read_text(encoding="utf-8"))  # what staff saw

    ticket = TicketStore(f"sqlite:///{VAR / 'shell' / 'handoff.db'}").open_ticket_for(conversation_id)
    assert ticket is not None and ticket.id == reference
    assert (ticket.reason, ticket.channel) == ("side_effect", "cmdline")
    assert migrated_store(patients_db).open_ticket_for(conversation_id) is None


def test_keep_puts_staff_chats_in_the_patients_stores_and_the_default_does_not():
    tracker_db, ticket_env = shell_stores(keep=False)
    assert tracker_db is None
    assert ticket_env["HANDOFF_DATABASE_URL"].endswith("var/shell/handoff.db")
    assert ticket_env["HANDOFF_WEBHOOK_URL"] == ""  # a test ticket pages nobody
    assert shell_stores(keep=True) == (VAR / "tracker.db", {})  # the same stores as `make run`
