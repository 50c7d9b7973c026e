import argparse
import sqlite3

import pytest

from bot.handoff import NotificationStatus, Status, TicketStore
from bot.handoff.spool import HandoffRequest, HandoffSpool
from runtime.staff_cli import add_staff_commands, format_age, rasa_auth_token, resume_curl
from tests.support.loopback import RASA_TOKEN
from tests.support.stores import rasa_tracker_db


@pytest.fixture
def tracker_db(tmp_path):
    """A tracker store laid out like Rasa's SQLTrackerStore, with one conversation in it."""
    events = [  # inserted out of order: the transcript must follow the timestamps
        ("conv-1", "bot", 3.0, {"event": "bot", "text": "I'm sorry to hear that.\nA nurse will contact you."}),
        ("conv-1", "user", 1.0, {"event": "user", "text": "hello"}),
        ("conv-1", "action", 1.5, {"event": "action", "name": "action_listen"}),
        ("conv-1", "user", 2.0, {"event": "user", "text": "my face is swollen since the session"}),
        ("conv-1", "pause", 3.5, {"event": "pause"}),
        ("conv-1", "user", 4.0, {"event": "user", "text": "hello? anyone?"}),
        ("other", "user", 2.5, {"event": "user", "text": "someone else's message"}),
    ]
    return rasa_tracker_db(tmp_path / "tracker.db", events)


@pytest.fixture
def rasa_env(monkeypatch, fake_rasa):
    monkeypatch.setenv("RASA_URL", fake_rasa.url)
    monkeypatch.setenv("RASA_AUTH_TOKEN", RASA_TOKEN)
    return fake_rasa


