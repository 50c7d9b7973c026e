"""SQLite is switched to WAL with a connection pool; the store still round-trips conversations."""

import asyncio
import json

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import DOMAIN
from rasa_ext.tracker_store import ClinicSQLTrackerStore
from tools.local_services import postgres_server


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


def stored_texts(store: ClinicSQLTrackerStore, sender: str) -> list[str]:
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).all()
    return [json.loads(data)["text"] for (data,) in rows]


def test_saving_a_retrieved_tracker_stores_each_new_event_once(tmp_path):
    """Saves skip Rasa's count query for trackers read by retrieve; nothing is stored twice or lost,
    also when the same tracker is saved again, and a tracker built elsewhere still uses the count."""
    store = ClinicSQLTrackerStore(domain=Domain.load(str(DOMAIN)), dialect="sqlite", db=str(tmp_path / "t.db"))
    first = [ActionExecuted("action_listen"), UserUttered("hello", {"name": "greet"})]
    asyncio.run(store.save(DialogueStateTracker.from_events("p", first)))

    tracker = asyncio.run(store.retrieve("p"))
    tracker.update(UserUttered("does it hurt?", {"name": "faq_pain"}))
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("thanks", {"name": "thanks"}))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing written

    rebuilt = DialogueStateTracker.from_events("p", list(tracker.events))
    rebuilt.update(UserUttered("bye", {"name": "goodbye"}))
    asyncio.run(store.save(rebuilt))  # no retrieve: Rasa's own count decides

    assert stored_texts(store, "p") == ["hello", "does it hurt?", "thanks", "bye"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_urls(request, tmp_path_factory):
    """Two empty databases of one kind: one for Rasa's own store, one for ours."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("sqlite")
        yield f"sqlite:///{folder / 'rasa.db'}", f"sqlite:///{folder / 'clinic.db'}"
        return
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        engine = sa.create_engine(url, future=True, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for name in ("rasa_store", "clinic_store"):
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        base = url.rsplit("/", 1)[0]
        yield f"{base}/rasa_store", f"{base}/clinic_store"


def store_for(store_class, url: str):
    parts = sa.engine.make_url(url)
    return store_class(domain=Domain.load(str(DOMAIN)), dialect=parts.drivername, host=parts.host,
                       port=parts.port, db=parts.database, username=parts.username)


def two_session_conversation() -> list:
    return [
        ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.1),
        ActionExecuted("action_listen", timestamp=1.2),
        UserUttered("hello", {"name": "greet", "confidence": 0.9}, timestamp=2.0),
        ActionExecuted("utter_greet", timestamp=2.1), BotUttered("Hi!", timestamp=2.2),
        ActionExecuted("action_session_start", timestamp=10.0), SessionStarted(timestamp=10.1),
        ActionExecuted("action_listen", timestamp=10.2),
        UserUttered("does it hurt?", {"name": "faq_pain", "confidence": 0.8}, timestamp=11.0),
    ]


def test_reads_and_writes_exactly_what_rasas_own_store_does(database_urls):
    """Same rows (all columns but the id), same latest-session and full trackers, on SQLite and PostgreSQL."""
    stores = [store_for(SQLTrackerStore, database_urls[0]), store_for(ClinicSQLTrackerStore, database_urls[1])]
    for store in stores:
        asyncio.run(store.save(DialogueStateTracker.from_events("p", two_session_conversation()[:6])))
        tracker = asyncio.run(store.retrieve("p"))  # as the processor does on each message
        for event in two_session_conversation()[6:]:
            tracker.update(event)
        asyncio.run(store.save(tracker))
        # A tracker not read by retrieve (as for a new conversation): the latest session's stored
        # events are counted, and only what comes after them is written.
        latest_session = two_session_conversation()[7:]  # from SessionStarted on, as retrieve reads it
        rebuilt = DialogueStateTracker.from_events("p", [*latest_session, BotUttered("A little.", timestamp=11.5)])
        asyncio.run(store.save(rebuilt))

    def rows(store):
        with store.engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
            ).all()

    def dumped(tracker):
        return [event.as_dict() for event in tracker.events]

    theirs, ours = stores
    assert rows(ours) == rows(theirs) and len(rows(ours)) == 11
    latest = [asyncio.run(store.retrieve("p")) for store in stores]
    assert dumped(latest[1]) == dumped(latest[0]) and len(latest[1].events) == 4
    full = [asyncio.run(store.retrieve_full_tracker("p")) for store in stores]
    assert dumped(full[1]) == dumped(full[0]) and len(full[1].events) == 11
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_a_failed_statement_does_not_carry_the_patients_words(tmp_path):
    store = ClinicSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    with pytest.raises(sa.exc.DBAPIError) as failure, store.engine.connect() as connection:
        connection.execute(sa.text("insert into no_such_table values (:text)"), {"text": "my face is swollen"})
    assert "no_such_table" in str(failure.value) and "swollen" not in str(failure.value)
