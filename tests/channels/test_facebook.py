"""Facebook Messenger: webhook events signed with the app secret (X-Hub-Signature), posted to
/webhooks/facebook/webhook; replies go out through fbmessenger to the fake Send API."""

import json
import random
import time
import urllib.request

import pytest

from tests.channels.fake_platforms import text_of
from tests.channels.helpers import FACEBOOK_VERIFY, FAQ, REPORT, UNSURE, facebook_signature, post

pytestmark = pytest.mark.servers

PAGE_ID = "1234567890"


def new_psid() -> str:
    return str(random.randint(10**15, 10**16))


def event(psid: str, text: str) -> bytes:
    message = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": int(time.time() * 1000),
               "message": {"mid": f"m_{random.getrandbits(64):x}", "text": text}}
    return json.dumps({"object": "page", "entry": [
        {"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": [message]}]}).encode()


def send(stack, body: bytes, signature: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature": facebook_signature(body) if signature is None else signature}
    return post(f"{stack.rasa_url}/webhooks/facebook/webhook", body, headers)


def say(stack, fake, psid: str, text: str, replies: int) -> list:
    before = len(fake.sent("facebook", "me/messages", to=psid))
    assert send(stack, event(psid, text)) == (200, "success")
    assert fake.wait_for(lambda: len(fake.sent("facebook", "me/messages", to=psid)) >= before + replies)
    return fake.sent("facebook", "me/messages", to=psid)[before:]


def test_the_webhook_verification_answers_the_challenge(channel_stack):
    url = f"{channel_stack.rasa_url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=8151&hub.verify_token="
    with urllib.request.urlopen(url + FACEBOOK_VERIFY, timeout=30) as response:
        assert response.read() == b"8151"
    with urllib.request.urlopen(url + "wrong", timeout=30) as response:
        assert response.read() != b"8151"


def test_a_question_is_answered_through_the_send_api(channel_stack, fake, render):
    psid = new_psid()
    parts = [text_of(call) for call in say(channel_stack, fake, psid, FAQ, replies=1)]
    assert "\n\n".join(parts) == render("utter_faq_what_is").strip()
    assert fake.sent("facebook", "sender_action", to=psid)  # mark_seen / typing_on, as Messenger shows
    assert fake.rejected() == []


def test_a_side_effect_report_opens_a_ticket_and_the_handoff_goes_out_as_plain_text(
        channel_stack, fake, tickets, profile):
    psid = new_psid()
    handoff, reassurance = say(channel_stack, fake, psid, REPORT, replies=2)
    ticket = tickets.open_ticket_for(psid)
    assert ticket is not None and (ticket.reason, ticket.channel) == ("side_effect", "facebook")
    assert set(handoff.body["message"]) == {"text"}
    for value in (f"reference {ticket.id}", profile.phone, profile.hours, profile.name, profile.website):
        assert value in text_of(handoff)
    assert "settle within a few days" in text_of(reassurance) and fake.rejected() == []


def test_the_question_fits_messenger_and_a_typed_yes_hands_off(channel_stack, fake, tickets):
    """Messenger refuses button titles over 20 characters, so the question asks in words."""
    psid = new_psid()
    (question,) = say(channel_stack, fake, psid, UNSURE, replies=1)
    assert "YES or NO" in text_of(question) and fake.rejected() == []
    say(channel_stack, fake, psid, "Y", replies=2)  # NLU makes "Y" a fallback: the screen still reads it
    assert tickets.open_ticket_for(psid).trigger_message == UNSURE


def test_an_event_not_signed_with_the_app_secret_is_refused(channel_stack, fake, tickets):
    psid = new_psid()
    body = event(psid, REPORT)
    assert send(channel_stack, body, facebook_signature(body, secret="another-secret"))[1] == "not validated"
    assert send(channel_stack, body, "")[1] == "not validated"
    time.sleep(2)
    assert fake.sent("facebook", "me/messages", to=psid) == [] and tickets.open_ticket_for(psid) is None
