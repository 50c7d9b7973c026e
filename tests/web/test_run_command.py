"""The README's run command, as a new user meets it: `python -m bot run` (what `make run` starts)
prints the page's address; that page, opened in a browser, answers; Ctrl-C-like stopping ends
both servers."""

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from bot.paths import ROOT
from runtime.servers import free_port, port_is_free
from tests.support.waiting import wait_for
from tests.web.conftest import DESKTOP, SCREENSHOTS, Chat

pytestmark = pytest.mark.servers

WEBSITE_LINE = re.compile(r"Website:\s+(http://127\.0\.0\.1:\d+/chat/)")


def test_the_printed_address_opens_a_chat_that_answers(browser: Browser, tmp_path: Path, render):
    rasa_port, action_port = free_port(), free_port()
    env = {  # this run's conversations, tickets and spool stay in the test's folder
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "HANDOFF_SPOOL_DIR": str(tmp_path / "spool"),
        "HANDOFF_WEBHOOK_URL": "",
    }
    command = [sys.executable, "-m", "bot", "run", "--rasa-port", str(rasa_port),
               "--action-port", str(action_port), "--run-dir", str(tmp_path / "run")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(process.stdout), daemon=True)
    reader.start()
    try:
        found = wait_for(lambda: next(filter(None, map(WEBSITE_LINE.search, list(printed))), None), timeout=240)
        assert found, "".join(printed)
        context = browser.new_context(viewport=DESKTOP)
        chat = Chat(context.new_page(), found.group(1))
        chat.open()
        replies = chat.ask("what is mesotherapy?")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        chat.page.screenshot(path=str(SCREENSHOTS / "run_command_chat.png"))
        context.close()
        assert render("utter_faq_what_is") in replies
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # as systemd or Ctrl-C would stop it
        assert process.wait(timeout=60) == 0, "".join(printed)
    reader.join(timeout=5)
    assert port_is_free(rasa_port) and port_is_free(action_port)
