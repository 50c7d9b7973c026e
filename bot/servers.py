"""Start and stop the action server and the Rasa server as plain processes on loopback.

The run command, the staff shell, the integration tests and the benchmark all go through here, so
they exercise the same processes, flags and configuration that patients get.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.paths import ROOT

HOST = "127.0.0.1"
RASA = [sys.executable, "-m", "rasa_ext"]  # Rasa's command line with rasa_ext.speedups applied
STOCK_RASA = [sys.executable, "-m", "rasa"]
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "RASA_TELEMETRY_ENABLED": "false",
    "SANIC_HOST": HOST,  # the action server binds here, never on a public interface
    "SANIC_FALLBACK_ERROR_FORMAT": "json",  # a bad request gets a JSON error, not an HTML page
    # One TensorFlow thread per process: the servers scale by worker processes, not threads.
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
}


class ServerError(RuntimeError):
    """A server could not be started or did not become ready."""


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((HOST, port)) != 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_post_json(url: str, payload: object, timeout: float = 30.0) -> tuple[int, object]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def sqlite_file(database: Path | str) -> Path | None:
    """The file of a SQLite database given as a path or a `sqlite:///…` URL; None for a server."""
    if isinstance(database, Path):
        return database
    url = make_url(database)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def tracker_store_settings(database: Path | str) -> dict[str, Any]:
    """The tracker store's keys in endpoints.yml for a SQLite file or any SQLAlchemy URL. Rasa's
    SQLTrackerStore builds its own URL from dialect/host/port/db/username/password/query."""
    file = sqlite_file(database)
    if file is not None:
        return {"dialect": "sqlite", "db": str(file)}
    url = make_url(database)
    settings = {
        "dialect": url.drivername, "url": url.host, "port": url.port, "db": url.database,
        "username": url.username, "password": url.password, "query": dict(url.query),
    }
    return {key: value for key, value in settings.items() if value not in (None, {})}


def lock_store_settings(redis_url: str) -> dict[str, Any]:
    """Rasa's RedisLockStore (rasa_ext's, which keeps waiting tickets alive) for
    `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS)."""
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        raise ValueError(f"not a Redis URL: {url.scheme}://{url.hostname or ''}…")
    settings = {
        "type": "rasa_ext.lock_store.RedisTicketLockStore",
        "url": url.hostname, "port": url.port or 6379, "db": int(url.path.strip("/") or 0),
        "username": unquote(url.username) if url.username else None,
        "password": unquote(url.password) if url.password else None,
        "use_ssl": url.scheme == "rediss",
    }
    return {key: value for key, value in settings.items() if value is not None}


def render_endpoints(
    run_dir: Path,
    action_port: int,
    tracker_db: Path | str | None,
    stock: bool = False,
    redis_url: str | None = None,
    action_url: str | None = None,
) -> Path:
    """Write the repository's endpoints.yml with this run's action-server URL, tracker store and
    lock store. `tracker_db` is a SQLite file, any SQLAlchemy URL (PostgreSQL in production), or
    None to keep conversations and locks in memory (the staff shell). `redis_url` puts the locks
    in Redis (needed by several Rasa replicas), else they stay in a SQLite file beside the run.
    `stock=True` swaps in Rasa's own SQLTrackerStore and in-memory lock store (the benchmark's
    baseline). The file may hold a database password, so only its owner can read it."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = action_url or f"http://{HOST}:{action_port}/webhook"
    tracker_type = "SQL" if stock else endpoints["tracker_store"]["type"]
    if tracker_db is None:
        endpoints.pop("tracker_store", None)
        endpoints.pop("lock_store", None)
    else:
        endpoints["tracker_store"] = {"type": tracker_type, **tracker_store_settings(tracker_db)}
        file = sqlite_file(tracker_db)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        if redis_url:
            endpoints["lock_store"] = lock_store_settings(redis_url)
        elif stock:
            endpoints.pop("lock_store", None)
        else:  # the SQLite lock store: beside the tracker's file, or in the run folder
            endpoints["lock_store"]["db"] = str((file.parent if file else run_dir) / "locks.db")
    path = run_dir / "endpoints.yml"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class ManagedProcess:
    name: str
    process: subprocess.Popen
    log_path: Path
    log_file: IO[bytes]

    def stop(self, timeout: float = 15.0) -> None:
        try:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        except ProcessLookupError:
            pass  # already gone
        finally:
            self.log_file.close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def server_env(extra_env: dict | None = None) -> dict[str, str]:
    """The environment every server runs with. The project root on the path lets Rasa import
    rasa_ext.* and the action server import bot.*."""
    return {**os.environ, **QUIET_ENV, "PYTHONPATH": str(ROOT), **(extra_env or {})}


def spawn(name: str, command: list[str], log_dir: Path, extra_env: dict | None = None) -> ManagedProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log_file = open(log_path, "wb")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, env=server_env(extra_env),
        start_new_session=True,
    )
    return ManagedProcess(name, process, log_path, log_file)


def wait_until(managed: ManagedProcess, ready_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if managed.process.poll() is not None:
            raise ServerError(f"{managed.name} exited early:\n{managed.log_tail()}")
        try:
            if http_get(ready_url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise ServerError(f"{managed.name} was not ready after {timeout:.0f}s:\n{managed.log_tail()}")


@dataclass
class Stack:
    """A running action server and Rasa server."""

    rasa_port: int
    action_port: int
    auth_token: str
    processes: list[ManagedProcess] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{HOST}:{self.action_port}"

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def stop(self) -> None:
        for managed in reversed(self.processes):
            managed.stop()

    def say(self, sender: str, text: str) -> list[dict]:
        """Send one patient message over the REST channel; return the bot's messages."""
        code, body = http_post_json(
            f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text}
        )
        if code != 200 or not isinstance(body, list):
            raise ServerError(f"REST channel answered {code}: {body}")
        return body

    def parse(self, text: str) -> dict:
        """The model's NLU result for `text`, through the authenticated HTTP API."""
        code, body = http_post_json(f"{self.rasa_url}/model/parse?token={self.auth_token}", {"text": text})
        if code != 200 or not isinstance(body, dict):
            raise ServerError(f"/model/parse answered {code}: {body}")
        return body

    def status(self) -> dict:
        """The Rasa server's /status (which model is loaded), through the authenticated API."""
        code, body = http_get(f"{self.rasa_url}/status?token={self.auth_token}")
        if code != 200:
            raise ServerError(f"/status answered {code}")
        return json.loads(body)


def action_server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "rasa_ext.action_server", "--actions", "actions", "--port", str(port)]


def rasa_command(
    model: Path, port: int, endpoints: Path, credentials: Path, auth_token: str, host: str = HOST, stock: bool = False
) -> list[str]:
    return [
        *(STOCK_RASA if stock else RASA), "run",
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(credentials),
        "--interface", host,
        "--port", str(port),
        "--enable-api", "--auth-token", auth_token,
    ]


def start_action_server(
    port: int, log_dir: Path, timeout: float = 60.0, extra_env: dict | None = None
) -> ManagedProcess:
    if not port_is_free(port):
        raise ServerError(f"port {port} is busy: is the assistant already running?")
    managed = spawn("actions", action_server_command(port), log_dir, extra_env)
    try:
        wait_until(managed, f"http://{HOST}:{port}/health", timeout)
    except ServerError:
        managed.stop()
        raise
    return managed


STOCK_CREDENTIALS = {"rest": None, "socketio": {"session_persistence": True}}


def start_rasa_server(
    model: Path,
    port: int,
    endpoints: Path,
    log_dir: Path,
    auth_token: str,
    timeout: float = 180.0,
    stock: bool = False,
) -> ManagedProcess:
    """The clinic's Rasa server: rasa_ext's channel, stores and speed-ups, one Sanic worker per
    core (SANIC_WORKERS overrides; the SQLite lock store makes more than one safe), each worker
    loading the model. `stock=True` runs plain `rasa run` with one worker, for comparison."""
    if not port_is_free(port):
        raise ServerError(f"port {port} is busy: is the assistant already running?")
    credentials = ROOT / "credentials.yml"
    if stock:
        credentials = log_dir / "credentials.yml"
        credentials.write_text(yaml.safe_dump(STOCK_CREDENTIALS), encoding="utf-8")
    command = rasa_command(model, port, endpoints, credentials, auth_token, stock=stock)
    workers = "1" if stock else os.environ.get("SANIC_WORKERS", str(os.cpu_count() or 1))
    managed = spawn("rasa", command, log_dir, {"SANIC_WORKERS": workers})
    try:
        wait_until(managed, f"http://{HOST}:{port}/", timeout)
    except ServerError:
        managed.stop()
        raise
    return managed


@contextmanager
def running_stack(
    model: Path,
    run_dir: Path,
    tracker_db: Path | str | None,
    rasa_port: int | None = None,
    action_port: int | None = None,
    auth_token: str | None = None,
    stock: bool = False,
    extra_env: dict | None = None,
    redis_url: str | None = None,
) -> Iterator[Stack]:
    """Run both servers for the duration of the `with` block, then stop them. `stock=True` serves
    the model with plain Rasa (the benchmark's baseline). `tracker_db` and `redis_url` are as in
    `render_endpoints`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    # Hex, not urlsafe: a token starting with "-" would be read by `rasa run` as a flag.
    stack = Stack(
        rasa_port=rasa_port or free_port(),
        action_port=action_port or free_port(),
        auth_token=auth_token or os.environ.get("RASA_AUTH_TOKEN") or secrets.token_hex(24),
    )
    # The staff CLI (resolve → resume) reads this run's API token from here.
    token_file = run_dir / "auth_token"
    token_file.write_text(stack.auth_token, encoding="utf-8")
    token_file.chmod(0o600)
    try:
        stack.processes.append(start_action_server(stack.action_port, run_dir, extra_env=extra_env))
        endpoints = render_endpoints(run_dir, stack.action_port, tracker_db, stock=stock, redis_url=redis_url)
        stack.processes.append(
            start_rasa_server(model, stack.rasa_port, endpoints, run_dir, stack.auth_token, stock=stock)
        )
        yield stack
    finally:
        stack.stop()
