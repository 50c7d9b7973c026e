"""Staff notifications and the handoff spool, outside the patients' turns.

A handoff turn only writes the ticket (or spools it) and replies; it then wakes this worker, which
sends the staff notification and records the outcome. So a webhook that is slow or down never
holds a patient's turn. The worker also replays spooled handoffs once the ticket database answers
again, and retries failed notifications: at start-up, whenever it is woken, and every
`HANDOFF_SPOOL_RETRY_SECONDS` (default 30) otherwise. One runs in each action server process.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Mapping

from bot.handoff.notifier import WebhookNotifier
from bot.handoff.service import Notifier, describe_error, replay_spool, retry_notifications
from bot.handoff.spool import HandoffSpool, spool_directory
from bot.handoff.store import TicketStore, default_database_url

log = logging.getLogger(__name__)

INTERVAL_ENV = "HANDOFF_SPOOL_RETRY_SECONDS"
DEFAULT_INTERVAL = 30.0


def retry_interval(environ: Mapping[str, str] | None = None) -> float:
    environ = os.environ if environ is None else environ
    try:
        return max(0.1, float(environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL))
    except ValueError:
        return DEFAULT_INTERVAL


class HandoffWorker:
    """Calls `run_once` now, whenever woken, and every `interval` seconds, until `stop()`."""

    def __init__(
        self, spool: HandoffSpool, store_factory: Callable[[], TicketStore], notifier: Notifier,
        clinic_name: Callable[[], str], interval: float,
    ) -> None:
        self.spool = spool
        self.store_factory = store_factory
        self.notifier = notifier
        self.clinic_name = clinic_name
        self.interval = interval
        self._store: TicketStore | None = None
        self._stopped = threading.Event()
        self._woken = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-worker", daemon=True)

    def start(self) -> HandoffWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopped.set()
        self._woken.set()
        self._thread.join(timeout=30)
        if self._store is not None:
            self._store.close()

    def run_once(self) -> tuple[int, int]:
        """Replay the spool, then notify staff of every ticket still waiting; returns (tickets
        replayed, notifications sent). Never raises: what fails stays for the next round."""
        try:
            if self._store is None:
                self._store = self.store_factory()
            replayed = len(replay_spool(self._store, self.notifier, self.spool)) if len(self.spool) else 0
            return replayed, retry_notifications(self._store, self.notifier, self.clinic_name())
        except Exception as error:
            log.error("HANDOFF WORKER: %s; %d spooled handoff(s) wait in %s, unsent notifications stay pending",
                      describe_error(error), len(self.spool), self.spool.directory)
            return 0, 0

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._woken.clear()
            self.run_once()
            self._woken.wait(self.interval)


_running: HandoffWorker | None = None


def start_worker(clinic_name: Callable[[], str], environ: Mapping[str, str] | None = None) -> HandoffWorker:
    """This process's worker, configured like its handoffs (database, webhook, spool)."""
    global _running
    _running = HandoffWorker(
        HandoffSpool(spool_directory(environ)),
        lambda: TicketStore(default_database_url(environ)),
        WebhookNotifier.from_environment(environ),
        clinic_name,
        retry_interval(environ),
    ).start()
    return _running


def wake_worker() -> bool:
    """Tell this process's worker a ticket is waiting; False when none runs here (then the ticket
    waits for `python -m bot staff retry-notifications` or the next action server start)."""
    if _running is None:
        return False
    _running.wake()
    return True
