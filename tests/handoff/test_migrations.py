import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.handoff import TicketStore, upgrade_database
from bot.handoff.migrate import current_revision
from bot.handoff.models import Base


def test_upgrade_creates_both_tables_with_their_indexes(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'handoff.db'}"
    upgrade_database(url)
    assert (tmp_path / "nested" / "dir" / "handoff.db").is_file()
    inspector = inspect(create_engine(url, future=True))
    assert {"tickets", "notifications", "alembic_version"} <= set(inspector.get_table_names())
    assert {c["name"] for c in inspector.get_columns("tickets")} == {
        "id", "conversation_id", "channel", "reason", "severity", "findings", "trigger_message", "status",
        "claimed_by", "staff_notes", "created_at", "updated_at", "claimed_at", "resolved_at",
    }
    assert {c["name"] for c in inspector.get_columns("notifications")} == {
        "id", "ticket_id", "status", "attempts", "last_error", "created_at", "sent_at",
    }
    assert {i["name"] for i in inspector.get_indexes("tickets")} == {"ix_tickets_conversation_id", "ix_tickets_status"}
    indexes = {i["name"]: i for i in inspector.get_indexes("notifications")}
    assert set(indexes) == {"ix_notifications_ticket_id", "ix_notifications_status"}
    assert indexes["ix_notifications_ticket_id"]["unique"]
    [foreign_key] = inspector.get_foreign_keys("notifications")
    assert foreign_key["referred_table"] == "tickets" and foreign_key["options"].get("ondelete") == "CASCADE"
    assert current_revision(url) == "0001"


def test_upgrade_is_idempotent_and_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    store = TicketStore(url)
    ticket = store.create_ticket("c", "rest", "human_request", "routine", [], "a person please")
    store.close()
    upgrade_database(url)
    upgrade_database(url)
    again = TicketStore(url)
    assert again.get(ticket.id) == ticket
    assert current_revision(url) == "0001"


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
        assert connection.execute("select version_num from alembic_version").fetchone() == ("0001",)


def test_in_memory_sqlite_is_refused_clearly():
    with pytest.raises(ValueError, match="file database"):
        upgrade_database("sqlite://")
