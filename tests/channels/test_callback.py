"""Rasa's callback channel: messages posted to /webhooks/callback/webhook, each reply POSTed to
CALLBACK_URL (here a receiver on loopback). Its client is ours, so it gets the handoff payload."""

import uuid

import pytest

from tests.channels.helpers import FAQ, REPORT, post, post_json
from tests.support.waiting import wait_for

pytestmark = pytest.mark.servers


def say(stack, receiver, sender: str, text: str, replies: int) -> list[dict]:
    def mine() -> list[dict]:
        return [message for message in receiver.received if message.get("recipient_id") == sender]

    before = len(mine())
    assert post_json(f"{stack.rasa_url}/webhooks/callback/webhook", {"sender": sender, "message": text}) == \
        (200, "success")
    assert wait_for(lambda: len(mine()) >= before + replies, timeout=60), mine()
    return mine()[before:]


def test_a_question_is_answered_at_the_callback_url(channel_stack, callback_receiver, render):
    sender = f"callback-{uuid.uuid4().hex}"
    (answer,) = say(channel_stack, callback_receiver, sender, FAQ, replies=1)
    assert answer["text"] == render("utter_faq_what_is")


def test_a_side_effect_report_opens_a_ticket_and_the_handoff_arrives_at_the_callback_url(
        channel_stack, callback_receiver, tickets, profile):
    sender = f"callback-{uuid.uuid4().hex}"
    text, payload, _reassurance = say(channel_stack, callback_receiver, sender, REPORT, replies=3)
    ticket = tickets.open_ticket_for(sender)
    assert ticket is not None and ticket.channel == "callback"
    assert f"reference {ticket.id}" in text["text"] and profile.phone in text["text"]
    assert payload["custom"]["handoff"]["ticket"] == ticket.id  # Rasa sends text and payload as two posts
    assert payload["custom"]["handoff"]["clinic"]["website"] == profile.website


def test_a_malformed_request_gets_a_clear_400_and_nothing_is_sent(channel_stack, callback_receiver):
    before = len(callback_receiver.received)
    status, body = post(f"{channel_stack.rasa_url}/webhooks/callback/webhook", b"[1, 2]",
                        {"Content-Type": "application/json"})
    assert status == 400 and "JSON object" in body
    assert len(callback_receiver.received) == before
