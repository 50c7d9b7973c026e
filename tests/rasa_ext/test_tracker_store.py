"""SQLite is switched to WAL with a connection pool; the store still round-trips conversations."""

import asyncio

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import DOMAIN
from rasa_ext.tracker_store import ClinicSQLTrackerStore


def test_sqlite_runs_in_wal_mode_and_round_trips_a_conversation(tmp_path):
    domain = Domain.load(str(DOMAIN))
    store = ClinicSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    tracker = DialogueStateTracker.from_events(
        "patient-1", [ActionExecuted("action_listen"), UserUttered("does it hurt?", {"name": "faq_pain"})]
    )
    asyncio.run(store.save(tracker))
    restored = asyncio.run(store.retrieve("patient-1"))
    assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["does it hurt?"]


def test_a_failed_statement_does_not_carry_the_patients_words(tmp_path):
    store = ClinicSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    with pytest.raises(sa.exc.DBAPIError) as failure, store.engine.connect() as connection:
        connection.execute(sa.text("insert into no_such_table values (:text)"), {"text": "my face is swollen"})
    assert "no_such_table" in str(failure.value) and "swollen" not in str(failure.value)
