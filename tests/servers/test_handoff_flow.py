"""End to end: the real action and Rasa servers, a real ticket database, and a staff webhook."""

import os
import subprocess
import sys
import uuid

import pytest
import yaml

from bot.handoff import TicketStore
from bot.paths import ROOT
from tests.support.waiting import wait_for

pytestmark = pytest.mark.servers


def new_sender() -> str:
    return f"handoff-{uuid.uuid4().hex}"


def handoff_payload(reply: list) -> dict:
    return next(message["custom"]["handoff"] for message in reply if "custom" in message)


def staff(stack, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_URL": stack.rasa_url, "RASA_AUTH_TOKEN": stack.auth_token}
    return subprocess.run([sys.executable, "-m", "bot", "staff", "--database-url", database_url, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def tickets(handoff_database_url):
    return TicketStore(handoff_database_url)


def test_a_report_creates_a_ticket_notifies_staff_and_tells_the_patient(stack, tickets, webhook, profile):
    sender = new_sender()
    reply = stack.say(sender, "My face has been swollen and hot since the injections on Monday")
    ticket = tickets.open_ticket_for(sender)
    assert ticket is not None and ticket.reason == "side_effect" and ticket.channel == "rest"
    assert handoff_payload(reply)["ticket"] == ticket.id
    assert profile.phone in reply[0]["text"] and profile.hours in reply[0]["text"]
    assert wait_for(lambda: any(n["ticket"]["id"] == ticket.id for n in webhook.received), timeout=10)
    notification = next(n for n in webhook.received if n["ticket"]["id"] == ticket.id)
    assert "text" in notification and sender in notification["text"]


def test_a_wrongly_classified_report_is_still_handed_off(stack, tickets):
    sender = new_sender()
    parse = stack.parse("how long is recovery, my cheek has gone lumpy and it hurts")
    assert parse["intent"]["name"].startswith("faq_")  # NLU thinks it is a FAQ …
    stack.say(sender, "how long is recovery, my cheek has gone lumpy and it hurts")
    assert tickets.open_ticket_for(sender) is not None  # … the screen hands it off anyway


def test_an_emergency_gets_the_emergency_line_first(stack, tickets, profile):
    sender = new_sender()
    reply = stack.say(sender, "I can't breathe properly and my lips are swelling up")
    assert profile.emergency_number in reply[0]["text"]
    assert handoff_payload(reply)["severity"] == "emergency"
    assert tickets.open_ticket_for(sender).severity == "emergency"


def test_the_bot_is_silent_while_paused_and_resolve_resumes_it(stack, tickets, handoff_database_url, render):
    sender = new_sender()
    stack.say(sender, "I'm pregnant, can I still have mesotherapy?")
    ticket = tickets.open_ticket_for(sender)
    assert ticket.reason == "contraindication"
    assert stack.say(sender, "hello?") == []  # paused: logged, not answered
    assert staff(stack, handoff_database_url, "claim", str(ticket.id), "--as", "Nurse Ana").returncode == 0
    result = staff(stack, handoff_database_url, "resolve", str(ticket.id), "--note", "called the patient")
    assert result.returncode == 0, result.stdout + result.stderr
    assert tickets.get(ticket.id).status == "resolved"
    assert [m["text"] for m in stack.say(sender, "what is mesotherapy?")] == [render("utter_faq_what_is")]


def test_staff_show_lists_the_ticket_with_its_transcript(stack, tickets, handoff_database_url):
    sender = new_sender()
    stack.say(sender, "hello")
    stack.say(sender, "I take warfarin every day")
    ticket = tickets.open_ticket_for(sender)
    listing = staff(stack, handoff_database_url, "list")
    assert str(ticket.id) in listing.stdout
    shown = staff(stack, handoff_database_url, "--tracker-database-url", tracker_url(stack), "show", str(ticket.id))
    assert "I take warfarin every day" in shown.stdout and "hello" in shown.stdout


def tracker_url(stack) -> str:
    endpoints = stack.process("rasa").log_path.parent / "endpoints.yml"
    return f"sqlite:///{yaml.safe_load(endpoints.read_text())['tracker_store']['db']}"


def test_a_failed_notification_loses_nothing_and_is_retried(stack, tickets, webhook, handoff_database_url):
    sender = new_sender()
    webhook.failing = True
    try:
        reply = stack.say(sender, "there's a painful red lump where I was injected three weeks ago")
        ticket = tickets.open_ticket_for(sender)
        assert ticket is not None and handoff_payload(reply)["ticket"] == ticket.id
        # the action server's handoff worker tries, outside the turn, and records the failure
        assert wait_for(lambda: tickets.get(ticket.id).notification_status == "failed", timeout=30)
    finally:
        webhook.failing = False
    env_url = {"HANDOFF_WEBHOOK_URL": webhook.url}
    result = subprocess.run([sys.executable, "-m", "bot", "staff", "--database-url", handoff_database_url,
                             "retry-notifications"], cwd=ROOT, env={**os.environ, **env_url},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert tickets.get(ticket.id).notification_status == "sent"
    assert any(n["ticket"]["id"] == ticket.id for n in webhook.received)


def test_a_request_for_a_person_makes_a_human_request_ticket(stack, tickets):
    sender = new_sender()
    reply = stack.say(sender, "can I speak to a real person please")
    assert tickets.open_ticket_for(sender).reason == "human_request"
    assert handoff_payload(reply)["reason"] == "human_request"


def test_a_general_question_about_a_symptom_is_answered_with_the_caveat(stack, tickets, render):
    sender = new_sender()
    reply = [m["text"] for m in stack.say(sender, "is bruising normal after mesotherapy?")]
    assert "happening to you now" in reply[0] and reply[1] == render("utter_faq_side_effects")
    assert tickets.open_ticket_for(sender) is None


def test_unsure_asks_first_and_yes_hands_off(stack, tickets):
    sender = new_sender()
    reply = stack.say(sender, "bruising after meso??")
    assert [b["payload"] for b in reply[0]["buttons"]] == ["/affirm", "/deny"]
    assert len(reply) == 1  # no FAQ answer yet
    stack.say(sender, "/affirm")
    assert tickets.open_ticket_for(sender).trigger_message == "bruising after meso??"


def test_unsure_asks_first_and_no_answers_the_question(stack, tickets, render):
    """The action gets no domain from Rasa (selective domain) and still finds the FAQ answer."""
    sender = new_sender()
    stack.say(sender, "bruising after meso??")
    reply = [m["text"] for m in stack.say(sender, "/deny")]
    assert reply[-1] == render("utter_faq_side_effects")
    assert tickets.open_ticket_for(sender) is None
