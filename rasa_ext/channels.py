"""Telegram and Twilio channels that only accept requests the platform really sent, and the
Telegram, Twilio, Messenger and Slack outputs that staff messages go out through.

Rasa 3.6's own connectors check nothing: anyone who finds the webhook URL could post messages as
any patient's phone number or chat, and open tickets in their name. These subclasses keep Rasa's
routes (/webhooks/telegram/webhook, /webhooks/twilio/webhook) and message handling, and add:

- Telegram: the webhook is registered with a secret token, and every update must carry it in
  X-Telegram-Bot-Api-Secret-Token. The token is derived from the bot token, so there is nothing
  more to configure (whoever has the bot token controls the bot anyway).
- Twilio: every request must carry a valid X-Twilio-Signature for the public webhook URL.

Telegram sends "/start" when a patient first opens the chat; it is taken as a greeting, so the
first thing a patient sees is the welcome, not "I'm not sure I understood".

Both also log an error instead of answering 500 when handling a message fails, so the platform
does not retry the same message.

Every channel here answers Rasa's HTTP API (`get_output_channel()`, asked when the staff inbox
posts a staff message) with an output that raises when the platform refuses the message
(rasa_ext/staff_delivery.py); the webhooks keep Rasa's own outputs.
"""

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict

from aiogram.bot import api
from aiogram.utils.exceptions import TelegramAPIError
from fbmessenger import MessengerClient
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from rasa_ext.staff_delivery import DeliveringMessengerBot, DeliveringTwilioOutput, keep_webhook_output

logger = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"


def telegram_webhook_secret(access_token: str) -> str:
    """Telegram allows 1-256 characters from A-Z, a-z, 0-9, _ and -: a hex digest fits."""
    return hashlib.sha256(f"clinic-webhook:{access_token}".encode()).hexdigest()


def reject_unless(
    blueprint: Blueprint, is_authentic: Callable[[Request], bool], channel: InputChannel, platform: str
) -> Blueprint:
    """Answer 403 to any request on the channel's routes that `is_authentic` refuses, except the
    health check (GET /webhooks/<name>/). That includes Rasa's Telegram /set_webhook route, which
    would otherwise let anyone re-register the webhook."""
    health = f"/webhooks/{channel.url_prefix()}"

    @blueprint.middleware("request")
    async def check(request: Request) -> HTTPResponse | None:
        if request.method == "GET" and request.path.rstrip("/") == health:
            return None
        if not is_authentic(request):
            logger.warning("%s: refused a request to %s that %s did not sign", platform, request.path, platform)
            return response.text("forbidden", status=403)
        return None

    return blueprint


class SecretTelegramOutput(TelegramOutput):
    def __init__(self, access_token: str, secret_token: str) -> None:
        super().__init__(access_token)
        self.secret_token = secret_token

    async def set_webhook(self, url: str, *args: Any, **kwargs: Any) -> bool:
        """Always with the secret token. aiogram 2.15 predates setWebhook's secret_token, so the
        API call is made directly."""
        return bool(await self.request(api.Methods.SET_WEBHOOK, {"url": url, "secret_token": self.secret_token}))


async def register_telegram_webhook(access_token: str, url: str, secret_token: str) -> None:
    bot = SecretTelegramOutput(access_token, secret_token)
    try:
        if not await bot.set_webhook(url):
            raise RasaException("Telegram refused the webhook URL")
    except TelegramAPIError as error:
        raise RasaException(f"Failed to set the Telegram webhook: {error}") from error
    finally:
        await bot.close()


class SecretTelegramInput(TelegramInput):
    def __init__(self, access_token: str, verify: str, webhook_url: str, debug_mode: bool = False) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=debug_mode)
        self.secret_token = telegram_webhook_secret(access_token)
        self.output: SecretTelegramOutput | None = None

    def is_from_telegram(self, request: Request) -> bool:
        return hmac.compare_digest(request.headers.get(TELEGRAM_SECRET_HEADER, ""), self.secret_token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Register the webhook once, at start-up and outside any event loop. Rasa's own
        connector does it inside get_output_channel(), which then fails when the HTTP API asks
        for this channel's output from within the running server."""
        asyncio.run(register_telegram_webhook(self.access_token, self.webhook_url, self.secret_token))

        async def start_is_a_greeting(message: UserMessage) -> Any:
            if (message.text or "").split(maxsplit=1)[:1] == ["/start"]:  # also "/start <deep-link>"
                message.text = "/greet"
            return await on_new_message(message)

        return reject_unless(super().blueprint(start_is_a_greeting), self.is_from_telegram, self, "Telegram")

    def get_output_channel(self) -> TelegramOutput:
        """One output per worker, for the webhook and the HTTP API alike: aiogram raises when
        Telegram refuses a message, and one Bot keeps one HTTP session instead of leaking one per
        staff message."""
        if self.output is None:
            self.output = SecretTelegramOutput(self.access_token, self.secret_token)
        return self.output


class SignedTwilioInput(TwilioInput):
    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        credentials = credentials or cls.raise_missing_credentials_exception()  # none: Rasa's error
        return cls(
            credentials.get("account_sid"), credentials.get("auth_token"),
            credentials.get("twilio_number"), credentials.get("webhook_url"),
        )

    def __init__(self, account_sid: str | None, auth_token: str | None, twilio_number: str | None,
                 webhook_url: str | None) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        if not webhook_url:
            raise RasaException("twilio: webhook_url (the public URL Twilio posts to) is needed to check signatures")
        self.webhook_url = webhook_url
        self.validator = RequestValidator(auth_token)

    def is_from_twilio(self, request: Request) -> bool:
        """Twilio signs the URL it called plus the sorted form fields, with the auth token."""
        signature = request.headers.get(TWILIO_SIGNATURE_HEADER, "")
        url = self.webhook_url + (f"?{request.query_string}" if request.query_string else "")
        return bool(signature) and self.validator.validate(url, request.form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        answered = keep_webhook_output(on_new_message, self.webhook_output)
        return reject_unless(super().blueprint(answered), self.is_from_twilio, self, "Twilio")

    def webhook_output(self) -> OutputChannel:
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number)

    def get_output_channel(self) -> OutputChannel:
        """For staff messages (the HTTP API): raises when Twilio refuses the message. The reply goes
        to the conversation id, which is the patient's `From` ("+44…" or "whatsapp:+44…"), from
        TWILIO_NUMBER, as the assistant's replies do."""
        return DeliveringTwilioOutput(self.account_sid, self.auth_token, self.twilio_number)


class ClinicFacebookInput(FacebookInput):
    """Rasa's Messenger channel (route, signature check and replies unchanged); only the HTTP API
    gets an output that raises when the Send API refuses a message."""

    def get_output_channel(self) -> OutputChannel:
        return DeliveringMessengerBot(MessengerClient(self.fb_access_token))


class ClinicSlackInput(SlackInput):
    """Rasa's Slack channel, whose staff messages go to the patient's direct messages with the app."""

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        """The webhook passes the Slack channel the patient wrote in, and gets Rasa's output for it.
        The HTTP API passes none: Rasa's would then post to SLACK_CHANNEL, a shared channel, if set;
        this one posts to the conversation id, which is the patient's Slack user id (Rasa's default
        conversation granularity, "sender"): Slack delivers that in the app's direct messages with
        them. slack_sdk raises when Slack refuses it."""
        if channel is None:
            return SlackBot(self.slack_token, None, None, self.proxy)
        return super().get_output_channel(channel, thread_id)
