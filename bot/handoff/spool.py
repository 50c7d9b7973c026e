"""A local spool for handoff tickets the database could not take.

When the ticket database is unreachable, the handoff is written here instead, one JSON file per
handoff in a folder (default `var/handoff-spool/`, or `$HANDOFF_SPOOL_DIR`), and replayed into the
database later (`bot.handoff.service.replay_spool`). One file per entry rather than one JSON-lines
file: each entry is written to a temporary file, fsynced, renamed into place and the folder
fsynced, so an entry is either wholly there or not at all, a replayed entry is removed by one
unlink, and several processes (action server workers, the staff CLI) can add and replay at once
without a lock. Each entry carries a unique `spool_id`; the ticket table has a unique index on it,
so replaying an entry twice (after a crash between writing the ticket and removing the file)
never makes a second ticket.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping

from bot.handoff.models import utc_now
from bot.paths import VAR
from bot.settings import handoff_database_url

log = logging.getLogger(__name__)

SPOOL_DIR_ENV = "HANDOFF_SPOOL_DIR"
SUFFIX = ".json"


def spool_directory(environ: Mapping[str, str] | None = None, database_url: str | None = None) -> Path:
    """`$HANDOFF_SPOOL_DIR`, else a folder under `var/handoff-spool/` named after the ticket
    database (`database_url`, default the configured one): a spooled handoff is only ever replayed
    into the database it was meant for, never into another run's (a test's, the shell's)."""
    environ = os.environ if environ is None else environ
    if environ.get(SPOOL_DIR_ENV):
        return Path(environ[SPOOL_DIR_ENV])
    database = database_url or handoff_database_url(environ)
    return VAR / "handoff-spool" / hashlib.sha256(database.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class HandoffRequest:
    """Everything needed to open a handoff ticket later, exactly as it would have been opened now."""

    conversation_id: str
    channel: str
    reason: str
    severity: str
    findings: list[dict[str, Any]]
    trigger_message: str
    clinic_name: str
    requested_at: datetime = field(default_factory=utc_now)
    spool_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def ticket_fields(self) -> dict[str, Any]:
        """The keyword arguments of `TicketStore.create_ticket`."""
        values = asdict(self)
        for key in ("requested_at", "spool_id", "clinic_name"):
            values.pop(key)
        return values

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "requested_at": self.requested_at.isoformat()}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> HandoffRequest:
        values = json.loads(text)
        values["requested_at"] = datetime.fromisoformat(values["requested_at"])
        return cls(**values)


class HandoffSpool:
    """The spool folder. Entries are named `<UTC time>-<spool_id>.json`, so they sort oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def add(self, request: HandoffRequest) -> Path:
        """Write one entry durably: it is on disk (file and folder entry) when this returns."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{request.requested_at:%Y%m%dT%H%M%S%f}-{request.spool_id}{SUFFIX}"
        final, temporary = self.directory / name, self.directory / f".{name}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # patients' words: owner only
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(request.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._sync_directory()
        return final

    def entries(self) -> Iterator[tuple[Path, HandoffRequest]]:
        """Complete entries, oldest first. An unreadable one is logged at ERROR and left in place
        for a person to look at, never deleted."""
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                yield path, HandoffRequest.from_json(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue  # another process replayed it meanwhile
            except (ValueError, TypeError, KeyError) as error:
                log.error("HANDOFF SPOOL ENTRY UNREADABLE: %s (%s); left in place", path, type(error).__name__)

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob(f"*{SUFFIX}")) if self.directory.is_dir() else 0

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self._sync_directory()

    def remove_conversation(self, conversation_id: str) -> int:
        """Erase every entry of one conversation (an erasure request); returns how many."""
        removed = 0
        for path, request in list(self.entries()):
            if request.conversation_id == conversation_id:
                self.remove(path)
                removed += 1
        return removed

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
