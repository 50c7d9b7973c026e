"""Bring a handoff database up to the latest schema, from any working directory."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

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


class SchemaNotCurrent(RuntimeError):
    """The handoff database is not at the latest schema: migrations run at start-up or deploy."""


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def require_current_schema(url: str) -> None:
    """Raise SchemaNotCurrent unless `url`'s schema is the latest. Every process that opens the
    ticket store migrates at its start (the action server, `python -m bot actions`, the staff and
    retention commands), so this only fires when one did not."""
    try:
        revision = current_revision(url)
    except OperationalError as error:  # e.g. a SQLite directory that does not exist
        raise SchemaNotCurrent(f"the handoff database cannot be read ({type(error.orig).__name__}); "
                               "run `python -m bot migrate`") from error
    if revision != head_revision():
        raise SchemaNotCurrent(f"the handoff database is at schema {revision or 'none'}, not {head_revision()}: "
                               "run `python -m bot migrate` (the action server does at start-up)")
