"""Replay the handoff spool in the background: at start-up, then every few seconds while it is not
empty, so a ticket spooled while the database was down reaches staff once the database is back,
even if no other handoff comes along to trigger a replay."""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Mapping

from bot.handoff.notifier import WebhookNotifier
from bot.handoff.service import Notifier, describe_error, replay_spool
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


class SpoolReplayer:
    """Calls `replay_once` now and then every `interval` seconds until `stop()`."""

    def __init__(
        self, spool: HandoffSpool, store_factory: Callable[[], TicketStore], notifier: Notifier, interval: float
    ) -> None:
        self.spool = spool
        self.store_factory = store_factory
        self.notifier = notifier
        self.interval = interval
        self._store: TicketStore | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-spool-replayer", daemon=True)

    def start(self) -> SpoolReplayer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)
        if self._store is not None:
            self._store.close()

    def replay_once(self) -> int:
        """Replay what is spooled; returns how many tickets were written. Never raises."""
        if not len(self.spool):
            return 0
        try:
            if self._store is None:
                self._store = self.store_factory()
            return len(replay_spool(self._store, self.notifier, self.spool))
        except Exception as error:
            log.error("HANDOFF SPOOL NOT REPLAYED: %s; %d entr(ies) wait in %s",
                      describe_error(error), len(self.spool), self.spool.directory)
            return 0

    def _run(self) -> None:
        while True:
            self.replay_once()
            if self._stopped.wait(self.interval):
                return


def start_replayer(environ: Mapping[str, str] | None = None) -> SpoolReplayer:
    """The action server's replayer, configured like its handoffs (database, webhook, spool)."""
    return SpoolReplayer(
        HandoffSpool(spool_directory(environ)),
        lambda: TicketStore(default_database_url(environ)),
        WebhookNotifier.from_environment(environ),
        retry_interval(environ),
    ).start()
