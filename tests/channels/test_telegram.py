"""Telegram: updates posted to /webhooks/telegram/webhook as Telegram posts them; replies go out
through aiogram to the fake Bot API."""

import itertools
import json
import random
import time

import pytest

from runtime.servers import http_get
from tests.channels.fake_platforms import text_of
from tests.channels.helpers import CHANNEL_ENV, FAQ, REPORT, UNSURE, post_json

pytestmark = pytest.mark.servers

update_ids = itertools.count(random.randint(1, 10**6))


def new_chat() -> int:
    return random.randint(10**8, 10**9)


def message_update(chat_id: int, text: str) -> dict:
    return {"update_id": next(update_ids), "message": {
        "message_id": next(update_ids), "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "Pat"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"}}}


def button_update(chat_id: int, data: str) -> dict:
    message = message_update(chat_id, "Before I answer: is this happening to you now?")["message"]
    return {"update_id": next(update_ids), "callback_query": {
        "id": str(next(update_ids)), "chat_instance": "1", "data": data, "message": message,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"}}}


def webhook_secret(fake) -> str:
    return fake.sent("telegram", "setWebhook")[0].body["secret_token"]


def send(stack, fake, update: dict, secret: str | None = None) -> tuple[int, str]:
    secret = webhook_secret(fake) if secret is None else secret
    return post_json(f"{stack.rasa_url}/webhooks/telegram/webhook", update,
                     {"X-Telegram-Bot-Api-Secret-Token": secret})


def say(stack, fake, chat_id: int, update: dict, replies: int) -> list:
    """Post one update and wait for the bot's `replies` messages to that chat."""
    before = len(fake.sent("telegram", "sendMessage", to=str(chat_id)))
    assert send(stack, fake, update) == (200, "success")
    assert fake.wait_for(lambda: len(fake.sent("telegram", "sendMessage", to=str(chat_id))) >= before + replies)
    return fake.sent("telegram", "sendMessage", to=str(chat_id))[before:]


def test_the_webhook_is_registered_once_with_a_secret_token(channel_stack, fake):
    (registration,) = fake.sent("telegram", "setWebhook")  # once, though the server runs two workers
    assert registration.body["url"] == CHANNEL_ENV["TELEGRAM_WEBHOOK_URL"]
    assert len(registration.body["secret_token"]) >= 32


def test_a_question_is_answered_through_the_bot_api(channel_stack, fake, render):
    chat = new_chat()
    (answer,) = say(channel_stack, fake, chat, message_update(chat, FAQ), replies=1)
    assert text_of(answer) == render("utter_faq_what_is").strip()
    assert fake.rejected() == []


def test_opening_the_chat_sends_start_and_gets_the_welcome(channel_stack, fake, render):
    chat = new_chat()
    parts = say(channel_stack, fake, chat, message_update(chat, "/start"), replies=1)
    assert [text_of(call) for call in parts] == render("utter_greet").split("\n\n")


def test_a_side_effect_report_opens_a_ticket_and_the_handoff_goes_out_as_plain_text(
        channel_stack, fake, tickets, profile):
    chat = new_chat()
    handoff, reassurance = say(channel_stack, fake, chat, message_update(chat, REPORT), replies=2)
    ticket = tickets.open_ticket_for(str(chat))
    assert ticket is not None and (ticket.reason, ticket.channel) == ("side_effect", "telegram")
    for value in (f"reference {ticket.id}", profile.phone, profile.hours, profile.name, profile.website):
        assert value in text_of(handoff)
    assert "settle within a few days" in text_of(reassurance)
    assert "handoff" not in text_of(handoff) and fake.rejected() == []


def test_the_question_has_yes_no_buttons_and_the_yes_button_hands_off(channel_stack, fake, tickets):
    chat = new_chat()
    (question,) = say(channel_stack, fake, chat, message_update(chat, UNSURE), replies=1)
    (row,) = json.loads(question.body["reply_markup"])["inline_keyboard"]
    assert [button["callback_data"] for button in row] == ["/affirm", "/deny"]
    assert tickets.open_ticket_for(str(chat)) is None
    say(channel_stack, fake, chat, button_update(chat, "/affirm"), replies=2)
    assert tickets.open_ticket_for(str(chat)).trigger_message == UNSURE


def test_only_the_health_check_is_open_without_the_secret_token(channel_stack, fake):
    registrations = len(fake.sent("telegram", "setWebhook"))
    assert post_json(f"{channel_stack.rasa_url}/webhooks/telegram/set_webhook", {})[0] == 403
    assert len(fake.sent("telegram", "setWebhook")) == registrations  # nobody else can re-register it
    assert http_get(f"{channel_stack.rasa_url}/webhooks/telegram/")[0] == 200


def test_an_update_without_the_secret_token_is_refused(channel_stack, fake, tickets):
    chat = new_chat()
    status, _ = send(channel_stack, fake, message_update(chat, REPORT), secret="guessed")
    assert status == 403
    time.sleep(2)
    assert fake.sent("telegram", "sendMessage", to=str(chat)) == [] and tickets.open_ticket_for(str(chat)) is None
