"""`purge` and `erase` on real stores: Rasa's own SQLTrackerStore writes the conversations, the ticket
store the tickets, rasa_ext's and Rasa's lock stores the locks; on SQLite and on PostgreSQL."""

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.handoff import TicketStore
from bot.handoff.spool import HandoffRequest, HandoffSpool
from bot.paths import ROOT
from rasa_ext.lock_store import SQLiteLockStore
from runtime.retention import DataStores, erase, parse_age, purge
from tests.support.stores import migrated
from tools.local_services import postgres_server, redis_server

NOW = datetime.now(timezone.utc)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path):
    """(tracker URL, ticket URL) on one kind of database, emptied afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'handoff.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url, url
    engine = sa.create_engine(url, future=True)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def stores(urls, tmp_path) -> DataStores:
    tracker_url, handoff_url = urls
    return DataStores(tracker_url, migrated(handoff_url), HandoffSpool(tmp_path / "spool"), tmp_path / "locks.db")


def save_conversation(tracker_url: str, sender: str, *when: datetime) -> None:
    """A conversation as Rasa stores it: a session start, then one exchange at each time."""
    store = SQLTrackerStore(host=tracker_url)
    start = when[0].timestamp() - 1
    events = [SessionStarted(timestamp=start), ActionExecuted("action_listen", timestamp=start)]
    for moment in when:
        events += [UserUttered(f"hello from {sender}", timestamp=moment.timestamp()),
                   BotUttered("hello", timestamp=moment.timestamp() + 0.5)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def senders(tracker_url: str) -> dict[str, int]:
    engine = sa.create_engine(tracker_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("select sender_id, count(*) from events group by sender_id")).all()
    engine.dispose()
    return dict(rows)


def ticket_store_at(url: str, moment: datetime) -> TicketStore:
    return TicketStore(url, clock=lambda: moment)


def test_purge_removes_idle_conversations_and_old_resolved_tickets_only(stores):
    save_conversation(stores.tracker_url, "idle", days_ago(120), days_ago(100))
    save_conversation(stores.tracker_url, "came-back", days_ago(120), days_ago(1))
    save_conversation(stores.tracker_url, "idle-but-ticket-open", days_ago(100))
    save_conversation(stores.tracker_url, "recent", days_ago(2))
    old = ticket_store_at(stores.handoff_url, days_ago(100))
    resolved_long_ago = old.create_ticket("idle", "rest", "side_effect", "routine", [], "swollen")
    old.resolve(resolved_long_ago.id, "called back")
    still_open = old.create_ticket("idle-but-ticket-open", "rest", "side_effect", "urgent", [], "lump")
    resolved_recently = old.create_ticket("recent", "rest", "side_effect", "routine", [], "bruise")
    ticket_store_at(stores.handoff_url, days_ago(10)).resolve(resolved_recently.id, "fine")

    removed = purge(stores, parse_age("90d"), now=NOW)

    assert (removed.conversations, removed.tickets) == (1, 1)
    assert removed.events == 6 and removed.kept_with_open_tickets == ["idle-but-ticket-open"]
    assert set(senders(stores.tracker_url)) == {"came-back", "idle-but-ticket-open", "recent"}
    assert senders(stores.tracker_url)["came-back"] == 6  # untouched: its last event is recent
    tickets = TicketStore(stores.handoff_url)
    assert tickets.get(resolved_long_ago.id) is None
    assert tickets.get(still_open.id) is not None and tickets.get(resolved_recently.id) is not None
    assert purge(stores, parse_age("90d"), now=NOW).conversations == 0  # nothing left to do


def test_erase_removes_one_conversation_everywhere_and_nothing_else(stores):
    for sender in ("erase-me", "keep-me"):
        save_conversation(stores.tracker_url, sender, days_ago(1))
        ticket = TicketStore(stores.handoff_url).create_ticket(sender, "rest", "emergency", "emergency", [], "help")
        TicketStore(stores.handoff_url).record_notification(ticket.id, "failed", "webhook down")
        stores.spool.add(HandoffRequest(sender, "rest", "side_effect", "routine", [], "swollen", "Clinic"))
        locks = SQLiteLockStore(EndpointConfig(db=str(stores.locks_db)))
        locks.issue_ticket(sender)

    removed = erase(stores, "erase-me")

    assert (removed.conversations, removed.events, removed.tickets, removed.spool_entries, removed.locks) == (1, 4, 1, 1, 1)
    assert set(senders(stores.tracker_url)) == {"keep-me"}
    tickets = TicketStore(stores.handoff_url)
    assert [t.conversation_id for t in tickets.list_open()] == ["keep-me"]
    engine = sa.create_engine(stores.handoff_url, future=True)
    with engine.connect() as connection:  # the notification row went with its ticket
        assert connection.execute(sa.text("select count(*) from notifications")).scalar_one() == 1
    engine.dispose()
    assert [r.conversation_id for _, r in stores.spool.entries()] == ["keep-me"]
    assert locks.get_lock("erase-me") is None and locks.get_lock("keep-me") is not None


def test_erase_removes_the_conversations_redis_lock(tmp_path):
    with redis_server(tmp_path / "redis") as url:
        host_port = url.split("//")[1].split("/")[0]
        host, port = host_port.split(":")
        lock_store = RedisLockStore(host=host, port=int(port), db=0, key_prefix="clinic")
        for sender in ("erase-me", "keep-me"):
            lock_store.issue_ticket(sender)
        stores = DataStores(f"sqlite:///{tmp_path / 't.db'}", f"sqlite:///{tmp_path / 'h.db'}",
                            HandoffSpool(tmp_path / "spool"), None, url)
        assert erase(stores, "erase-me").locks == 1
        assert lock_store.get_lock("erase-me") is None and lock_store.get_lock("keep-me") is not None


def test_purge_and_erase_on_empty_or_missing_stores_remove_nothing_and_create_nothing(tmp_path):
    stores = DataStores(f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'handoff.db'}",
                        HandoffSpool(tmp_path / "spool"), tmp_path / "locks.db")
    assert purge(stores, timedelta(days=90)).conversations == 0
    assert erase(stores, "nobody").events == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text, expected", [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)),
                                            (" 4w ", timedelta(weeks=4))])
def test_ages(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["0d", "-5d", "90", "d", "90 days", "1y", ""])
def test_bad_ages_are_refused(text):
    with pytest.raises(ValueError):
        parse_age(text)


def cli(*args: str, spool_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HANDOFF_SPOOL_DIR": str(spool_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_commands_print_what_they_removed(stores, tmp_path):
    save_conversation(stores.tracker_url, "old", days_ago(200))
    save_conversation(stores.tracker_url, "patient-42", days_ago(1))
    TicketStore(stores.handoff_url).create_ticket("patient-42", "rest", "side_effect", "routine", [], "bruise")
    where = ["--tracker-database-url", stores.tracker_url, "--database-url", stores.handoff_url]

    purged = cli("purge", "--older-than", "90d", *where, spool_dir=stores.spool.directory)
    assert purged.returncode == 0, purged.stderr
    assert "conversations: 1 (4 events)" in purged.stdout and "tickets:       0 resolved" in purged.stdout

    erased = cli("erase", "patient-42", *where, spool_dir=stores.spool.directory)
    assert erased.returncode == 0, erased.stderr
    assert "tracker events:   4" in erased.stdout and "tickets:          1" in erased.stdout
    assert senders(stores.tracker_url) == {}

    refused = cli("purge", "--older-than", "soon", *where, spool_dir=stores.spool.directory)
    assert refused.returncode == 2 and "--older-than" in refused.stderr
