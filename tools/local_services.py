"""PostgreSQL, Redis and nginx from Debian's packages as plain processes on loopback, and a
self-signed certificate for nginx's HTTPS listener.

The production tests and the load benchmark start throw-away instances here (free ports, data in a
temporary folder) and stop them afterwards; nothing is left running and no system service is used.
A missing package is installed with apt-get (as root), so a fresh machine needs no manual step.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from runtime.servers import HOST, ManagedProcess, ServerError, find_binary, free_port, port_is_free, spawn, wait_for

# Binary → Debian package that provides it.
POSTGRES_PACKAGES = {"initdb": "postgresql"}
REDIS_PACKAGES = {"redis-server": "redis-server"}
NGINX_PACKAGES = {"nginx": "nginx"}
OPENSSL_PACKAGES = {"openssl": "openssl"}


def ensure_debian_packages(binaries: dict[str, str]) -> None:
    """Install the Debian packages whose binaries are missing (idempotent: no-op when present)."""
    missing = sorted({package for binary, package in binaries.items() if find_binary(binary) is None})
    if not missing:
        return
    if os.geteuid() != 0:
        raise ServerError(f"missing Debian packages {missing}: install them with `sudo apt-get install {' '.join(missing)}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)


def wait_for_port(managed: ManagedProcess, port: int, timeout: float = 30.0) -> None:
    wait_for(managed, lambda: not port_is_free(port), time.monotonic() + timeout, f"did not listen on {port}")


def as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; the Debian package creates the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster in a folder, served on a fixed loopback port; `stop()` and `start()`
    again on the same port let fault tests take the database away and bring it back."""

    data: Path
    sockets: Path
    port: int
    work_dir: Path
    database: str
    process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{self.database}"

    def start(self) -> None:
        self.process = spawn("postgres", as_postgres_user([
            str(find_binary("postgres")), "-D", str(self.data), "-p", str(self.port), "-k", str(self.sockets),
            "-c", f"listen_addresses={HOST}", "-c", "max_connections=200",
        ]), self.work_dir)
        wait_for_port(self.process, self.port)

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open sessions are ended instead of waited for."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.process.pid, signal.SIGINT)
            self.process.process.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass  # gone already, or ManagedProcess.stop() escalates
        self.process.stop()
        self.process = None


@contextmanager
def postgres_cluster(work_dir: Path, database: str = "clinic") -> Iterator[PostgresCluster]:
    """A fresh PostgreSQL cluster on a free loopback port, running. The cluster lives in its own
    temporary folder (the `postgres` user cannot enter pytest's private ones) and is deleted
    afterwards; `work_dir` keeps the server log."""
    ensure_debian_packages(POSTGRES_PACKAGES)
    folder = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
    cluster = PostgresCluster(folder / "data", folder / "sockets", free_port(), work_dir, database)
    for path in (cluster.data, cluster.sockets):
        path.mkdir()
    if os.geteuid() == 0:
        for path in (folder, cluster.data, cluster.sockets):
            shutil.chown(path, "postgres")
    initdb = [str(find_binary("initdb")), "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run(as_postgres_user(initdb), check=True, capture_output=True)
    try:
        cluster.start()
        created = subprocess.run(
            [str(find_binary("createdb")), "-h", HOST, "-p", str(cluster.port), "-U", "postgres", database],
            capture_output=True, text=True,
        )
        if created.returncode != 0:
            raise ServerError(f"createdb failed: {created.stderr}")
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server(work_dir: Path, database: str = "clinic") -> Iterator[str]:
    """A fresh PostgreSQL cluster on a free loopback port; yields its SQLAlchemy URL."""
    with postgres_cluster(work_dir, database) as cluster:
        yield cluster.url


@contextmanager
def redis_server(work_dir: Path) -> Iterator[str]:
    """A Redis server on a free loopback port, without persistence; yields its URL."""
    ensure_debian_packages(REDIS_PACKAGES)
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    managed = spawn("redis", [
        str(find_binary("redis-server")), "--port", str(port), "--bind", HOST,
        "--save", "", "--appendonly", "no", "--dir", str(work_dir),
    ], work_dir)
    try:
        wait_for_port(managed, port)
        yield f"redis://{HOST}:{port}/0"
    finally:
        managed.stop()


def self_signed_certificate(folder: Path, host: str = HOST) -> tuple[Path, Path]:
    """A certificate for `host` (an IP address) valid for two days, and its private key, made with
    openssl; clients trust it by loading the certificate as their only CA."""
    ensure_debian_packages(OPENSSL_PACKAGES)
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / "inbox.crt", folder / "inbox.key"
    subprocess.run([
        str(find_binary("openssl")), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}",
        "-keyout", str(key), "-out", str(certificate),
    ], check=True, capture_output=True)
    return certificate, key


@contextmanager
def nginx_server(work_dir: Path, config: str, port: int) -> Iterator[ManagedProcess]:
    """nginx in the foreground with `config` (a whole nginx.conf) that listens on `port`."""
    ensure_debian_packages(NGINX_PACKAGES)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "logs").mkdir(exist_ok=True)
    conf = work_dir / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    managed = spawn("nginx", [
        str(find_binary("nginx")), "-p", str(work_dir), "-c", str(conf), "-g", "daemon off;",
    ], work_dir)
    try:
        wait_for_port(managed, port)
        yield managed
    finally:
        managed.stop()
