"""Rasa's SQLTrackerStore, with SQLite tuned for a chat server and patients' words kept out of logs.

On every database, SQL errors no longer carry the statement's parameters (hide_parameters): Rasa
logs a failed save with its exception, which would otherwise copy the patient's message into the
log. The rest only changes SQLite; other databases (PostgreSQL) are left as Rasa sets them up.
- By default SQLite fsyncs its rollback journal on every commit, and Rasa commits once per turn.
  Write-ahead logging with synchronous=NORMAL keeps every committed turn across a crash of the
  process; only a power cut can lose the last few commits.
- SQLAlchemy 1.4 gives file databases a NullPool, which opens a new connection for every query
  session; this keeps a small pool instead (SQLAlchemy 2.0's own default for SQLite files).
"""

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore


def use_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class ClinicSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", use_wal)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self.engine.hide_parameters = True
