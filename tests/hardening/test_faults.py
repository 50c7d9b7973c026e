"""Faults on the real servers: the action server goes away and comes back; the ticket database goes
away during a handoff and comes back. The patient always gets a safe answer and nothing is lost."""

import json
import uuid

import pytest

from runtime.servers import http_get
from tests.support.waiting import wait_for

pytestmark = pytest.mark.servers

REPORT = "I had mesotherapy yesterday and now my face is very swollen and hot"


def new_sender(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def stored_user_texts(stack, sender: str) -> list[str]:
    code, body = http_get(f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}")
    assert code == 200
    return [event.get("text") for event in json.loads(body)["events"] if event["event"] == "user"]


def texts(reply: list[dict]) -> str:
    return " ".join(message.get("text") or "" for message in reply)


def test_without_the_action_server_patients_get_the_clinics_contacts_and_it_recovers_without_a_restart(
        hardened, profile, render):
    stack = hardened.stack
    regular, newcomer, emergency = new_sender("regular"), new_sender("newcomer"), new_sender("emergency")
    assert texts(stack.say(regular, "what is mesotherapy?")) == render("utter_faq_what_is")

    hardened.stop_action_server()
    try:
        for sender, text in [(regular, "how many sessions will I need?"), (newcomer, "what is mesotherapy?"),
                             (emergency, "I can't breathe and my throat is swelling after my injections")]:
            reply = texts(stack.say(sender, text))
            assert profile.phone in reply and profile.emergency_number in reply, reply
            assert render("utter_faq_sessions") not in reply and render("utter_faq_what_is") not in reply
            assert text in stored_user_texts(stack, sender)  # the message is kept
        assert "ACTION SERVER UNAVAILABLE: action_screen_message failed" in hardened.logs()
    finally:
        hardened.start_action_server()

    assert texts(stack.say(regular, "how many sessions will I need?")) == render("utter_faq_sessions")
    # the conversation that started while the action server was down has the clinic's details
    assert texts(stack.say(newcomer, "goodbye")).count(profile.phone) == 1


def test_a_handoff_while_the_ticket_database_is_down_is_spooled_and_written_when_it_is_back(hardened, profile):
    stack, sender = hardened.stack, new_sender("db-down")
    hardened.database.stop()
    try:
        reply = stack.say(sender, REPORT)
        assert profile.phone in texts(reply) and "reference" not in texts(reply)
        assert wait_for(lambda: len(hardened.spool) == 1, timeout=5)
        assert "HANDOFF TICKET NOT RECORDED: the ticket database failed" in hardened.logs()
        assert stack.say(sender, "hello?") == []  # paused for staff, as after any handoff
    finally:
        hardened.database.start()

    ticket = wait_for(lambda: hardened.tickets().open_ticket_for(sender), timeout=30)
    assert ticket is not None and ticket.trigger_message == REPORT and ticket.reason == "side_effect"
    assert wait_for(lambda: len(hardened.spool) == 0)  # removed once the ticket is in and staff were told
    assert wait_for(lambda: any(n["ticket"]["id"] == ticket.id and sender in n["text"] for n in hardened.webhook.received))
    assert [t.id for t in hardened.tickets().list_open() if t.conversation_id == sender] == [ticket.id]  # exactly one


def test_after_the_database_is_back_handoffs_get_a_ticket_number_again(hardened):
    sender = new_sender("db-back")
    reply = hardened.stack.say(sender, REPORT)
    ticket = hardened.tickets().open_ticket_for(sender)
    assert ticket is not None and f"reference {ticket.id}" in texts(reply)
