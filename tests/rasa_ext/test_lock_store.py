"""The SQLite lock store hands out unique tickets across processes and cleans up after itself."""

import asyncio
import multiprocessing
from pathlib import Path

from rasa.utils.endpoints import EndpointConfig

from rasa_ext.lock_store import SQLiteLockStore


def store(path: Path) -> SQLiteLockStore:
    return SQLiteLockStore(EndpointConfig(type="rasa_ext.lock_store.SQLiteLockStore", db=str(path)))


def issue_tickets(path: str, count: int, queue: multiprocessing.Queue) -> None:
    lock_store = store(Path(path))
    queue.put([lock_store.issue_ticket("conversation-1") for _ in range(count)])


def test_tickets_are_unique_across_processes(tmp_path):
    path = tmp_path / "locks.db"
    store(path)  # create the table before the race
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=issue_tickets, args=(str(path), 50, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    tickets = [ticket for _ in workers for ticket in queue.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(tickets) == list(range(200))


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
