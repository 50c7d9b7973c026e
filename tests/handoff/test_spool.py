"""The handoff spool: a handoff the database could not take is kept on disk and written exactly once."""

import logging
import stat
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.handoff import TicketStore, WebhookNotifier
from bot.handoff.service import open_handoff_or_spool, replay_spool
from bot.handoff.spool import HandoffRequest, HandoffSpool
from bot.handoff.worker import HandoffWorker

MESSAGE = "my cheek is swollen and hot since Tuesday, marker-7f3a"


def request(conversation_id="conv-1", **overrides) -> HandoffRequest:
    values = dict(conversation_id=conversation_id, channel="rest", reason="side_effect", severity="urgent",
                  findings=[{"term": "swollen", "category": "side_effect", "modifiers": []}],
                  trigger_message=MESSAGE, clinic_name="Test Clinic")
    return HandoffRequest(**{**values, **overrides})


def database_down() -> TicketStore:
    raise ConnectionError("could not connect to server: Connection refused")


@pytest.fixture
def spool(tmp_path) -> HandoffSpool:
    return HandoffSpool(tmp_path / "spool")


@pytest.fixture
def notifier(webhook) -> WebhookNotifier:
    return WebhookNotifier(webhook.url, retries=0)


def test_an_entry_is_written_whole_private_and_read_back_as_it_was(spool):
    original = request()
    path = spool.add(original)
    assert [p.name for p in spool.directory.iterdir()] == [path.name]  # no temporary file left behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    [(read_path, read_back)] = spool.entries()
    assert (read_path, read_back) == (path, original)


def test_when_the_database_is_down_the_handoff_is_spooled_and_logged_without_the_message(spool, notifier, caplog):
    with caplog.at_level(logging.ERROR):
        assert open_handoff_or_spool(database_down, notifier, spool, request()) is None
    assert len(spool) == 1
    [record] = [r for r in caplog.records if "HANDOFF TICKET NOT RECORDED" in r.getMessage()]
    assert record.levelname == "ERROR" and "conv-1" in record.getMessage()
    assert "marker-7f3a" not in caplog.text


def test_replay_writes_each_ticket_once_with_the_original_time_and_tells_staff(spool, store, notifier, webhook):
    asked_at = datetime.now(timezone.utc) - timedelta(hours=2)
    spool.add(request(requested_at=asked_at))
    [ticket] = replay_spool(store, notifier, spool)
    assert ticket.trigger_message == MESSAGE and ticket.created_at == asked_at
    assert ticket.notification_status == "sent" and len(webhook.requests) == 1
    assert len(spool) == 0
    assert replay_spool(store, notifier, spool) == []
    assert len(store.list_open()) == 1 and len(webhook.requests) == 1


def test_a_replay_that_crashed_before_removing_the_entry_does_not_make_a_second_ticket(
        spool, store, notifier, webhook, monkeypatch):
    spool.add(request())

    def crash(_path):
        raise KeyboardInterrupt("the process died here")

    monkeypatch.setattr(spool, "remove", crash)
    with pytest.raises(KeyboardInterrupt):
        replay_spool(store, notifier, spool)
    monkeypatch.undo()
    assert len(spool) == 1 and len(store.list_open()) == 1  # ticket committed, entry still there
    replay_spool(store, notifier, spool)
    assert len(spool) == 0 and len(store.list_open()) == 1
    assert len(webhook.requests) == 1  # staff were told once


def test_a_replay_that_crashed_before_telling_staff_tells_them_next_time(spool, store, notifier, webhook, monkeypatch):
    spool.add(request())

    def crash(*_args):
        raise KeyboardInterrupt("the process died here")

    monkeypatch.setattr(notifier, "notify", crash)
    with pytest.raises(KeyboardInterrupt):
        replay_spool(store, notifier, spool)
    monkeypatch.undo()
    replay_spool(store, notifier, spool)
    [ticket] = store.list_open()
    assert ticket.notification_status == "sent" and len(webhook.requests) == 1


def test_concurrent_replays_write_each_entry_once(spool, db_url, notifier):
    for n in range(5):
        spool.add(request(conversation_id=f"conv-{n}"))
    stores = [TicketStore(db_url) for _ in range(3)]
    threads = [threading.Thread(target=replay_spool, args=(s, notifier, spool)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tickets = stores[0].list_open()
    assert sorted(t.conversation_id for t in tickets) == [f"conv-{n}" for n in range(5)]
    assert len(spool) == 0


def test_after_a_successful_handoff_the_worker_replays_what_was_spooled(spool, store, notifier):
    open_handoff_or_spool(database_down, notifier, spool, request(conversation_id="earlier"))
    ticket = open_handoff_or_spool(lambda: store, notifier, spool, request(conversation_id="later"))
    assert ticket is not None and ticket.conversation_id == "later" and len(spool) == 1  # not in the turn
    handoff_worker = HandoffWorker(spool, lambda: store, notifier, lambda: "Test Clinic", 60)
    assert handoff_worker.run_once() == (1, 1)  # the replay tells staff about "earlier" itself
    assert {t.conversation_id for t in store.list_open()} == {"earlier", "later"}
    assert len(spool) == 0


def test_replay_stops_at_a_database_error_and_keeps_the_entries(spool, store, notifier, monkeypatch):
    spool.add(request(conversation_id="a"))
    spool.add(request(conversation_id="b"))

    def down(*_args, **_kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(store, "create_ticket_once", down)
    assert replay_spool(store, notifier, spool) == []
    assert len(spool) == 2


def test_an_unreadable_entry_is_left_for_a_person_and_the_others_are_replayed(spool, store, notifier, caplog):
    spool.add(request(conversation_id="good"))
    (spool.directory / "00000000T000000000000-broken.json").write_text("{not json")
    replay_spool(store, notifier, spool)
    assert [t.conversation_id for t in store.list_open()] == ["good"]
    assert len(spool) == 1 and "HANDOFF SPOOL ENTRY UNREADABLE" in caplog.text


def test_erasure_removes_only_that_conversations_entries(spool):
    spool.add(request(conversation_id="erase-me"))
    spool.add(request(conversation_id="erase-me"))
    spool.add(request(conversation_id="keep"))
    assert spool.remove_conversation("erase-me") == 2
    assert [r.conversation_id for _, r in spool.entries()] == ["keep"]


def test_the_background_worker_writes_the_ticket_once_the_database_is_back(spool, store, notifier):
    spool.add(request())
    database = {"up": False}

    def factory() -> TicketStore:
        if not database["up"]:
            return database_down()
        return store

    replayer = HandoffWorker(spool, factory, notifier, lambda: "Test Clinic", interval=0.1).start()
    try:
        time.sleep(0.3)
        assert len(spool) == 1 and store.list_open() == []
        database["up"] = True
        deadline = time.monotonic() + 10
        while len(spool) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        replayer.stop()
    assert len(spool) == 0 and len(store.list_open()) == 1


def test_the_same_report_spooled_twice_makes_one_ticket_and_one_notification(spool, store, notifier, webhook):
    spool.add(request())
    spool.add(request())  # the same message handled again after a replica died
    spool.add(request(conversation_id="conv-2"))
    replay_spool(store, notifier, spool)
    assert sorted(t.conversation_id for t in store.list_open()) == ["conv-1", "conv-2"]
    assert len(webhook.requests) == 2 and len(spool) == 0