@pytest.fixture
def spool(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_SPOOL_DIR", str(tmp_path / "spool"))
    return HandoffSpool(tmp_path / "spool")


@pytest.fixture
def staff(db_url, tracker_db, capsys, spool):
    """Run `staff …` as the main CLI would; returns (exit code, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="python -m bot")
    add_staff_commands(parser.add_subparsers(dest="command", required=True))

    def run(*argv):
        args = parser.parse_args(["staff", "--database-url", db_url, "--tracker-database-url", tracker_db, *argv])
        code = args.handler(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_list_with_no_tickets(staff):
    assert staff("list") == (0, "No open tickets.\n", "")


def test_list_shows_open_tickets_by_severity_then_age(staff, store, new_ticket):
    routine = new_ticket(severity="routine", reason="human_request", conversation_id="conv-r",
                         trigger_message="can I speak to a person please, about " + "my appointment " * 10)
    emergency = new_ticket(severity="emergency", reason="emergency", conversation_id="conv-e",
                           trigger_message="I can't breathe")
    gone = new_ticket()
    store.claim(routine.id, "Dana")
    store.resolve(gone.id, "done")
    code, out, _ = staff("list")
    header, first, second = out.splitlines()
    assert code == 0 and header.split() == ["ID", "SEVERITY", "REASON", "AGE", "CONVERSATION", "STATUS", "TRIGGER"]
    assert first.split()[:6] == [str(emergency.id), "emergency", "emergency", "0m", "conv-e", "open"]
    assert first.endswith("I can't breathe")
    assert second.split()[:5] == [str(routine.id), "routine", "human_request", "0m", "conv-r"]
    assert "claimed by Dana" in second
    trigger = second.split("claimed by Dana")[1].strip()
    assert len(trigger) == 60 and trigger.endswith("…")


def test_show_prints_the_ticket_and_the_transcript(staff, new_ticket, store):
    ticket = new_ticket()
    store.record_notification(ticket.id, NotificationStatus.failed, "webhook answered HTTP 500")
    code, out, _ = staff("show", str(ticket.id))
    assert code == 0
    assert "status:          open" in out and "severity:        urgent" in out and "reason:          side_effect" in out
    assert "swelling (symptom, severe, spreading); pregnant (contraindication)" in out
    assert "notification:    failed (1 attempt(s)): webhook answered HTTP 500" in out
    transcript = out.split("Transcript:\n")[1].splitlines()
    assert transcript == [
        "  patient: hello",
        "  patient: my face is swollen since the session",
        "  assistant: I'm sorry to hear that.",
        "      A nurse will contact you.",
        "  --- conversation paused for staff ---",
        "  patient: hello? anyone?",
    ]


def test_show_without_an_events_table_says_so(staff, new_ticket, tmp_path, db_url, capsys):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    parser = argparse.ArgumentParser()
    add_staff_commands(parser.add_subparsers(dest="command"))
    ticket = new_ticket()
    for url in (f"sqlite:///{empty}", f"sqlite:///{tmp_path / 'missing.db'}"):
        args = parser.parse_args(["staff", "--database-url", db_url, "--tracker-database-url", url, "show", str(ticket.id)])
        assert args.handler(args) == 0
        out = capsys.readouterr().out
        assert "Transcript:\n  unavailable:" in out
        assert ("no events table" if url.endswith("empty.db") else "no tracker database") in out
    assert not (tmp_path / "missing.db").exists()


def test_show_reads_the_tracker_url_from_the_environment(staff, new_ticket, monkeypatch, tmp_path, db_url, capsys):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    parser = argparse.ArgumentParser()
    add_staff_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["staff", "--database-url", db_url, "show", str(new_ticket().id)])
    assert args.handler(args) == 0 and "patient: hello? anyone?" in capsys.readouterr().out


def test_show_unknown_ticket(staff):
    code, _, err = staff("show", "404")
    assert code == 1 and "ticket 404 does not exist" in err


def test_claim_and_refuse_a_second_claim(staff, new_ticket, store):
    ticket = new_ticket()
    code, out, _ = staff("claim", str(ticket.id), "--as", "Dana")
    assert code == 0 and f"Ticket {ticket.id} claimed by Dana" in out
    code, _, err = staff("claim", str(ticket.id), "--as", "Sam")
    assert code == 1 and "already claimed by Dana" in err
    assert store.get(ticket.id).claimed_by == "Dana"


def test_resolve_marks_resolved_and_resumes_the_conversation(staff, new_ticket, store, rasa_env):
    ticket = new_ticket(conversation_id="whatsapp:+33612345678")
    code, out, err = staff("resolve", str(ticket.id), "--note", "Called back; reassured.")
    assert (code, err) == (0, "")
    assert "resolved" in out and "resumed" in out
    [request] = rasa_env.requests
    assert request.path == "/conversations/whatsapp:+33612345678/tracker/events"  # Rasa does not decode "%2B"
    assert request.query["token"] == [RASA_TOKEN]
    assert request.query["execute_side_effects"] == ["true"] and request.query["output_channel"] == ["latest"]
    assert request.json() == [
        {"event": "resume"},
        {"event": "bot", "text": "You're back with the assistant.", "metadata": {"from": "handback"}},
        {"event": "action", "name": "action_listen"},
    ]
    resolved = store.get(ticket.id)
    assert resolved.status is Status.resolved and resolved.staff_notes.endswith("Called back; reassured.")


def test_resolve_with_a_wrong_token_keeps_the_ticket_resolved_and_prints_curl(staff, new_ticket, store, rasa_env,
                                                                             monkeypatch):
    monkeypatch.setenv("RASA_AUTH_TOKEN", "wrong")
    ticket = new_ticket()
    code, _, err = staff("resolve", str(ticket.id), "--note", "done")
    assert code == 1 and "HTTP 401" in err and "could not be resumed" in err
    events_url = f"{rasa_env.url}/conversations/conv-1/tracker/events"
    assert f'curl -XPOST "{events_url}?execute_side_effects=true&output_channel=latest&token=$RASA_AUTH_TOKEN"' in err
    assert "wrong" not in err
    assert store.get(ticket.id).status is Status.resolved


def test_resolve_whose_hand_back_the_platform_refuses_resumes_without_it(staff, new_ticket, store, rasa_env):
    rasa_env.refusals.append("Telegram: forbidden: bot was blocked by the user")
    ticket = new_ticket()
    code, out, err = staff("resolve", str(ticket.id), "--note", "done")
    assert code == 1 and "resumed: the assistant answers the patient again" in out
    assert "the patient was not told" in err and "bot was blocked by the user" in err and "curl" not in err
    told, silent = rasa_env.requests
    assert [event["event"] for event in told.json()] == ["resume", "bot", "action"]
    assert silent.json() == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
    assert store.get(ticket.id).status is Status.resolved


def test_resolve_with_rasa_down_exits_non_zero(staff, new_ticket, store, monkeypatch, unused_port):
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{unused_port}")
    ticket = new_ticket()
    code, out, err = staff("resolve", str(ticket.id), "--note", "done")
    assert code == 1 and "Ticket 1 resolved." in out and "could not reach Rasa" in err and "curl -XPOST" in err
    assert store.get(ticket.id).status is Status.resolved


def test_resolve_twice_is_refused_without_calling_rasa(staff, new_ticket, store, rasa_env):
    ticket = new_ticket()
    store.resolve(ticket.id, "done")
    code, _, err = staff("resolve", str(ticket.id), "--note", "again")
    assert code == 1 and "already resolved" in err and rasa_env.requests == []


def test_retry_notifications(staff, store, new_ticket, webhook, monkeypatch):
    ticket = new_ticket()
    monkeypatch.delenv("HANDOFF_WEBHOOK_URL", raising=False)
    code, _, err = staff("retry-notifications")
    assert code == 1 and "HANDOFF_WEBHOOK_URL" in err
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook.url)
    code, out, _ = staff("retry-notifications")
    assert code == 0 and "Sent 1 notification(s); 0 still pending" in out
    assert store.get(ticket.id).notification_status is NotificationStatus.sent


def spooled(conversation_id: str) -> HandoffRequest:
    return HandoffRequest(conversation_id, "rest", "contraindication", "routine", [], "I'm pregnant", "Clinic")


def test_replay_spool_writes_spooled_handoffs_and_says_so(staff, store, spool, monkeypatch):
    monkeypatch.delenv("HANDOFF_WEBHOOK_URL", raising=False)
    spool.add(spooled("conv-spooled"))
    code, out, _ = staff("replay-spool")
    [ticket] = store.list_open()
    assert code == 0 and ticket.conversation_id == "conv-spooled"
    assert f"Ticket {ticket.id} written from the spool" in out and "Replayed 1 spooled handoff(s); 0 still" in out
    assert staff("replay-spool")[0] == 0 and len(store.list_open()) == 1


def test_retry_notifications_first_writes_spooled_handoffs(staff, store, spool, webhook, monkeypatch):
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", webhook.url)
    spool.add(spooled("conv-spooled"))
    code, out, _ = staff("retry-notifications")
    [ticket] = store.list_open()
    assert code == 0 and ticket.notification_status is NotificationStatus.sent and len(spool) == 0


def test_staff_requires_a_sub_command(db_url):
    parser = argparse.ArgumentParser()
    add_staff_commands(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["staff"])
    with pytest.raises(SystemExit):
        parser.parse_args(["staff", "claim", "1"])  # --as is required


def test_token_comes_from_the_environment_then_the_run_file(tmp_path):
    token_file = tmp_path / "auth_token"
    assert rasa_auth_token({}, token_file) is None
    token_file.write_text("from-file\n")
    assert rasa_auth_token({}, token_file) == "from-file"
    assert rasa_auth_token({"RASA_AUTH_TOKEN": "from-env"}, token_file) == "from-env"


def test_helpers():
    from datetime import timedelta

    assert [format_age(timedelta(seconds=s)) for s in (5, 600, 3 * 3600 + 60, 3 * 86400)] == ["0m", "10m", "3h01m", "3d0h"]
    assert resume_curl("http://rasa:5005", "a b").startswith('curl -XPOST "http://rasa:5005/conversations/a%20b/')


def test_store_created_by_the_cli_is_the_same_database(staff, db_url):
    staff("list")
    assert TicketStore(db_url).list_open() == []
