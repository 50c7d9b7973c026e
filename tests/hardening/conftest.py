"""One stack for the hardening tests, set up as production would be where it matters: tickets in a
PostgreSQL the tests can stop and start again, a handoff spool, a clinic web origin, a staff
webhook. The tests also stop and restart its action server."""

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from bot.handoff import TicketStore
from bot.handoff.spool import HandoffSpool
from bot.paths import MODEL
from runtime.servers import Stack, running_stack, start_action_server
from tests.servers.webhook import WebhookReceiver
from tools.local_services import PostgresCluster, postgres_cluster

CLINIC_ORIGIN = "https://www.clinic.example"
OTHER_ORIGIN = "https://evil.example"


@dataclass
class Hardened:
    stack: Stack
    run_dir: Path
    env: dict
    database: PostgresCluster
    spool: HandoffSpool
    webhook: WebhookReceiver
    restarts: int = 0

    def tickets(self) -> TicketStore:
        return TicketStore(self.database.url)

    def stop_action_server(self) -> None:
        self.stack.process("actions").stop()

    def start_action_server(self) -> None:
        """On the same port, logging to a new file (the old log stays for the privacy checks)."""
        self.restarts += 1
        old = self.stack.process("actions")
        new = start_action_server(self.stack.action_port, self.run_dir / f"restart-{self.restarts}", extra_env=self.env)
        self.stack.processes[self.stack.processes.index(old)] = new

    def logs(self) -> str:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in self.run_dir.rglob("*.log")
                         if path.name in ("rasa.log", "actions.log"))


@pytest.fixture(scope="package")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    """Its own webhook receiver: ticket numbers here repeat those of the session's stack."""
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    run_dir = tmp_path_factory.mktemp("hardened")
    with postgres_cluster(run_dir / "postgres") as database, WebhookReceiver() as webhook:
        env = {
            "HANDOFF_DATABASE_URL": database.url,
            "HANDOFF_WEBHOOK_URL": webhook.url,
            "HANDOFF_SPOOL_DIR": str(run_dir / "spool"),
            "HANDOFF_SPOOL_RETRY_SECONDS": "1",
            "CLINIC_WEB_ORIGINS": CLINIC_ORIGIN,
            "RASA_TELEMETRY_DEBUG": "true",  # if telemetry ran, it would print its events to the log
        }
        with running_stack(MODEL, run_dir, tracker_db=run_dir / "tracker.db", extra_env=env) as stack:
            yield Hardened(stack, run_dir, env, database, HandoffSpool(run_dir / "spool"), webhook)


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
