"""Twilio (SMS; WhatsApp works the same way): form posts signed as Twilio signs them, sent to
/webhooks/twilio/webhook; replies go out through the twilio client to the fake Twilio API."""

import random
import time

import pytest

from runtime.servers import http_get
from tests.channels.fake_platforms import text_of
from tests.channels.helpers import (
    CHANNEL_ENV,
    FAQ,
    REPORT,
    SECRETS,
    TWILIO_NUMBER,
    UNSURE,
    form_body,
    post,
    twilio_signature,
)

pytestmark = pytest.mark.servers

WEBHOOK_URL = CHANNEL_ENV["TWILIO_WEBHOOK_URL"]


def new_phone() -> str:
    return f"+4477009{random.randint(10000, 99999)}"


def inbound(phone: str, text: str) -> dict[str, str]:
    return {"MessageSid": f"SM{random.getrandbits(128):032x}", "AccountSid": SECRETS.twilio_sid,
            "From": phone, "To": TWILIO_NUMBER, "Body": text, "NumMedia": "0"}


def send(stack, form: dict[str, str], signature: str | None = None) -> int:
    signature = twilio_signature(WEBHOOK_URL, form) if signature is None else signature
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return post(f"{stack.rasa_url}/webhooks/twilio/webhook", form_body(form), headers)[0]


def say(stack, fake, phone: str, text: str, replies: int) -> list[str]:
    before = len(fake.sent("twilio", "Messages.json", to=phone))
    assert send(stack, inbound(phone, text)) == 204
    assert fake.wait_for(lambda: len(fake.sent("twilio", "Messages.json", to=phone)) >= before + replies)
    sent = fake.sent("twilio", "Messages.json", to=phone)[before:]
    assert all(call.body["From"] == TWILIO_NUMBER for call in sent)
    return [text_of(call) for call in sent]


def test_a_question_is_answered_by_sms(channel_stack, fake, render):
    phone = new_phone()
    parts = say(channel_stack, fake, phone, FAQ, replies=1)
    assert "\n\n".join(parts) == render("utter_faq_what_is").strip()
    assert fake.rejected() == []


def test_a_side_effect_report_opens_a_ticket_and_the_handoff_goes_out_as_plain_text(
        channel_stack, fake, tickets, profile):
    phone = new_phone()
    handoff, reassurance = say(channel_stack, fake, phone, REPORT, replies=2)
    ticket = tickets.open_ticket_for(phone)
    assert ticket is not None and (ticket.reason, ticket.channel) == ("side_effect", "twilio")
    for value in (f"reference {ticket.id}", profile.phone, profile.hours, profile.name, profile.website):
        assert value in handoff
    assert "settle within a few days" in reassurance and fake.rejected() == []


def test_the_question_asks_for_yes_or_no_in_words_and_a_typed_yes_hands_off(channel_stack, fake, tickets):
    phone = new_phone()
    (question,) = say(channel_stack, fake, phone, UNSURE, replies=1)
    assert "YES or NO" in question and "/affirm" not in question
    say(channel_stack, fake, phone, "YES", replies=2)
    assert tickets.open_ticket_for(phone).trigger_message == UNSURE


def test_a_typed_no_gets_the_answer_and_no_ticket(channel_stack, fake, tickets, render):
    phone = new_phone()
    say(channel_stack, fake, phone, UNSURE, replies=1)
    parts = say(channel_stack, fake, phone, "no", replies=2)
    assert render("utter_faq_side_effects").strip().split("\n\n")[0] in parts
    assert tickets.open_ticket_for(phone) is None


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "signed-with-another-token"])
def test_a_request_not_signed_by_twilio_is_refused(channel_stack, fake, tickets, signature):
    phone = new_phone()
    form = inbound(phone, REPORT)
    if signature == "signed-with-another-token":
        signature = twilio_signature(WEBHOOK_URL, form, auth_token="another-token")
    assert send(channel_stack, form, signature) == 403
    time.sleep(2)
    assert fake.sent("twilio", "Messages.json", to=phone) == [] and tickets.open_ticket_for(phone) is None


def test_the_health_check_stays_open(channel_stack):
    assert http_get(f"{channel_stack.rasa_url}/webhooks/twilio/")[0] == 200


def test_a_signed_request_with_a_changed_message_is_refused(channel_stack, tickets):
    phone = new_phone()
    form = inbound(phone, FAQ)
    signature = twilio_signature(WEBHOOK_URL, form)
    assert send(channel_stack, {**form, "Body": REPORT}, signature) == 403
    time.sleep(1)
    assert tickets.open_ticket_for(phone) is None
