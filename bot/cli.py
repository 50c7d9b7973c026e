"""`python -m bot …`: run the assistant, open the staff shell, work the staff handoff queue, or run
one process of the production layout (rasa, actions, proxy: bot/production.py)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Sequence

from bot import settings
from bot.handoff.staff_cli import add_staff_commands
from bot.paths import MODEL, ROOT, VAR
from bot.production import add_production_commands
from bot.servers import (
    RASA,
    ServerError,
    port_is_free,
    render_endpoints,
    running_stack,
    start_action_server,
)


def require_model() -> None:
    if not MODEL.exists():
        sys.exit(f"no trained model at {MODEL.relative_to(ROOT)}: run `make model` first")


def exit_on_first_signal(signum: int, _frame: object) -> None:
    """SIGTERM (kill, systemd, CI) unwinds like Ctrl-C so both servers are stopped with us; a
    second signal during that clean-up is ignored rather than cutting it short."""
    signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(0)


def run(args: argparse.Namespace) -> int:
    """Serve patients: action server + Rasa server with REST and socket.io, SQLite tracker store."""
    require_model()
    signal.signal(signal.SIGTERM, exit_on_first_signal)
    print("Starting the action server and the Rasa server (loading the model takes ~15 s)…", flush=True)
    try:
        with running_stack(
            MODEL,
            run_dir=VAR / "run",
            tracker_db=settings.tracker_database_url(),  # DATABASE_URL, else SQLite under var/
            redis_url=settings.redis_url(),
            rasa_port=args.rasa_port,
            action_port=args.action_port,
        ) as stack:
            print(f"""
The clinic assistant is running.
  REST:       curl -s -XPOST {stack.rasa_url}/webhooks/rest/webhook -d '{{"sender":"me","message":"what is mesotherapy?"}}'
  socket.io:  {stack.rasa_url}/socket.io
  Actions:    {stack.action_url}/health
  Model:      {stack.status()["model_file"]}
  Logs:       var/run/rasa.log, var/run/actions.log
  Staff API token (for /conversations, /model/parse): in RASA_AUTH_TOKEN, or this run's: {stack.auth_token}
Press Ctrl-C to stop.""", flush=True)
            while all(p.process.poll() is None for p in stack.processes):
                time.sleep(1)
            print("a server stopped unexpectedly; see var/run/*.log", file=sys.stderr)
            return 1
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0


def shell(args: argparse.Namespace) -> int:
    """Staff test chats in `rasa shell`: same model, same actions, conversations kept in memory
    (out of the patients' store). Reuses a running action server, or starts one."""
    require_model()
    run_dir = VAR / "shell"
    run_dir.mkdir(parents=True, exist_ok=True)
    action_server = None
    if port_is_free(args.action_port):
        print("Starting the action server (test tickets go to var/shell/handoff.db)…", flush=True)
        test_tickets = {"HANDOFF_DATABASE_URL": f"sqlite:///{run_dir / 'handoff.db'}"}
        action_server = start_action_server(args.action_port, run_dir, extra_env=test_tickets)
    endpoints = render_endpoints(run_dir, args.action_port, tracker_db=None)
    command = [
        *RASA, "shell", "--model", str(MODEL),
        "--endpoints", str(endpoints), "--port", str(args.shell_port),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
    try:
        return subprocess.call(command, cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        if action_server is not None:
            action_server.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="serve the assistant on loopback")
    run_parser.add_argument("--rasa-port", type=int, default=5005)
    run_parser.add_argument("--action-port", type=int, default=5055)
    run_parser.set_defaults(handler=run)
    shell_parser = commands.add_parser("shell", help="staff test chats in rasa shell")
    shell_parser.add_argument("--action-port", type=int, default=5055)
    shell_parser.add_argument("--shell-port", type=int, default=5006)
    shell_parser.set_defaults(handler=shell)
    add_staff_commands(commands)
    add_production_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
