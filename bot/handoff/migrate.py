"""Bring a handoff database up to the latest schema, from any working directory."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic Config built in code, so no alembic.ini is needed at runtime."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats "%" as interpolation; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["url"] = url
    return config


def ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("the handoff store needs a file database; in-memory SQLite would vanish between connections")
    Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


# Alembic's command API works through module-level state (alembic.context), so two threads of one
# process migrating at once break each other (seen as KeyError 'script' when the first handoffs of
# an action server arrived together). Across processes, migrations/env.py takes a database lock.
MIGRATING = threading.Lock()


def upgrade_database(url: str) -> None:
    """`alembic upgrade head` on `url`; a no-op when the schema is already current."""
    ensure_sqlite_directory(url)
    with MIGRATING:
        command.upgrade(alembic_config(url), "head")


def current_revision(url: str) -> str | None:
    """The database's Alembic revision, or None before the first migration."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
