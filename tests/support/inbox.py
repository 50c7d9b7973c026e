"""The staff inbox as a real process for tests: `python -m bot inbox` on a free loopback port, and
staff accounts made with `python -m bot staff add-user`, as staff would (tools/inbox.py)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tools.inbox import add_user, inbox_process

__all__ = ["add_user", "running_inbox"]


@contextmanager
def running_inbox(log_dir: Path, database_url: str, tracker_url: str, rasa_url: str, rasa_token: str) -> Iterator[int]:
    """The inbox's port while the `with` block runs; its log is `log_dir/inbox.log`."""
    with inbox_process(log_dir, database_url, tracker_url, rasa_url, rasa_token) as inbox:
        yield inbox.port
