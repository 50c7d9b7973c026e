"""Slack: Events API and interactivity requests signed with the signing secret, posted to
/webhooks/slack/webhook; replies go out through slack_sdk to the fake Web API."""

import json
import random
import time

import pytest

from tests.channels.fake_platforms import text_of
from tests.channels.helpers import FAQ, REPORT, UNSURE, form_body, post, slack_headers

pytestmark = pytest.mark.servers


def new_user() -> tuple[str, str]:
    """A Slack user and their direct-message channel with the bot."""
    suffix = f"{random.getrandbits(40):010X}"
    return f"U{suffix}", f"D{suffix}"


def message_event(user: str, channel: str, text: str) -> bytes:
    ts = f"{time.time():.6f}"
    return json.dumps({
        "token": "unused", "team_id": "T0CLINIC", "api_app_id": "A0CLINIC", "type": "event_callback",
        "event_id": f"Ev{random.getrandbits(40):X}", "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0CLINICBOT", "is_bot": True}],
        "event": {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
                  "ts": ts, "event_ts": ts},
    }).encode()


def button_click(user: str, channel: str, value: str) -> bytes:
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
               "message": {"ts": f"{time.time():.6f}"},
               "actions": [{"type": "button", "action_id": "a", "block_id": "b", "value": value}]}
    return form_body({"payload": json.dumps(payload)})


def send(stack, body: bytes, content_type: str = "application/json", headers: dict | None = None) -> tuple[int, str]:
    headers = slack_headers(body) if headers is None else headers
    return post(f"{stack.rasa_url}/webhooks/slack/webhook", body, {"Content-Type": content_type, **headers})


def say(stack, fake, channel: str, body: bytes, replies: int, content_type: str = "application/json") -> list:
    before = len(fake.sent("slack", "chat.postMessage", to=channel))
    assert send(stack, body, content_type)[0] == 200
    assert fake.wait_for(lambda: len(fake.sent("slack", "chat.postMessage", to=channel)) >= before + replies)
    return fake.sent("slack", "chat.postMessage", to=channel)[before:]


def test_the_events_api_url_check_gets_its_challenge_back(channel_stack):
    body = json.dumps({"token": "unused", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    status, text = send(channel_stack, body)
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text


def test_a_question_is_answered_in_the_direct_message(channel_stack, fake, render):
    user, channel = new_user()
    parts = [text_of(call) for call in say(channel_stack, fake, channel, message_event(user, channel, FAQ), 1)]
    assert "\n\n".join(parts) == render("utter_faq_what_is").strip()
    assert fake.rejected() == []


def test_a_side_effect_report_opens_a_ticket_and_the_handoff_goes_out_as_plain_text(
        channel_stack, fake, tickets, profile):
    user, channel = new_user()
    handoff, reassurance = say(channel_stack, fake, channel, message_event(user, channel, REPORT), 2)
    ticket = tickets.open_ticket_for(user)
    assert ticket is not None and (ticket.reason, ticket.channel) == ("side_effect", "slack")
    assert "handoff" not in handoff.body
    for value in (f"reference {ticket.id}", profile.phone, profile.hours, profile.name, profile.website):
        assert value in text_of(handoff)
    assert "settle within a few days" in text_of(reassurance) and fake.rejected() == []


def test_the_question_has_buttons_and_clicking_yes_hands_off(channel_stack, fake, tickets):
    user, channel = new_user()
    (question,) = say(channel_stack, fake, channel, message_event(user, channel, UNSURE), 1)
    actions = next(block for block in question.body["blocks"] if block["type"] == "actions")
    assert [button["value"] for button in actions["elements"]] == ["/affirm", "/deny"]
    say(channel_stack, fake, channel, button_click(user, channel, "/affirm"), 2,
        content_type="application/x-www-form-urlencoded")
    assert tickets.open_ticket_for(user).trigger_message == UNSURE


def test_a_request_not_signed_with_the_signing_secret_is_refused(channel_stack, fake, tickets):
    user, channel = new_user()
    body = message_event(user, channel, REPORT)
    assert send(channel_stack, body, headers=slack_headers(body, secret="another-secret"))[0] == 400
    assert send(channel_stack, body, headers={})[0] == 400
    time.sleep(2)
    assert fake.sent("slack", "chat.postMessage", to=channel) == [] and tickets.open_ticket_for(user) is None
