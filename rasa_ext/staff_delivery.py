"""Staff messages to messaging-channel patients, through their connectors' own send calls.

The staff inbox posts a staff reply (and, on resolve, the hand-back line) to Rasa's HTTP API with
`execute_side_effects=true&output_channel=latest`: Rasa appends the events and sends each `bot`
event through the output of the conversation's latest input channel, which it gets from that
channel's `get_output_channel()` (rasa.server._get_output_channel). The clinic's channels answer it
with the outputs below, which raise DeliveryFailed when the platform refuses a message. Rasa then
answers 500 and does not store the events, so the inbox can tell the staff member the message was
not sent, and the transcript never shows a message the patient did not get.

Rasa's own Twilio, Messenger and callback outputs log a refused message and carry on, which is
right for the assistant's replies (the patient's message must still be stored if a reply fails),
so the webhooks keep those (`keep_webhook_output`); Telegram's (aiogram) and Slack's (slack_sdk)
already raise. Socket.io and REST conversations get nothing from here: socket.io patients get
staff messages from rasa_ext/staff_relay.py, REST clients have no push channel.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.callback import CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import MessengerBot
from rasa.core.channels.twilio import TwilioOutput
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError
from twilio.base.exceptions import TwilioRestException

MESSENGER_TIMEOUT_SECONDS = 20.0
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class DeliveryFailed(RasaException):
    """The platform refused a message, or said nothing we could read as "sent"."""


def keep_webhook_output(on_new_message: OnNewMessage, make_output: Callable[[], OutputChannel]) -> OnNewMessage:
    """A webhook's messages are answered through `make_output()` (Rasa's lenient output), not the
    delivering one `get_output_channel()` now returns for the HTTP API."""

    async def handle(message: UserMessage) -> Any:
        message.output_channel = make_output()
        return await on_new_message(message)

    return handle


class DeliveringTwilioOutput(TwilioOutput):
    async def _send_message(self, message_data: Dict[str, Any]) -> Any:
        """One attempt, off the event loop (the twilio client blocks); a refusal raises."""
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except TwilioRestException as error:
            raise DeliveryFailed(f"Twilio refused the message: {error.msg} (error {error.code})") from error


class DeliveringMessengerBot(MessengerBot):
    def send(self, recipient_id: str, element: Any) -> None:
        """The Send API answers a refusal with an `error` object, which fbmessenger returns as is."""
        answer = self.messenger_client.send(element.to_dict(), recipient_id, "RESPONSE",
                                            timeout=MESSENGER_TIMEOUT_SECONDS)
        error = answer.get("error") if isinstance(answer, dict) else {"message": f"unexpected answer {answer!r}"}
        if error:
            raise DeliveryFailed(f"Messenger refused the message: {error.get('message')} (code {error.get('code')})")


class DeliveringCallbackOutput(CallbackOutput):
    async def _persist_message(self, message: Dict[str, Any]) -> None:
        await CollectingOutputChannel._persist_message(self, message)
        try:
            await self.callback_endpoint.request("post", content_type="application/json", json=message)
        except ClientResponseError as error:
            raise DeliveryFailed(f"the callback URL answered HTTP {error.status}") from error
