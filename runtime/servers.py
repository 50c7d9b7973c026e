"""Start and stop the action server and the Rasa server as plain processes on loopback.

The run command, the staff shell, the integration tests and the benchmark all go through here, so
they exercise the same processes, flags and configuration that patients get.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
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
from typing import IO, Any, Callable, Iterator, Mapping
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.paths import ROOT
from bot.settings import web_origins
from runtime.channels import Channel, render_credentials

HOST = "127.0.0.1"
RASA = [sys.executable, "-m", "rasa_ext"]  # Rasa's command line with rasa_ext.speedups applied
STOCK_RASA = [sys.executable, "-m", "rasa"]
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "RASA_TELEMETRY_ENABLED": "false",
    "SANIC_HOST": HOST,  # the action server binds here, never on a public interface
    "SANIC_FALLBACK_ERROR_FORMAT": "json",  # a bad request gets a JSON error, not an HTML page
    # One TensorFlow thread and one BLAS thread per process: the servers scale by worker
    # processes, not threads. A second OpenBLAS thread only doubled the CPU time of numpy's small
    # products (rasa_ext/diet_classifier.py), by spinning while it waits.
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}
# Request bodies. A patient's message is cut to 1,000 characters anyway (rasa_ext/limits.py), so
# 64 KiB is plenty for the Rasa server; the action server receives the whole current session's
# tracker and the domain with every call (about 20 KiB plus ~1-5 KiB per turn), so it gets more.
# Over the limit Sanic answers 413; for the action server that means the patient gets the clinic's
# contacts (rasa_ext/action_fallback.py).
RASA_LIMITS = {"SANIC_REQUEST_MAX_SIZE": str(64 * 1024), "SANIC_WEBSOCKET_MAX_SIZE": str(64 * 1024)}
ACTION_SERVER_LIMITS = {"SANIC_REQUEST_MAX_SIZE": str(2 * 1024 * 1024)}


class ServerError(RuntimeError):
    """A server could not be started or did not become ready."""


def find_binary(name: str) -> str | None:
    """A program on PATH, in /usr/sbin or /sbin, or in Debian's PostgreSQL directory."""
    postgres = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin") or (postgres[-1] if postgres else None)


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
    return write_private(run_dir / "endpoints.yml", yaml.safe_dump(endpoints, sort_keys=False))


def write_private(path: Path, text: str) -> Path:
    """Write a file only its owner can read (it may hold a password, a token or a channel secret);
    the mode is set before the text goes in."""
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")
    return path


def write_credentials(run_dir: Path, environ: Mapping[str, str]) -> tuple[Path, list[Channel]]:
    """Write the repository's credentials.yml (REST, socket.io) plus each channel `environ`
    switches on (runtime.channels) into the run directory, readable by this user only, because it
    holds the channels' secrets. Raises ChannelConfigError on a half-configured channel."""
    base = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    credentials, channels = render_credentials(base, environ)
    return write_private(run_dir / "credentials.yml", yaml.safe_dump(credentials, sort_keys=False)), channels


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


def wait_for(managed: ManagedProcess, ready: Callable[[], bool], deadline: float, what: str) -> None:
    """Poll `ready` until it holds; fail with the server's log if it exits or the deadline passes."""
    while not ready():
        if managed.process.poll() is not None:
            raise ServerError(f"{managed.name} exited early:\n{managed.log_tail()}")
        if time.monotonic() > deadline:
            raise ServerError(f"{managed.name}: {what} in time:\n{managed.log_tail()}")
        time.sleep(0.25)


def answers(url: str) -> bool:
    try:
        return http_get(url)[0] == 200
    except OSError:
        return False


def wait_until(managed: ManagedProcess, ready_url: str, timeout: float) -> None:
    wait_for(managed, lambda: answers(ready_url), time.monotonic() + timeout, f"{ready_url} did not answer")


@dataclass
class Stack:
    """A running action server and Rasa server."""

    rasa_port: int
    action_port: int
    auth_token: str
    processes: list[ManagedProcess] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)  # served besides REST and socket.io

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
    model: Path, port: int, endpoints: Path, credentials: Path, auth_token: str, host: str = HOST,
    stock: bool = False, environ: Mapping[str, str] | None = None,
) -> list[str]:
    """`rasa run` with the HTTP API behind the token. Browsers may call it only from its own pages
    and `$CLINIC_WEB_ORIGINS` (CORS here; socket.io in rasa_ext.socketio_channel)."""
    command = [
        *(STOCK_RASA if stock else RASA), "run",
        "--model", str(model),
        "--endpoints", str(endpoints),
        "--credentials", str(credentials),
        "--interface", host,
        "--port", str(port),
        "--enable-api", "--auth-token", auth_token,
    ]
    origins = [] if stock else web_origins(environ)
    return command + ["--cors", *origins] if origins else command


def start_action_server(
    port: int, log_dir: Path, timeout: float = 60.0, extra_env: dict | None = None
) -> ManagedProcess:
    managed = spawn_action_server(port, log_dir, extra_env)
    try:
        wait_for_action_server(managed, port, timeout)
    except ServerError:
        managed.stop()
        raise
    return managed


