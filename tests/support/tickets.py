"""Several processes taking lock tickets for one conversation at once (the lock-store race tests)."""

import multiprocessing
from typing import Any, Callable


def tickets_taken_at_once(take: Callable[..., None], args: tuple[Any, ...], processes: int = 4,
                          per_process: int = 50) -> list[int]:
    """Runs `take(*args, per_process, queue)` in `processes` processes at once; every ticket they got."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=take, args=(*args, per_process, queue)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    tickets = [ticket for _ in workers for ticket in queue.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    return tickets
