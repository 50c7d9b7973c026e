from actions.session_start import ActionSessionStart
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
