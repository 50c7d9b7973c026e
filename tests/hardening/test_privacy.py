"""Patients' words stay out of the logs at the default log level, even when things fail, and Rasa's
telemetry is off."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.paths import ROOT
from tests.hardening.test_web_security import socketio_conversation, stored_user_texts
from tests.support.waiting import wait_for

pytestmark = pytest.mark.servers

TELEMETRY_OUTPUT = "Telemetry Event"


def test_message_text_never_reaches_the_logs(hardened):
    stack, marker = hardened.stack, f"zq{uuid.uuid4().hex[:12]}"
    senders = {kind: f"privacy-{kind}-{uuid.uuid4().hex}" for kind in ("faq", "long", "report", "db-down", "down")}
    stack.say(senders["faq"], f"what is mesotherapy? my name is {marker}")
    stack.say(senders["long"], f"{marker} " + "tell me everything " * 600)
    stack.say(senders["report"], f"I had mesotherapy yesterday and now my face is very swollen and hot {marker}")
    socketio_conversation(stack.rasa_url, f"how many sessions will I need? {marker}", None)
    hardened.database.stop()  # a handoff whose ticket cannot be written logs errors
    try:
        stack.say(senders["db-down"], f"I have a lump where I was injected {marker}")
    finally:
        hardened.database.start()
    assert wait_for(lambda: hardened.tickets().open_ticket_for(senders["db-down"]), timeout=30)
    hardened.stop_action_server()  # so does a message the action server cannot screen
    try:
        stack.say(senders["down"], f"is it painful? {marker}")
    finally:
        hardened.start_action_server()

    assert any(marker in (text or "") for text in stored_user_texts(stack, senders["down"]))  # it was sent
    logs = hardened.logs()
    assert "HANDOFF TICKET NOT RECORDED" in logs and "ACTION SERVER UNAVAILABLE" in logs  # the failures happened
    assert marker not in logs


def process_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)


def descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [d for child in children for d in descendants(int(child))]


def test_telemetry_is_off_in_every_server_process(hardened):
    for name in ("rasa", "actions"):
        for pid in descendants(hardened.stack.process(name).process.pid):
            assert process_environment(pid).get("RASA_TELEMETRY_ENABLED") == "false"
    # RASA_TELEMETRY_DEBUG=true makes Rasa print every event it would send; none was printed
    assert TELEMETRY_OUTPUT not in hardened.logs()


def test_the_telemetry_check_would_see_telemetry_if_it_were_on(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "RASA_TELEMETRY_ENABLED": "true", "RASA_TELEMETRY_DEBUG": "true",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    validate = [sys.executable, "-m", "rasa_ext", "data", "validate", "--domain", "domain.yml", "--data", "data"]
    result = subprocess.run(validate, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert TELEMETRY_OUTPUT in result.stdout + result.stderr
