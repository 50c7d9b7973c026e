import sqlite3
import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.handoff import TicketStore, upgrade_database
from bot.handoff.migrate import SchemaNotCurrent, alembic_config, current_revision
from bot.handoff.models import Base
from runtime.cli import main


def test_upgrade_creates_both_tables_with_their_indexes(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'handoff.db'}"
    upgrade_database(url)
    assert (tmp_path / "nested" / "dir" / "handoff.db").is_file()
    inspector = inspect(create_engine(url, future=True))
    assert {"tickets", "notifications", "alembic_version"} <= set(inspector.get_table_names())
    assert {c["name"] for c in inspector.get_columns("tickets")} == {
        "id", "conversation_id", "channel", "reason", "severity", "findings", "trigger_message", "status",
        "claimed_by", "staff_notes", "created_at", "updated_at", "claimed_at", "resolved_at", "spool_id",
    }
    assert {c["name"] for c in inspector.get_columns("notifications")} == {
        "id", "ticket_id", "status", "attempts", "last_error", "created_at", "sent_at",
    }
    ticket_indexes = {i["name"]: i for i in inspector.get_indexes("tickets")}
    assert set(ticket_indexes) == {"ix_tickets_conversation_id", "ix_tickets_status", "ix_tickets_spool_id"}
    assert ticket_indexes["ix_tickets_spool_id"]["unique"]
    indexes = {i["name"]: i for i in inspector.get_indexes("notifications")}
    assert set(indexes) == {"ix_notifications_ticket_id", "ix_notifications_status"}
    assert indexes["ix_notifications_ticket_id"]["unique"]
    [foreign_key] = inspector.get_foreign_keys("notifications")
    assert foreign_key["referred_table"] == "tickets" and foreign_key["options"].get("ondelete") == "CASCADE"
    assert current_revision(url) == "0004"


def test_upgrade_creates_the_staff_account_and_session_tables(tmp_path):
    url = migrated_url(tmp_path)
    inspector = inspect(create_engine(url, future=True))
    assert {c["name"] for c in inspector.get_columns("staff_users")} == {
        "id", "name", "display_name", "password_hash", "created_at", "disabled_at", "last_sign_in_at",
    }
    assert {c["name"] for c in inspector.get_columns("staff_sessions")} == {
        "id", "token_hash", "user_id", "csrf_token", "created_at", "expires_at",
    }
    assert {i["name"]: i["unique"] for i in inspector.get_indexes("staff_sessions")} == {
        "ix_staff_sessions_token_hash": 1, "ix_staff_sessions_user_id": 0,
    }
    [foreign_key] = inspector.get_foreign_keys("staff_sessions")
    assert foreign_key["referred_table"] == "staff_users" and foreign_key["options"].get("ondelete") == "CASCADE"


def test_accounts_made_before_0004_stay_active_and_0004_can_be_undone(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    command.upgrade(alembic_config(url), "0003")
    with create_engine(url, future=True).begin() as connection:
        connection.execute(text(
            "insert into staff_users (name, display_name, password_hash, created_at)"
            " values ('anna', 'Anna', 'x', '2026-12-07 09:00:00')"
        ))
    upgrade_database(url)
    with create_engine(url, future=True).connect() as connection:
        assert connection.execute(text("select name, disabled_at, last_sign_in_at from staff_users")).all() == [
            ("anna", None, None)]
    command.downgrade(alembic_config(url), "0003")
    columns = {c["name"] for c in inspect(create_engine(url, future=True)).get_columns("staff_users")}
    assert columns == {"id", "name", "display_name", "password_hash", "created_at"}


def migrated_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    upgrade_database(url)
    return url


def test_upgrade_is_idempotent_and_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    upgrade_database(url)
    store = TicketStore(url)
    ticket = store.create_ticket("c", "rest", "human_request", "routine", [], "a person please")
    store.close()
    upgrade_database(url)
    upgrade_database(url)
    again = TicketStore(url)
    assert again.get(ticket.id) == ticket
    assert current_revision(url) == "0004"


def test_migrations_match_the_models(tmp_path):
    """Autogenerate finds nothing to do: the hand-written migration and the models agree."""
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    upgrade_database(url)
    with create_engine(url, future=True).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_works_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    upgrade_database("sqlite:///relative/handoff.db")
    with sqlite3.connect(tmp_path / "relative" / "handoff.db") as connection:
        assert connection.execute("select version_num from alembic_version").fetchone() == ("0004",)


def test_in_memory_sqlite_is_refused_clearly():
    with pytest.raises(ValueError, match="file database"):
        upgrade_database("sqlite://")


def test_a_database_from_the_first_schema_is_upgraded_with_its_tickets(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    command.upgrade(alembic_config(url), "0001")
    with create_engine(url, future=True).begin() as connection:
        connection.execute(text(
            "insert into tickets (conversation_id, channel, reason, severity, findings, trigger_message, status,"
            " staff_notes, created_at, updated_at) values ('c', 'rest', 'human_request', 'routine', '[]', 'hi',"
            " 'open', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))
    with pytest.raises(SchemaNotCurrent, match="at schema 0001, not 0004: run `python -m bot migrate`"):
        TicketStore(url)  # the store does not migrate; start-up does
    assert main(["migrate", "--database-url", url]) == 0
    store = TicketStore(url)
    [ticket] = store.list_open()
    assert ticket.conversation_id == "c" and current_revision(url) == "0004"
    store.create_ticket("d", "rest", "human_request", "routine", [], "x", spool_id="s-1")
    assert store.ticket_for_spool_id("s-1").conversation_id == "d"


def test_a_store_on_a_new_database_is_refused_until_start_up_migrates_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with pytest.raises(SchemaNotCurrent, match="at schema none"):
        TicketStore(url)
    with pytest.raises(SchemaNotCurrent, match="cannot be read"):
        TicketStore(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")


def test_threads_migrating_and_opening_a_new_database_at_once_all_get_a_working_store(tmp_path):
    """Start-up migrations of several processes' threads may meet on a new database."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    errors: list = []

    def open_and_write(number: int) -> None:
        try:
            upgrade_database(url)
            store = TicketStore(url)
            store.create_ticket(f"conv-{number}", "rest", "side_effect", "routine", [], "swollen")
            store.close()
        except Exception as error:  # collected: an exception in a thread would not fail the test
            errors.append(repr(error))

    threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(url) == "0004"