def spawn_action_server(port: int, log_dir: Path, extra_env: dict | None = None) -> ManagedProcess:
    """The action server's process, started; `wait_for_action_server` waits until it serves."""
    if not port_is_free(port):
        raise ServerError(f"port {port} is busy: is the assistant already running?")
    return spawn("actions", action_server_command(port), log_dir, {**ACTION_SERVER_LIMITS, **(extra_env or {})})


def wait_for_action_server(managed: ManagedProcess, port: int, timeout: float = 60.0) -> None:
    wait_until(managed, f"http://{HOST}:{port}/health", timeout)


def listening_addresses(port: int) -> list[str]:
    """The local address of every socket listening on `port` on this machine, from Linux's
    /proc/net/tcp{,6} (a socket shared by forked processes is listed once)."""
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table, encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                    raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                    found.append(socket.inet_ntop(family, b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))))
    return found


def listening_sockets(port: int) -> int:
    return len(listening_addresses(port))


def wait_for_listeners(managed: ManagedProcess, port: int, expected: int, deadline: float) -> None:
    """Ready means every Sanic worker is serving, not only the first to load the model."""
    wait_for(managed, lambda: listening_sockets(port) >= expected, deadline, f"not all {expected} workers listen")


def clinic_server_env(workers: str) -> dict[str, str]:
    """A kept-alive HTTP connection stays with the Sanic worker that accepted it: under load one
    worker ended up with most clients while the other idled (CPU 9.9 s against 2.6 s in one
    measured run). Closing each REST connection after its reply lets the kernel place every
    request anew on one of the workers' sockets (rasa_ext/workers.py). socket.io (websocket)
    sessions are one long connection either way."""
    return {"SANIC_WORKERS": workers, "SANIC_KEEP_ALIVE": "False"}


STOCK_CREDENTIALS = {"rest": None, "socketio": {"session_persistence": True}}


def start_rasa_server(
    model: Path,
    port: int,
    endpoints: Path,
    log_dir: Path,
    auth_token: str,
    timeout: float = 180.0,
    stock: bool = False,
    credentials: Path | None = None,
    extra_env: dict | None = None,
) -> ManagedProcess:
    """The clinic's Rasa server: rasa_ext's channel, stores and speed-ups, one Sanic worker per
    core (SANIC_WORKERS overrides; the SQLite lock store makes more than one safe), each worker
    loading the model. Browsers may call it only from its own pages and `$CLINIC_WEB_ORIGINS`
    (CORS here; socket.io in rasa_ext.socketio_channel). `stock=True` runs plain `rasa run` with
    one worker, for comparison. `credentials` defaults to the repository's credentials.yml."""
    if not port_is_free(port):
        raise ServerError(f"port {port} is busy: is the assistant already running?")
    credentials = credentials or ROOT / "credentials.yml"
    if stock:
        credentials = log_dir / "credentials.yml"
        credentials.write_text(yaml.safe_dump(STOCK_CREDENTIALS), encoding="utf-8")
    command = rasa_command(model, port, endpoints, credentials, auth_token, stock=stock,
                           environ={**os.environ, **(extra_env or {})})
    workers = "1" if stock else os.environ.get("SANIC_WORKERS", str(os.cpu_count() or 1))
    server_env = {"SANIC_WORKERS": workers} if stock else clinic_server_env(workers)
    managed = spawn("rasa", command, log_dir, {**RASA_LIMITS, **server_env, **(extra_env or {})})
    deadline = time.monotonic() + timeout
    try:
        wait_for(managed, lambda: answers(f"http://{HOST}:{port}/"), deadline, "did not answer")
        if not stock:  # every worker opens its own socket once its model is loaded (rasa_ext.workers)
            wait_for_listeners(managed, port, int(workers), deadline)
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
    rasa_env: dict | None = None,
    redis_url: str | None = None,
) -> Iterator[Stack]:
    """Run both servers for the duration of the `with` block, then stop them. `stock=True` serves
    the model with plain Rasa (the benchmark's baseline). `extra_env` goes to both servers,
    `rasa_env` to the Rasa server only; messaging channels are switched on by variables in the
    environment or in `rasa_env` (runtime.channels). `tracker_db` and `redis_url` are as in
    `render_endpoints`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    credentials, channels = write_credentials(run_dir, {**os.environ, **(rasa_env or {})})
    # Hex, not urlsafe: a token starting with "-" would be read by `rasa run` as a flag.
    stack = Stack(
        rasa_port=rasa_port or free_port(),
        action_port=action_port or free_port(),
        auth_token=auth_token or os.environ.get("RASA_AUTH_TOKEN") or secrets.token_hex(24),
        channels=[] if stock else channels,
    )
    # The staff CLI (resolve → resume) reads this run's API token from here.
    write_private(run_dir / "auth_token", stack.auth_token)
    try:
        # Both servers start at once (Rasa needs the action server only for its first message), so
        # the stack is ready when the slower of the two is, not after the two in turn.
        actions = spawn_action_server(stack.action_port, run_dir, extra_env=extra_env)
        stack.processes.append(actions)
        endpoints = render_endpoints(run_dir, stack.action_port, tracker_db, stock=stock, redis_url=redis_url)
        stack.processes.append(
            start_rasa_server(model, stack.rasa_port, endpoints, run_dir, stack.auth_token, stock=stock,
                              credentials=credentials, extra_env={**(extra_env or {}), **(rasa_env or {})})
        )
        wait_for_action_server(actions, stack.action_port)
        yield stack
    finally:
        stack.stop()
