"""The SQLite lock store hands out unique tickets across processes and cleans up after itself;
waiting tickets are renewed, so a message queued behind a dead process is served."""

import asyncio
import multiprocessing
import tempfile
from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError
from rasa.utils.endpoints import EndpointConfig

from rasa_ext.lock_store import RenewsWaitingTickets, SQLiteLockStore
from tests.support.tickets import tickets_taken_at_once


def store(path: Path) -> SQLiteLockStore:
    return SQLiteLockStore(EndpointConfig(type="rasa_ext.lock_store.SQLiteLockStore", db=str(path)))


def issue_tickets(path: str, count: int, queue: multiprocessing.Queue) -> None:
    lock_store = store(Path(path))
    queue.put([lock_store.issue_ticket("conversation-1") for _ in range(count)])


def test_tickets_are_unique_across_processes(tmp_path):
    path = tmp_path / "locks.db"
    store(path)  # create the table before the race
    assert sorted(tickets_taken_at_once(issue_tickets, (str(path),))) == list(range(200))


def test_a_second_message_waits_for_the_first(tmp_path):
    lock_store = store(tmp_path / "locks.db")
    order = []

    async def handle(name: str, hold: float) -> None:
        async with lock_store.lock("conversation-1", wait_time_in_seconds=0.01):
            order.append(f"{name} start")
            await asyncio.sleep(hold)
            order.append(f"{name} end")

    async def both() -> None:
        first = asyncio.create_task(handle("first", 0.1))
        await asyncio.sleep(0.01)
        await handle("second", 0)
        await first

    asyncio.run(both())
    assert order == ["first start", "first end", "second start", "second end"]
    assert lock_store.get_lock("conversation-1") is None  # cleaned up once nobody waits


class InMemoryRenewing(RenewsWaitingTickets, InMemoryLockStore):
    pass


async def wait_behind_a_dead_holder(lock_store, poll: float) -> None:
    """The holder took its ticket, then its process died: it never finishes. A message queued
    0.05 s later must get the lock once the holder's ticket expires."""
    lock_store.issue_ticket("conversation-1", lock_lifetime=0.3)
    await asyncio.sleep(0.05)
    async with lock_store.lock("conversation-1", lock_lifetime=0.3, wait_time_in_seconds=poll):
        pass


def test_rasas_own_store_leaves_such_a_message_waiting_forever():
    """The bug: polling every 0.2 s, the waiter's own ticket expires in the same poll as the dead
    holder's, and Rasa's store then never serves it."""
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(wait_behind_a_dead_holder(InMemoryLockStore(), poll=0.2), 3))


@pytest.mark.parametrize("make", [InMemoryRenewing, lambda: store(Path(tempfile.mkdtemp()) / "locks.db")])
def test_a_waiting_ticket_is_renewed_so_it_is_served_after_a_dead_holder(make):
    asyncio.run(asyncio.wait_for(wait_behind_a_dead_holder(make(), poll=0.2), 3))


def test_a_waiter_whose_ticket_is_gone_fails_instead_of_waiting_forever():
    lock_store = InMemoryRenewing()
    lock_store.issue_ticket("conversation-1", lock_lifetime=60)

    async def wait() -> None:
        waiting = asyncio.create_task(lock_store.lock("conversation-1", wait_time_in_seconds=0.05).__aenter__())
        await asyncio.sleep(0.02)
        lock = lock_store.get_lock("conversation-1")
        lock.tickets.pop()  # someone else's clean-up removed the waiting ticket
        lock_store.save_lock(lock)
        await waiting

    with pytest.raises(LockError):
        asyncio.run(asyncio.wait_for(wait(), 3))


def open_store_at(path: str, ready, errors) -> None:
    ready.wait()
    try:
        store(Path(path))
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        errors.put(repr(error))


def test_workers_starting_at_once_on_a_new_database_all_open_it(tmp_path):
    """Sanic forks its workers together and each creates the lock store; on a new file they all
    switch it to WAL at once, and none may fail with "database is locked"."""
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for attempt in range(5):
        ready = context.Barrier(6)
        path = str(tmp_path / f"locks{attempt}.db")
        workers = [context.Process(target=open_store_at, args=(path, ready, errors)) for _ in range(6)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    assert errors.empty(), errors.get()
