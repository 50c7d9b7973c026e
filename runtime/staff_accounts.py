"""`python -m bot staff add-user | users | passwd | disable | enable | remove-user`: the staff inbox's
accounts, for whoever manages the clinic team (bot/handoff/accounts.py does the work).

Registered by runtime/staff_cli.py under `staff`; each handler opens the handoff database through
`staff_cli.opened`, which migrates it first, as every staff command does.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.handoff.accounts import AccountError, AccountInfo, StaffAccounts, normalize_name
from runtime.staff_cli import fail, local_time, opened, print_table

ACCOUNTS_HELP = """    staff add-user NAME --display-name "Full Name" [--password-stdin]
                                        a sign-in for the staff inbox (python -m bot inbox); asks
                                        for the password twice, or reads one line from stdin
    staff users                         every account: name, display name, active, last sign-in
    staff passwd NAME [--password-stdin]
                                        a new password; the account's open sessions end
    staff disable NAME                  no more sign-ins; the account's open sessions end at once
    staff enable NAME                   may sign in again (with the same password)
    staff remove-user NAME              delete the account (tickets keep its display name)
"""


def add_account_commands(commands: argparse._SubParsersAction) -> None:
    """Register the account sub-commands on `staff`'s subparsers."""
    add_user = commands.add_parser("add-user", help="create a staff account for the inbox")
    add_user.add_argument("name", metavar="NAME", help="sign-in name: lowercase letters, digits, '.', '_', '-'")
    add_user.add_argument("--display-name", required=True, help="the name shown on tickets and to patients")
    add_password_stdin(add_user)
    add_user.set_defaults(handler=add_staff_user)

    commands.add_parser("users", help="list the inbox's staff accounts").set_defaults(handler=list_users)

    passwd = commands.add_parser("passwd", help="set a new password (ends the account's sessions)")
    passwd.add_argument("name", metavar="NAME")
    add_password_stdin(passwd)
    passwd.set_defaults(handler=change_password)

    for command, handler, text in (
        ("disable", disable_user, "stop an account signing in; its open sessions end at once"),
        ("enable", enable_user, "let a disabled account sign in again"),
        ("remove-user", remove_user, "delete an account (tickets keep its display name)"),
    ):
        parser = commands.add_parser(command, help=text)
        parser.add_argument("name", metavar="NAME")
        parser.set_defaults(handler=handler)


def add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input (for scripts)")


def add_staff_user(args: argparse.Namespace) -> int:
    try:
        password = read_password(args.password_stdin)
        with opened(args, StaffAccounts) as store:
            staff = store.add_user(args.name, args.display_name, password)
    except AccountError as error:
        return fail(str(error))
    print(f"Staff account {staff.name} ({staff.display_name}) created: sign in at the staff inbox (python -m bot inbox).")
    return 0


def list_users(args: argparse.Namespace) -> int:
    with opened(args, StaffAccounts) as store:
        users = store.users()
    if not users:
        print("No staff accounts: create one with `staff add-user NAME --display-name \"Full Name\"`.")
        return 0
    rows = [("NAME", "ACTIVE", "LAST SIGN-IN", "DISPLAY NAME")]
    rows += [(user.name, "yes" if user.active else "no", last_sign_in(user), user.display_name) for user in users]
    print_table(rows)
    return 0


def last_sign_in(user: AccountInfo) -> str:
    return local_time(user.last_sign_in_at) if user.last_sign_in_at else "never"


def change_password(args: argparse.Namespace) -> int:
    try:
        password = read_password(args.password_stdin)
        with opened(args, StaffAccounts) as store:
            ended = store.set_password(args.name, password)
    except AccountError as error:
        return fail(str(error))
    print(f"New password set for {normalize_name(args.name)}{sessions_ended(ended)}.")
    return 0


def disable_user(args: argparse.Namespace) -> int:
    try:
        with opened(args, StaffAccounts) as store:
            ended = store.disable(args.name)
    except AccountError as error:
        return fail(str(error))
    print(f"Staff account {normalize_name(args.name)} disabled: it cannot sign in{sessions_ended(ended)}.")
    return 0


def enable_user(args: argparse.Namespace) -> int:
    try:
        with opened(args, StaffAccounts) as store:
            store.enable(args.name)
    except AccountError as error:
        return fail(str(error))
    print(f"Staff account {normalize_name(args.name)} enabled: it can sign in again.")
    return 0


def remove_user(args: argparse.Namespace) -> int:
    try:
        with opened(args, StaffAccounts) as store:
            removed = store.remove(args.name)
    except AccountError as error:
        return fail(str(error))
    print(f"Staff account {removed.name} removed; tickets keep the name {removed.display_name!r}.")
    return 0


def sessions_ended(count: int) -> str:
    return f"; {count} open session(s) ended" if count else ""


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AccountError("the two passwords differ")
    return first
