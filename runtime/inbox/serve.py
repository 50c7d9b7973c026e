"""`python -m bot inbox`: serve the staff inbox, on loopback unless told otherwise."""

from __future__ import annotations

import argparse

from bot import settings
from bot.handoff.migrate import upgrade_database
from runtime.inbox.app import InboxSettings, build_app
from runtime.servers import HOST
from runtime.staff_cli import rasa_auth_token, rasa_url

DEFAULT_PORT = 5010


def add_inbox_command(subparsers: argparse._SubParsersAction) -> None:
    inbox = subparsers.add_parser(
        "inbox", help="the staff inbox in a browser (accounts: staff add-user)",
        description="Serve the staff inbox: open tickets by severity and age, transcripts, claim, note, resolve. "
                    "Publish it only through HTTPS (nginx): its cookies are Secure.",
    )
    inbox.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST}, loopback only)")
    inbox.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    inbox.add_argument("--database-url",
                       help="handoff database (default: $HANDOFF_DATABASE_URL, $DATABASE_URL or var/handoff.db)")
    inbox.add_argument("--tracker-database-url",
                       help="Rasa tracker store (default: $TRACKER_DATABASE_URL, $DATABASE_URL or var/tracker.db)")
    inbox.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    database_url = args.database_url or settings.handoff_database_url()
    upgrade_database(database_url)  # a process start-up migrates, as the action server does
    app = build_app(InboxSettings(
        database_url=database_url,
        tracker_database_url=args.tracker_database_url or settings.tracker_database_url(),
        rasa_url=rasa_url(),
        rasa_token=rasa_auth_token,
    ))
    print(f"Staff inbox on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0
