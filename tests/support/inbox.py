"""The staff inbox as a real process for tests: `python -m bot inbox` on a free loopback port, and
staff accounts made with `python -m bot staff add-user`, as staff would."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from runtime.servers import HOST, free_port, spawn, wait_until


def add_user(database_url: str, name: str, display_name: str, password: str) -> None:
    command = [sys.executable, "-m", "bot", "staff", "--database-url", database_url, "add-user", name,
               "--display-name", display_name, "--password-stdin"]
    subprocess.run(command, input=password + "\n", text=True, check=True, capture_output=True, timeout=60)


@contextmanager
def running_inbox(log_dir: Path, database_url: str, tracker_url: str, rasa_url: str, rasa_token: str) -> Iterator[int]:
    """The inbox's port while the `with` block runs; its log is `log_dir/inbox.log`."""
    port = free_port()
    command = [sys.executable, "-m", "bot", "inbox", "--port", str(port), "--database-url", database_url,
               "--tracker-database-url", tracker_url]
    process = spawn("inbox", command, log_dir, {"RASA_URL": rasa_url, "RASA_AUTH_TOKEN": rasa_token})
    try:
        wait_until(process, f"http://{HOST}:{port}/login", timeout=30)
        yield port
    finally:
        process.stop()
