"""`python -m bot staff …`: the clinic team's view of handoff tickets.

The main CLI registers these with `add_staff_commands(subparsers)`; every handler takes the
parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import ContextManager, Iterator, Mapping, Sequence, TypeVar

from bot import settings
from bot.handoff.accounts import StaffAccounts
from bot.handoff.migrate import upgrade_database
from bot.handoff.models import Status, utc_now
from bot.handoff.notifier import WEBHOOK_URL_ENV, WebhookNotifier
from bot.handoff.service import replay_spool, retry_notifications
from bot.handoff.spool import HandoffSpool, spool_directory
from bot.handoff.store import REPO, HandoffError, TicketStore, TicketView, default_database_url
from bot.profile import load_profile
from runtime.rasa_store import RASA_TOKEN_ENV, TranscriptUnavailable, read_transcript, resume_conversation, resume_curl

RASA_URL_ENV = "RASA_URL"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
TOKEN_FILE = REPO / "var" / "run" / "auth_token"
TRIGGER_WIDTH = 60

STAFF_HELP = """Handoff tickets raised by the assistant.

    staff list                          open and claimed tickets, most severe and oldest first
    staff show ID                       every field, plus the conversation from the tracker store
    staff claim ID --as NAME            take a ticket (only an open one)
    staff resolve ID --note TEXT        close it and hand the conversation back to the assistant
    staff retry-notifications           re-send staff notifications that are pending or failed
                                        (after writing any spooled handoffs, as replay-spool does)
    staff replay-spool                  write handoffs spooled while the ticket database was down

