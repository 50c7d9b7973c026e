"""`python -m bot …`: run the assistant, open the staff shell, work the staff handoff queue (or serve
its web inbox), purge and erase patients' data, or run one process of the production layout
(rasa, actions, proxy: runtime/production.py)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Sequence

from bot import settings
from bot.handoff.migrate import current_revision, upgrade_database
from bot.paths import MODEL, ROOT, VAR
from bot.website import PAGE_PATH, SOCKET_IO_BUNDLE
from runtime.channels import ChannelConfigError, describe
from runtime.inbox.serve import add_inbox_command
from runtime.production import add_production_commands
from runtime.retention import add_retention_commands
from runtime.servers import (
    HOST,
    RASA,
    ServerError,
    free_port,
    port_is_free,
    render_endpoints,
    running_stack,
    start_action_server,
)
from runtime.staff_cli import add_staff_commands


def require_model() -> None:
    if not MODEL.exists():
        sys.exit(f"no trained model at {MODEL.relative_to(ROOT)}: run `make model` first")


def website_note() -> str:
    if SOCKET_IO_BUNDLE.exists():
        return "(the clinic page with the chat widget)"
    return "(the chat widget's npm package is missing: run `make setup`)"


def exit_on_first_signal(signum: int, _frame: object) -> None:
    """SIGTERM (kill, systemd, CI) unwinds like Ctrl-C so both servers are stopped with us; a
    second signal during that clean-up is ignored rather than cutting it short."""
    signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(0)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def run(args: argparse.Namespace) -> int:
    """Serve patients: action server + Rasa server with REST and socket.io, SQLite tracker store."""
    require_model()
    signal.signal(signal.SIGTERM, exit_on_first_signal)
    print("Starting the action server and the Rasa server (loading the model takes ~15 s)…", flush=True)
    try:
        with running_stack(
            MODEL,
            run_dir=args.run_dir,
            tracker_db=settings.tracker_database_url(),  # DATABASE_URL, else SQLite under var/
            redis_url=settings.redis_url(),
            rasa_port=args.rasa_port,
            action_port=args.action_port,
        ) as stack:
            print(f"""
The clinic assistant is running.
  Website:    {stack.rasa_url}{PAGE_PATH}   {website_note()}
  REST:       curl -s -XPOST {stack.rasa_url}/webhooks/rest/webhook -d '{{"sender":"me","message":"what is mesotherapy?"}}'
  socket.io:  {stack.rasa_url}/socket.io
  Messaging:  {describe(stack.channels)}
  Actions:    {stack.action_url}/health
  Model:      {stack.status()["model_file"]}
  Logs:       {shown(args.run_dir / "rasa.log")}, {shown(args.run_dir / "actions.log")}
  Staff API token (for /conversations, /model/parse): in RASA_AUTH_TOKEN, or this run's: {stack.auth_token}
Press Ctrl-C to stop.""", flush=True)
            while all(p.process.poll() is None for p in stack.processes):
                time.sleep(1)
            print(f"a server stopped unexpectedly; see {shown(args.run_dir)}/*.log", file=sys.stderr)
            return 1
    except (ServerError, ChannelConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0


def shell_stores(keep: bool) -> tuple[Path | None, dict[str, str]]:
    """Where a staff chat goes: the tracker database (None: in memory) and the action server's
    ticket settings. A test chat stays out of the patients' stores and notifies nobody; `keep`
    puts conversation and tickets in the patients' stores, where `bot staff` sees them."""
    if keep:
        return VAR / "tracker.db", {}
    return None, {"HANDOFF_DATABASE_URL": f"sqlite:///{VAR / 'shell' / 'handoff.db'}", "HANDOFF_WEBHOOK_URL": ""}


def shell(args: argparse.Namespace) -> int:
    """Staff chats in `rasa shell` with the same model, actions, screen and handoff as patients
    get, on its own action server. By default a test chat: conversation in memory, tickets in
    var/shell/handoff.db, no staff notification. `--keep` stores it like a patient's."""
    require_model()
    for signum in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or a kill still stops both servers
        signal.signal(signum, exit_on_first_signal)
    run_dir = VAR / "shell"
    run_dir.mkdir(parents=True, exist_ok=True)
    if not port_is_free(args.shell_port):
        print(f"error: port {args.shell_port} is busy: pass another with --shell-port", file=sys.stderr)
        return 1
    tracker_db, ticket_env = shell_stores(args.keep)
    conversation_id = f"staff-{uuid.uuid4().hex[:12]}"
    action_port = args.action_port or free_port()
    where = "in the patients' stores (var/tracker.db, tickets as configured)" if args.keep else \
        "in memory only; test tickets in var/shell/handoff.db, staff not notified"
    print(f"Staff chat {conversation_id}: {where}. Starting the action server…", flush=True)
    try:
        action_server = start_action_server(action_port, run_dir, extra_env=ticket_env)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    endpoints = render_endpoints(run_dir, action_port, tracker_db=tracker_db)
    command = [
        *RASA, "shell", "--model", str(MODEL), "--endpoints", str(endpoints),
        "--interface", HOST, "--port", str(args.shell_port), "--conversation-id", conversation_id,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
    try:
        return subprocess.call(command, cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        action_server.stop()


def migrate(args: argparse.Namespace) -> int:
    url = args.database_url or settings.handoff_database_url()
    upgrade_database(url)
    print(f"handoff database at schema {current_revision(url)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="serve the assistant on loopback")
    run_parser.add_argument("--rasa-port", type=int, default=5005)
    run_parser.add_argument("--action-port", type=int, default=5055)
    run_parser.add_argument("--run-dir", type=Path, default=VAR / "run", help="logs and this run's settings")
    run_parser.set_defaults(handler=run)
    shell_parser = commands.add_parser("shell", help="staff test chats in rasa shell")
    shell_parser.add_argument("--action-port", type=int, default=None, help="default: a free port")
    shell_parser.add_argument("--shell-port", type=int, default=5006)
    shell_parser.add_argument("--keep", action="store_true",
                              help="store the chat and its tickets in the patients' stores")
    shell_parser.set_defaults(handler=shell)
    migrate_parser = commands.add_parser("migrate", help="bring the handoff database to the latest schema (deploy step)")
    migrate_parser.add_argument("--database-url", help="default: $HANDOFF_DATABASE_URL, $DATABASE_URL or var/handoff.db")
    migrate_parser.set_defaults(handler=migrate)
    add_staff_commands(commands)
    add_inbox_command(commands)
    add_retention_commands(commands)
    add_production_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
