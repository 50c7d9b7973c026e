"""Alembic environment for the handoff tables; driven by `bot.handoff.migrate.upgrade_database`.

No alembic.ini: the URL comes from the Config object (or an open connection passed in
`config.attributes["connection"]`). Offline mode renders SQL for a DBA to review.
"""

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from bot.handoff.models import Base

config = context.config
target_metadata = Base.metadata
# Any fixed number: PostgreSQL advisory locks are keyed by it.
MIGRATION_LOCK = 7_304_211


def database_url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the ticket migrations")
    return str(url)


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can only ALTER via copies
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several action-server workers or hosts may start at once on a new database: one
            # migrates, the others wait here until it commits, then find nothing left to do.
            # Without this they all try CREATE TABLE alembic_version and all but one fail.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = create_engine(database_url(), future=True)
    try:
        with engine.connect() as connection:
            run_with(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
