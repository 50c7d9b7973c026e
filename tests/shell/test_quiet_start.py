"""The servers start without the libraries' deprecation warnings (rasa_ext/quiet.py), and still show
their errors: the action server and Rasa's command line as `make run` and `make shell` start them."""

import re
import subprocess
from pathlib import Path

import pytest

from bot.paths import ROOT
from runtime.servers import RASA, action_server_command, free_port, server_env, spawn

pytestmark = pytest.mark.servers

DEPRECATION = re.compile(r"\w*(Deprecation|MovedIn20|Future)Warning: ")
FAILED_REGISTRATION = re.compile(r"^\S+ \S+ ERROR +rasa_sdk\.executor +- Failed to register package 'no_such_actions'",
                                 re.MULTILINE)


def action_server_output(log_dir: Path, extra_env: dict[str, str]) -> str:
    """The action server's log when it starts on an actions package that does not exist (the last
    `--actions` wins), which it reports as an ERROR before it exits."""
    managed = spawn("actions", [*action_server_command(free_port()), "--actions", "no_such_actions"], log_dir, extra_env)
    try:
        assert managed.process.wait(timeout=60) == 1
    finally:
        managed.stop()
    return managed.log_path.read_text(encoding="utf-8")


def test_the_action_server_shows_its_error_and_no_deprecation_warnings(tmp_path):
    output = action_server_output(tmp_path, {})
    assert FAILED_REGISTRATION.search(output), output
    assert not DEPRECATION.search(output), output


def test_pythonwarnings_shows_the_deprecation_warnings_again(tmp_path):
    output = action_server_output(tmp_path, {"PYTHONWARNINGS": "default"})
    assert FAILED_REGISTRATION.search(output), output
    assert DEPRECATION.search(output), output  # what the first test would see without rasa_ext/quiet.py


def test_rasa_shell_shows_its_error_and_no_deprecation_warnings(tmp_path):
    """Rasa's command line through rasa_ext, as the staff shell and the Rasa server run it."""
    result = subprocess.run([*RASA, "shell", "--model", str(tmp_path)], cwd=ROOT, env=server_env(),
                            capture_output=True, text=True, timeout=180)
    output = result.stdout + result.stderr
    assert "No model found" in output, output
    assert not DEPRECATION.search(output), output
