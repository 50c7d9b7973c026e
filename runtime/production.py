"""The production layout: Rasa replicas, an action server and the staff inbox on PostgreSQL and
Redis, behind nginx.

`python -m bot rasa|actions|inbox|proxy` start one process each, configured by the environment
(bot/settings.py: DATABASE_URL, REDIS_URL, ACTION_SERVER_URL; RASA_AUTH_TOKEN, RASA_URL).
deploy/Procfile, deploy/systemd/ and deploy/docker-compose.yml run exactly these commands;
`layout()` is the one list of them, and `PROCESS_ENV` the variables one process gets beyond the
shared ones; tests/production/ starts them on loopback and checks those files against them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, Sequence

from bot import settings
from bot.paths import MODEL, ROOT, VAR
from runtime.inbox.serve import DEFAULT_PORT as INBOX_PORT
from runtime.servers import (
    ACTION_SERVER_LIMITS,
    HOST,
    RASA_LIMITS,
    action_server_command,
    find_binary,
    rasa_command,
    render_endpoints,
    server_env,
    write_credentials,
)
from runtime.staff_cli import RASA_URL_ENV

DEPLOY = ROOT / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx.conf"
RASA_PORTS = (5005, 5006)
ACTION_PORT = 5055
PROXY_LISTEN = "0.0.0.0:8080"
ACTION_WORKERS = 2
# A replica that dies keeps its conversations' lock tickets until they expire; the message nginx
# passes on to another replica waits that long. Rasa's default is 60 s; a turn takes well under 1 s.
TICKET_LOCK_LIFETIME = "20"
# The staff inbox is published by nginx over HTTPS only (its cookies are Secure), on its own port.
INBOX_LISTEN = "0.0.0.0:8443"
TLS_CERTIFICATE = "/etc/clinic-assistant/tls/inbox.crt"  # the full chain, e.g. certbot's fullchain.pem
TLS_KEY = "/etc/clinic-assistant/tls/inbox.key"
# nginx is the one proxy in front of the inbox: the inbox takes the client's address from the last
# X-Forwarded-For entry (which nginx sets), so its login throttle counts clients, not nginx.
PROCESS_ENV = {"inbox": {"SANIC_PROXIES_COUNT": "1"}}
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class InboxSite:
    """How nginx publishes the staff inbox: where the inbox listens, nginx's HTTPS listen address,
    and the certificate and key files for it."""

    upstream: str = f"{HOST}:{INBOX_PORT}"
    listen: str = INBOX_LISTEN
    certificate: str = TLS_CERTIFICATE
    key: str = TLS_KEY


def layout(
    rasa_ports: Sequence[int] = RASA_PORTS,
    action_port: int = ACTION_PORT,
    listen: str = PROXY_LISTEN,
    action_workers: int = ACTION_WORKERS,
    inbox: InboxSite = InboxSite(),
) -> dict[str, list[str]]:
    """Process name → its arguments to `python -m bot`, in start order."""
    processes = {"actions": ["actions", "--port", str(action_port), "--workers", str(action_workers)]}
    for number, port in enumerate(rasa_ports, start=1):
        processes[f"rasa-{number}"] = ["rasa", "--port", str(port)]
    processes["inbox"] = ["inbox", "--port", inbox.upstream.rsplit(":", 1)[1]]
    replicas = [argument for port in rasa_ports for argument in ("--rasa", f"{HOST}:{port}")]
    processes["proxy"] = [
        "proxy", "--listen", listen, *replicas, "--inbox", inbox.upstream, "--inbox-listen", inbox.listen,
        "--tls-certificate", inbox.certificate, "--tls-key", inbox.key,
    ]
    return processes


def environment(
    database_url: str, redis_url: str, auth_token: str, action_server_url: str, rasa_url: str,
) -> dict[str, str]:
    """The variables every process of the layout is started with (deploy/clinic.env.example).
    RASA_URL is where the inbox posts staff replies and resumes conversations: one replica."""
    return {
        settings.DATABASE_URL_ENV: database_url, settings.REDIS_URL_ENV: redis_url, "RASA_AUTH_TOKEN": auth_token,
        settings.ACTION_SERVER_URL_ENV: action_server_url, "TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME,
        RASA_URL_ENV: rasa_url,
    }


def render_nginx_conf(listen: str, replicas: Sequence[str], inbox: InboxSite, template: Path = NGINX_TEMPLATE) -> str:
    """deploy/nginx.conf with its placeholders filled in: the patients' listen address, one server
    line per replica, and the inbox's upstream, HTTPS listen address, certificate and key."""
    if not replicas:
        raise ValueError("nginx needs at least one Rasa replica")
    servers = "\n".join(f"        server {replica} max_fails=3 fail_timeout=10s;" for replica in replicas)
    values = {
        "listen": listen, "rasa_servers": servers, "inbox_server": inbox.upstream, "inbox_listen": inbox.listen,
        "tls_certificate": inbox.certificate, "tls_key": inbox.key,
    }

    def fill(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ValueError(f"{template.name} has an unknown placeholder {match.group(0)}")
        return values[match.group(1)]

    return PLACEHOLDER.sub(fill, template.read_text(encoding="utf-8"))


def exec_server(command: list[str], extra_env: dict[str, str]) -> NoReturn:
    """Become the server process, so systemd, a Procfile runner or Docker signal it directly."""
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execve(command[0], command, server_env(extra_env))
    raise AssertionError("execve returned")  # pragma: no cover


def serve_rasa(args: argparse.Namespace) -> int:
    """One Rasa replica: REST and socket.io, one Sanic worker (socket.io needs every request of a
    session in one process), stores from DATABASE_URL and REDIS_URL."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if not token:
        sys.exit("set RASA_AUTH_TOKEN: staff tools resume conversations through Rasa's API with it")
    if not args.model.exists():
        sys.exit(f"no trained model at {args.model}: run `make model` first")
    if settings.redis_url() is None:
        print("REDIS_URL is not set: this replica's locks are its own, so run only one replica", file=sys.stderr)
    run_dir = args.run_dir or VAR / "run" / f"rasa-{args.port}"
    run_dir.mkdir(parents=True, exist_ok=True)
    endpoints = render_endpoints(
        run_dir, ACTION_PORT, settings.tracker_database_url(),
        redis_url=settings.redis_url(), action_url=settings.action_server_url(),
    )
    credentials, _ = write_credentials(run_dir, os.environ)  # messaging channels from the environment
    command = rasa_command(args.model, args.port, endpoints, credentials, token, host=args.host)
    lifetime = os.environ.get("TICKET_LOCK_LIFETIME", TICKET_LOCK_LIFETIME)
    exec_server(command, {**RASA_LIMITS, "SANIC_WORKERS": str(args.workers), "TICKET_LOCK_LIFETIME": lifetime})


def serve_actions(args: argparse.Namespace) -> int:
    """The action server with `--workers` Sanic workers. The tickets' database is migrated first,
    once, before the workers start."""
    from bot.handoff.migrate import upgrade_database

    upgrade_database(settings.handoff_database_url())
    extra = {**ACTION_SERVER_LIMITS, "SANIC_HOST": args.host, "ACTION_SERVER_SANIC_WORKERS": str(args.workers)}
    exec_server(action_server_command(args.port), extra)


def tls_files(args: argparse.Namespace) -> tuple[str, str]:
    """The inbox's certificate and key as absolute paths (nginx reads relative ones from its
    prefix); exits with what to do when one cannot be read."""
    paths = (args.tls_certificate.resolve(), args.tls_key.resolve())
    for path in paths:
        if not os.access(path, os.R_OK):
            sys.exit(f"cannot read {path}: the staff inbox is served over HTTPS only (its cookies are Secure); "
                     "give --tls-certificate and --tls-key files this user can read (docs/production.md)")
    return str(paths[0]), str(paths[1])


def serve_proxy(args: argparse.Namespace) -> int:
    """nginx in the foreground with deploy/nginx.conf rendered into `--prefix`."""
    nginx = find_binary("nginx")
    if nginx is None:
        sys.exit("nginx is not installed (Debian: apt-get install nginx)")
    certificate, key = tls_files(args)
    prefix = args.prefix.resolve()
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(render_nginx_conf(args.listen, args.rasa, InboxSite(args.inbox, args.inbox_listen, certificate, key)),
                      encoding="utf-8")
    exec_server([nginx, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"], {})


def add_production_commands(commands: argparse._SubParsersAction) -> None:
    rasa = commands.add_parser("rasa", help="one Rasa replica (production layout)")
    rasa.add_argument("--port", type=int, required=True)
    rasa.add_argument("--host", default=HOST, help="interface to listen on (default: loopback)")
    rasa.add_argument("--workers", type=int, default=1, help="Sanic workers (keep 1 behind nginx for socket.io)")
    rasa.add_argument("--model", type=Path, default=MODEL)
    rasa.add_argument("--run-dir", type=Path, help="where the rendered endpoints.yml goes (default var/run/rasa-PORT)")
    rasa.set_defaults(handler=serve_rasa)
    actions = commands.add_parser("actions", help="the action server (production layout)")
    actions.add_argument("--port", type=int, default=ACTION_PORT)
    actions.add_argument("--host", default=HOST)
    actions.add_argument("--workers", type=int, default=ACTION_WORKERS)
    actions.set_defaults(handler=serve_actions)
    proxy = commands.add_parser("proxy", help="nginx in front of the Rasa replicas and the staff inbox (production layout)")
    proxy.add_argument("--listen", default=PROXY_LISTEN, help="nginx `listen` value for patients, e.g. 0.0.0.0:8080")
    proxy.add_argument("--rasa", action="append", required=True, help="a replica's HOST:PORT (repeat per replica)")
    proxy.add_argument("--inbox", default=InboxSite.upstream, help="the staff inbox's HOST:PORT (python -m bot inbox)")
    proxy.add_argument("--inbox-listen", default=INBOX_LISTEN, help="nginx `listen` value for the inbox, over HTTPS")
    proxy.add_argument("--tls-certificate", type=Path, default=Path(TLS_CERTIFICATE),
                       help="the inbox's certificate chain (PEM)")
    proxy.add_argument("--tls-key", type=Path, default=Path(TLS_KEY), help="its private key (PEM)")
    proxy.add_argument("--prefix", type=Path, default=VAR / "proxy", help="nginx's folder for config, logs, pid")
    proxy.set_defaults(handler=serve_proxy)
