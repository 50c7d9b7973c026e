import pytest

import actions.screen as screen_module
from actions.session_start import ActionSessionStart
from tests.support.stores import migrated_store
from tests.support.trackers import domain, make_tracker, run_action


def test_starts_the_session_with_the_clinic_details_in_slots(monkeypatch):
    monkeypatch.setenv("CLINIC_PHONE", "+1 555 0142")
    result = run_action(ActionSessionStart(), make_tracker())
    assert result.events[0]["event"] == "session_started"
    assert (result.events[-1]["event"], result.events[-1]["name"]) == ("action", "action_listen")
    slots = {e["name"]: e["value"] for e in result.events if e["event"] == "slot"}
    assert slots["clinic_phone"] == "+1 555 0142"
    assert set(slots) == {name for name in domain()["slots"] if name.startswith("clinic_")} | {"emergency_number"}
    assert all(slots.values())
    assert result.messages == []


@pytest.fixture
def tickets(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", url)
    screen_module.ticket_store.cache_clear()
    yield migrated_store(url)
    screen_module.ticket_store.cache_clear()


def event_names(result):
    return [event["event"] for event in result.events if event["event"] != "slot"]


def test_a_new_session_of_a_conversation_with_an_open_ticket_stays_paused(tickets):
    ticket = tickets.create_ticket("patient-1", "socketio", "side_effect", "urgent", [], "my face is swollen")
    result = run_action(ActionSessionStart(), make_tracker(sender_id="patient-1", paused=True))
    assert event_names(result) == ["session_started", "pause", "action"]
    tickets.resolve(ticket.id, "seen")
    result = run_action(ActionSessionStart(), make_tracker(sender_id="patient-1", paused=True))
    assert event_names(result) == ["session_started", "action"]  # resolved: the assistant has it back


def test_a_conversation_that_was_not_paused_is_not_looked_up(tickets, monkeypatch):
    tickets.create_ticket("patient-1", "socketio", "side_effect", "urgent", [], "my face is swollen")
    monkeypatch.setenv("HANDOFF_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # would fail if asked
    screen_module.ticket_store.cache_clear()
    assert event_names(run_action(ActionSessionStart(), make_tracker(sender_id="patient-1"))) == [
        "session_started", "action"]


def test_a_paused_conversation_stays_paused_when_the_ticket_database_cannot_say(tickets, monkeypatch, caplog):
    monkeypatch.setenv("HANDOFF_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    screen_module.ticket_store.cache_clear()
    result = run_action(ActionSessionStart(), make_tracker(sender_id="patient-1", paused=True))
    assert event_names(result) == ["session_started", "pause", "action"]
    assert "stays paused" in caplog.text
