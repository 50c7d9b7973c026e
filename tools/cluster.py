"""The production layout on one machine, for the production tests and the load benchmark.

Throw-away PostgreSQL and Redis, then the exact commands of deploy/Procfile (`runtime.production.layout`)
with free loopback ports: the action server, N Rasa replicas, the staff inbox and nginx in front of
them, the inbox over HTTPS with a self-signed certificate made for the run (clients trust it by
loading `tls_certificate`). Stopping the cluster stops everything and deletes the databases.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from bot.paths import MODEL
from runtime.production import ACTION_WORKERS, PROCESS_ENV, InboxSite, environment, layout
from runtime.servers import HOST, ManagedProcess, ServerError, free_port, spawn, wait_until
from tools.local_services import (
    NGINX_PACKAGES,
    ensure_debian_packages,
    postgres_server,
    redis_server,
    self_signed_certificate,
    wait_for_port,
)


@dataclass
class Cluster:
    url: str  # nginx, where patients' requests go
    inbox_url: str  # nginx's HTTPS listener for the staff inbox
    tls_certificate: Path  # the inbox's self-signed certificate: the CA a client must trust
    database_url: str
    redis_url: str
    auth_token: str
    work_dir: Path
    env: dict[str, str]
    commands: dict[str, list[str]]
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    starts: int = 0

    @property
    def replicas(self) -> list[str]:
        return [name for name in self.commands if name.startswith("rasa-")]

    def port(self, name: str) -> int:
        command = self.commands[name]
        return int(command[command.index("--port") + 1])

    @property
    def access_log(self) -> Path:
        return self.work_dir / "proxy" / "logs" / "access.log"

    def start(self, names: list[str], timeout: float = 300.0) -> None:
        """Start these processes together, then wait until each one answers."""
        self.starts += 1
        for name in names:
            command = [sys.executable, "-m", "bot", *self.commands[name]]
            env = {**self.env, **PROCESS_ENV.get(name, {})}
            self.processes[name] = spawn(f"{name}.{self.starts}", command, self.work_dir / "logs", env)
        for name in names:
            try:
                self._wait(name, timeout)
            except ServerError:
                self.stop()
                raise

    def _wait(self, name: str, timeout: float) -> None:
        managed = self.processes[name]
        if name == "proxy":
            for url in (self.url, self.inbox_url):
                wait_for_port(managed, int(url.rsplit(":", 1)[1]), timeout)
        else:
            path = {"actions": "/health", "inbox": "/login"}.get(name, "/")
            wait_until(managed, f"http://{HOST}:{self.port(name)}{path}", timeout)

    def ensure_running(self) -> None:
        """Start again whatever is not running (a replica a fault test killed)."""
        stopped = [name for name in self.commands
                   if name not in self.processes or self.processes[name].process.poll() is not None]
        if stopped:
            self.stop(stopped)
            self.start(stopped)

    def kill(self, name: str) -> None:
        """SIGKILL: the process dies at once, mid-request, as in a crash."""
        managed = self.processes[name]
        os.killpg(managed.process.pid, signal.SIGKILL)
        managed.process.wait()

    def stop(self, names: list[str] | None = None) -> None:
        for name in reversed(list(self.processes) if names is None else names):
            if name in self.processes:
                self.processes.pop(name).stop()

    def log_text(self, name: str) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted((self.work_dir / "logs").glob(f"{name}.*.log")))


@contextmanager
def running_cluster(
    work_dir: Path,
    replicas: int = 2,
    action_workers: int = ACTION_WORKERS,
    model: Path = MODEL,
    extra_env: dict | None = None,
) -> Iterator[Cluster]:
    """PostgreSQL, Redis, the action server, `replicas` Rasa replicas, the staff inbox and nginx,
    all on loopback."""
    ensure_debian_packages(NGINX_PACKAGES)
    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_server(work_dir / "postgres"))
        redis_url = stack.enter_context(redis_server(work_dir / "redis"))
        action_port, listen, rasa_ports = free_port(), f"{HOST}:{free_port()}", [free_port() for _ in range(replicas)]
        certificate, key = self_signed_certificate(work_dir / "tls")
        inbox = InboxSite(f"{HOST}:{free_port()}", f"{HOST}:{free_port()}", str(certificate), str(key))
        commands = layout(rasa_ports, action_port, listen, action_workers, inbox)
        for name in commands:
            if name.startswith("rasa-"):
                commands[name] += ["--model", str(model), "--run-dir", str(work_dir / name)]
        commands["proxy"] += ["--prefix", str(work_dir / "proxy")]
        token = secrets.token_hex(24)
        env = {**environment(database_url, redis_url, token, f"http://{HOST}:{action_port}/webhook",
                             f"http://{HOST}:{rasa_ports[0]}"),
               **(extra_env or {})}
        cluster = Cluster(f"http://{listen}", f"https://{inbox.listen}", certificate, database_url, redis_url, token,
                          work_dir, env, commands)
        stack.callback(cluster.stop)
        cluster.start(["actions"])
        cluster.start([*cluster.replicas, "inbox"])
        cluster.start(["proxy"])
        yield cluster
