"""Rasa lock stores: one in a SQLite file, safe across processes on one machine, and Rasa's Redis
store for several replicas; both keep a waiting ticket alive while it waits.

Rasa processes one message per conversation at a time using "ticket locks" kept in a lock store.
Its in-memory store only works inside one process, so Rasa refuses to start more than one Sanic
worker with it; its Redis store needs a Redis server and is not race-free (rasa#9213). This store
keeps the embedded set-up free of other services while letting the Rasa server use both cores:
every read-modify-write of a lock runs in one `BEGIN IMMEDIATE` transaction, so two workers cannot
interleave (the race rasa#9213 describes cannot happen here).

Waiting tickets. Rasa gives every ticket the same lifetime and, while a message waits for its
turn, drops expired tickets once a second. When the process holding a conversation dies (a killed
replica), its ticket expires LOCK_LIFETIME after it was issued; a message that queued up less than
a poll later has its own ticket expire in the same poll, is then never "now serving", and waits
forever. Here a waiting ticket's expiry is pushed forward at every poll, so only the dead holder's
ticket runs out (found by killing a replica under load: tests/production/test_faults.py).
"""

import asyncio
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


def renew(lock: TicketLock, ticket: int) -> bool:
    """Drop expired tickets and give `ticket` a full lifetime again; False if it expired already."""
    lock.remove_expired_tickets()
    own = next((candidate for candidate in lock.tickets if candidate.number == ticket), None)
    if own is not None:
        own.expires = time.time() + LOCK_LIFETIME
    return own is not None


class RenewsWaitingTickets(LockStore):
    """Rasa's `LockStore._acquire_lock`, except that the waiting ticket is renewed at every poll."""

    def renew_ticket(self, conversation_id: str, ticket: int) -> bool:
        lock = self.get_lock(conversation_id)
        if lock is None or not renew(lock, ticket):
            return False
        self.save_lock(lock)
        return True

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            if not self.renew_ticket(conversation_id, ticket):
                break  # fail rather than wait for a ticket that no longer exists
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")


class AtomicTickets(RenewsWaitingTickets):
    """Every change to a lock is one atomic read-modify-write (`modify`), so two processes issuing,
    renewing or finishing tickets at once cannot overwrite each other's change (rasa#9213: Rasa's
    stores read, change and write in three steps, and a lost ticket fails its message)."""

    def modify(self, conversation_id: str, change: Callable[[TicketLock], Any], create: bool,
               drop_when_idle: bool = False) -> Any:
        """Read, change and write one lock atomically; returns what `change` returns. With
        `drop_when_idle`, the lock is deleted instead when nobody waits on it any more."""
        raise NotImplementedError

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self.modify(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self.modify(conversation_id, lambda lock: lock.remove_expired_tickets(), create=False)

    def renew_ticket(self, conversation_id: str, ticket: int) -> bool:
        return bool(self.modify(conversation_id, lambda lock: renew(lock, ticket), create=False))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.modify(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), create=False)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket and drop the lock when nobody waits, in one step."""
        self.modify(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), create=False,
                    drop_when_idle=True)


class RedisTicketLockStore(AtomicTickets, RedisLockStore):
    """Rasa's RedisLockStore (endpoints.yml keys: url, port, db, username, password, use_ssl,
    key_prefix), with waiting tickets renewed and every change made under WATCH/MULTI, so that
    replicas taking tickets for one conversation at once (two staff replies through two replicas)
    cannot lose one. deploy/nginx.conf still sends each conversation to one replica."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        RedisLockStore.__init__(self, host=endpoint_config.url, **endpoint_config.kwargs)

    def modify(self, conversation_id: str, change: Callable[[TicketLock], Any], create: bool,
               drop_when_idle: bool = False) -> Any:
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            if lock is None and not create:
                return None
            lock = lock or self.create_lock(conversation_id)
            result = change(lock)
            pipe.multi()
            if drop_when_idle and not lock.is_someone_waiting():
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        # redis-py runs `transaction` again whenever the key changed between WATCH and EXEC.
        return self.red.transaction(transaction, key, value_from_callable=True)


def switch_to_wal(connection: sqlite3.Connection, seconds: float = 30.0) -> None:
    """Puts the database file in WAL mode. When two Sanic workers start at once on a new file, both
    ask; SQLite answers one of them "database is locked" at once, without waiting out the busy
    timeout, and that worker failed to start. So the loser asks again until the winner is done."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class SQLiteLockStore(AtomicTickets):
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
            switch_to_wal(connection)
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

    def modify(self, conversation_id: str, change: Callable[[TicketLock], Any], create: bool,
               drop_when_idle: bool = False) -> Any:
        with self._transaction() as connection:
            lock = self._read(connection, conversation_id)
            if lock is None and not create:
                return None
            lock = lock or self.create_lock(conversation_id)
            result = change(lock)
            if drop_when_idle and not lock.is_someone_waiting():
                connection.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))
            else:
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

