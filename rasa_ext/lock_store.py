"""A Rasa lock store in a SQLite file, safe across processes on one machine.

Rasa processes one message per conversation at a time using "ticket locks" kept in a lock store.
Its in-memory store only works inside one process, so Rasa refuses to start more than one Sanic
worker with it; its Redis store needs a Redis server and is not race-free (rasa#9213). This store
keeps the embedded set-up free of other services while letting the Rasa server use both cores:
every read-modify-write of a lock runs in one `BEGIN IMMEDIATE` transaction, so two workers cannot
interleave (the race rasa#9213 describes cannot happen here).
"""

import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig


class SQLiteLockStore(LockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        self.path = Path(endpoint_config.kwargs.get("db", "var/locks.db"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection_pid = -1
        self._cached_connection: sqlite3.Connection | None = None
        self._connection().execute(
            "CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, lock TEXT)"
        )
        super().__init__()

    def _connection(self) -> sqlite3.Connection:
        """One connection per process (Sanic workers are forked; a connection must not cross a
        fork). Each worker serves requests on one event-loop thread."""
        if self._cached_connection is None or self._connection_pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._cached_connection, self._connection_pid = connection, os.getpid()
        return self._cached_connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @staticmethod
    def _read(connection: sqlite3.Connection, conversation_id: str) -> TicketLock | None:
        row = connection.execute(
            "SELECT lock FROM locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    @staticmethod
    def _write(connection: sqlite3.Connection, lock: TicketLock) -> None:
        connection.execute(
            "INSERT OR REPLACE INTO locks (conversation_id, lock) VALUES (?, ?)",
            (lock.conversation_id, lock.dumps()),
        )

    def _modify(self, conversation_id: str, change: Callable[[TicketLock], Any], create: bool) -> Any:
        """Read, change and write one lock atomically; returns what `change` returns."""
        with self._transaction() as connection:
            lock = self._read(connection, conversation_id)
            if lock is None and not create:
                return None
            lock = lock or self.create_lock(conversation_id)
            result = change(lock)
            self._write(connection, lock)
            return result

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        with self._connection() as connection:
            return self._read(connection, conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        with self._transaction() as connection:
            self._write(connection, lock)

    def delete_lock(self, conversation_id: str) -> None:
        with self._transaction() as connection:
            deleted = connection.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))
        self._log_deletion(conversation_id, deleted.rowcount > 0)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._modify(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._modify(conversation_id, lambda lock: lock.remove_expired_tickets(), create=False)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._modify(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), create=False)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket and drop the lock when nobody waits, in one transaction."""
        with self._transaction() as connection:
            lock = self._read(connection, conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self._write(connection, lock)
            else:
                connection.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))