Accounts of the staff inbox (python -m bot inbox):
"""


def add_staff_commands(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `staff` and its sub-commands on the main CLI's subparsers; returns the `staff` parser."""
    from runtime.staff_accounts import ACCOUNTS_HELP, add_account_commands  # it uses this module's helpers

    staff = subparsers.add_parser(
        "staff", help="handoff tickets: list, show, claim, resolve; inbox accounts",
        description=STAFF_HELP + ACCOUNTS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    staff.add_argument("--database-url",
                       help="handoff database (default: $HANDOFF_DATABASE_URL, $DATABASE_URL or var/handoff.db)")
    staff.add_argument("--tracker-database-url",
                       help="Rasa tracker store (default: $TRACKER_DATABASE_URL, $DATABASE_URL or var/tracker.db)")
    commands = staff.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")

    commands.add_parser("list", help="open and claimed tickets").set_defaults(handler=list_tickets)

    show = commands.add_parser("show", help="one ticket and its conversation")
    show.add_argument("ticket_id", type=int, metavar="ID")
    show.set_defaults(handler=show_ticket)

    claim = commands.add_parser("claim", help="take an open ticket")
    claim.add_argument("ticket_id", type=int, metavar="ID")
    claim.add_argument("--as", dest="staff_name", required=True, metavar="NAME", help="who is taking it")
    claim.set_defaults(handler=claim_ticket)

    resolve = commands.add_parser("resolve", help="close a ticket and resume the conversation")
    resolve.add_argument("ticket_id", type=int, metavar="ID")
    resolve.add_argument("--note", required=True, help="what was done (kept in the ticket's staff notes)")
    resolve.set_defaults(handler=resolve_ticket)

    retry = commands.add_parser("retry-notifications", help="re-send pending or failed staff notifications")
    retry.set_defaults(handler=retry_pending)

    replay = commands.add_parser("replay-spool", help="write handoffs spooled while the ticket database was down")
    replay.set_defaults(handler=replay_spooled)

    add_account_commands(commands)
    return staff


# --- factories (tests point these at temporary databases and loopback servers) -----------------


def store_url(args: argparse.Namespace) -> str:
    return getattr(args, "database_url", None) or default_database_url()


Opened = TypeVar("Opened", TicketStore, StaffAccounts)


@contextmanager
def opened(args: argparse.Namespace, kind: type[Opened]) -> Iterator[Opened]:
    """The ticket store or the staff accounts on the handoff database, migrated first."""
    upgrade_database(store_url(args))  # each staff command is a process start-up
    store = kind(store_url(args))
    try:
        yield store
    finally:
        store.close()


def open_store(args: argparse.Namespace) -> ContextManager[TicketStore]:
    return opened(args, TicketStore)


def make_notifier() -> WebhookNotifier:
    return WebhookNotifier.from_environment()


def clinic_name() -> str:
    try:
        return load_profile().name
    except (OSError, ValueError) as error:
        print(f"warning: clinic profile unreadable ({error}); notifications will say 'the clinic'", file=sys.stderr)
        return "the clinic"


def tracker_database_url(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> str:
    """`--tracker-database-url`, else the conversations' database from bot.settings."""
    return getattr(args, "tracker_database_url", None) or settings.tracker_database_url(environ)


def rasa_url(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return (environ.get(RASA_URL_ENV) or DEFAULT_RASA_URL).rstrip("/")


def rasa_auth_token(environ: Mapping[str, str] | None = None, token_file: Path = TOKEN_FILE) -> str | None:
    """`$RASA_AUTH_TOKEN`, else the token `make run` wrote for this run, else None."""
    environ = os.environ if environ is None else environ
    if environ.get(RASA_TOKEN_ENV):
        return environ[RASA_TOKEN_ENV]
    if token_file.is_file():
        return token_file.read_text(encoding="utf-8").strip() or None
    return None


# --- handlers -----------------------------------------------------------------------------------


def list_tickets(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        tickets = store.list_open()
    if not tickets:
        print("No open tickets.")
        return 0
    now = utc_now()
    rows = [("ID", "SEVERITY", "REASON", "AGE", "CONVERSATION", "STATUS", "TRIGGER")]
    for ticket in tickets:
        rows.append((
            str(ticket.id), ticket.severity.value, ticket.reason.value, format_age(now - ticket.created_at),
            ticket.conversation_id, status_text(ticket), one_line(ticket.trigger_message, TRIGGER_WIDTH),
        ))
    print_table(rows)
    return 0


def show_ticket(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        ticket = store.get(args.ticket_id)
    if ticket is None:
        return fail(f"ticket {args.ticket_id} does not exist")
    print(describe(ticket))
    print()
    print_transcript(tracker_database_url(args), ticket.conversation_id)
    return 0


def claim_ticket(args: argparse.Namespace) -> int:
    try:
        with open_store(args) as store:
            ticket = store.claim(args.ticket_id, args.staff_name)
    except (HandoffError, ValueError) as error:
        return fail(str(error))
    print(f"Ticket {ticket.id} claimed by {ticket.claimed_by}. Conversation: {ticket.conversation_id}")
    return 0


def resolve_ticket(args: argparse.Namespace) -> int:
    """Resolve first, then resume: a failed resume leaves the ticket resolved and says how to
    resume by hand, because the patient's conversation stays paused until someone does."""
    try:
        with open_store(args) as store:
            ticket = store.resolve(args.ticket_id, args.note)
    except (HandoffError, ValueError) as error:
        return fail(str(error))
    print(f"Ticket {ticket.id} resolved.")
    base, token = rasa_url(), rasa_auth_token()
    hand_back = resume_conversation(base, ticket.conversation_id, token)
    if hand_back.not_resumed is not None:
        return fail(
            f"the ticket is resolved, but the conversation could not be resumed: {hand_back.not_resumed}\n"
            f"The assistant stays silent for this patient until it is resumed. Once Rasa is reachable, run:\n"
            f"  {resume_curl(base, ticket.conversation_id)}"
        )
    print(f"Conversation {ticket.conversation_id} resumed: the assistant answers the patient again.")
    if hand_back.not_told is not None:
        return fail(f"the patient was not told (\"You're back with the assistant.\" was not sent): {hand_back.not_told}")
    return 0


def replay_spooled(args: argparse.Namespace) -> int:
    spool = HandoffSpool(spool_directory(database_url=store_url(args)))
    with open_store(args) as store:
        replayed = replay_spool(store, make_notifier(), spool)
    for ticket in replayed:
        print(f"Ticket {ticket.id} written from the spool: {ticket.severity.value} {ticket.reason.value}, "
              f"conversation {ticket.conversation_id}, asked {local_time(ticket.created_at)}")
    remaining = len(spool)
    print(f"Replayed {len(replayed)} spooled handoff(s); {remaining} still in {spool.directory}.")
    return 0 if remaining == 0 else 1


def retry_pending(args: argparse.Namespace) -> int:
    notifier = make_notifier()
    with open_store(args) as store:
        replay_spool(store, notifier, HandoffSpool(spool_directory(database_url=store_url(args))))
        waiting = len(store.pending_notifications())
        if waiting and not notifier.configured:
            return fail(f"{waiting} notification(s) waiting, but ${WEBHOOK_URL_ENV} is not set")
        sent = retry_notifications(store, notifier, clinic_name()) if waiting else 0
        remaining = len(store.pending_notifications())
    print(f"Sent {sent} notification(s); {remaining} still pending or failed.")
    return 0 if remaining == 0 else 1


# --- Rasa ---------------------------------------------------------------------------------------


def print_transcript(url: str, conversation_id: str) -> None:
    print("Transcript:")
    try:
        lines = read_transcript(url, conversation_id)
    except TranscriptUnavailable as unavailable:
        print(f"  unavailable: {unavailable}")
        return
    for line in lines or ["(no messages stored for this conversation)"]:
        print("  " + line.replace("\n", "\n  "))


# --- formatting ---------------------------------------------------------------------------------


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def status_text(ticket: TicketView) -> str:
    claimed = ticket.status is Status.claimed and ticket.claimed_by
    return f"claimed by {ticket.claimed_by}" if claimed else ticket.status.value


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def format_age(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def local_time(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def print_table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1])


def describe(ticket: TicketView) -> str:
    notification = "-"
    if ticket.notification_status is not None:
        notification = f"{ticket.notification_status.value} ({ticket.notification_attempts} attempt(s))"
        if ticket.notification_error:
            notification += f": {ticket.notification_error}"
    findings = "; ".join(
        f"{f.term} ({f.category}{', ' + ', '.join(f.modifiers) if f.modifiers else ''})" for f in ticket.findings
    )
    fields = [
        ("ticket", f"#{ticket.id}"),
        ("status", ticket.status.value),
        ("severity", ticket.severity.value),
        ("reason", ticket.reason.value),
        ("conversation", ticket.conversation_id),
        ("channel", ticket.channel),
        ("created", f"{local_time(ticket.created_at)} ({format_age(utc_now() - ticket.created_at)} ago)"),
        ("updated", local_time(ticket.updated_at)),
        ("claimed by", f"{ticket.claimed_by} at {local_time(ticket.claimed_at)}" if ticket.claimed_by else "-"),
        ("resolved", local_time(ticket.resolved_at)),
        ("notification", notification),
        ("findings", findings or "-"),
        ("trigger", ticket.trigger_message),
        ("staff notes", ticket.staff_notes or "-"),
    ]
    return "\n".join(f"{name + ':':<16} " + value.replace("\n", "\n" + " " * 17) for name, value in fields)
