"""The REST channel, hardened against malformed requests and safe behind a load balancer.

Rasa's own RestInput answers a JSON array with a 500, replies to a null or numeric message with
silence, and files every message without a `sender` under one shared conversation called
"default", which would mix different patients' messages. This subclass keeps the same route,
/webhooks/rest/webhook, and fixes all three. It also cuts long messages before NLU
(rasa_ext/limits.py). PatientCallbackInput does the same for Rasa's callback channel
(/webhooks/callback/webhook, replies POSTed to the configured URL), and POSTs staff messages there
too, failing when the URL refuses them (rasa_ext/staff_delivery.py). REST clients get no staff
messages: they only get answers to their own requests.

For several Rasa replicas behind nginx (deploy/nginx.conf) it also:
- accepts the conversation id as the `X-Conversation-Id` header or the `?sender=` query parameter,
  which nginx can hash on to send each conversation to one replica (nginx cannot read JSON
  bodies). A body `sender` that disagrees with them is refused, so routing and storage agree.
- handles a message that carries an id (`message_id` in the body or the `X-Message-Id` header)
  at most once: a copy that arrives again, because a replica died or the client retried, gets the
  stored replies instead of being handled twice (rasa_ext/once.py).
"""

import json
import uuid
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict

import structlog
from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_ext.limits import OnNewMessage, cut_long_text, limit_length
from rasa_ext.once import handle_once
from rasa_ext.staff_delivery import DeliveringCallbackOutput, keep_webhook_output

logger = structlog.get_logger()
SENDER_HEADER = "X-Conversation-Id"
MESSAGE_ID_HEADER = "X-Message-Id"
MAX_ID_LENGTH = 128


def json_object(request: Request) -> Dict[str, Any]:
    body = request.json  # malformed JSON raises InvalidUsage (400) here
    if not isinstance(body, dict):
        raise InvalidUsage('expected a JSON object such as {"sender": "…", "message": "…"}')
    return body


def text_or_none(value: Any, name: str) -> str | None:
    """A non-blank id as text, or None; an id longer than MAX_ID_LENGTH is refused."""
    if value is None or not str(value).strip():
        return None
    if len(str(value)) > MAX_ID_LENGTH:
        raise InvalidUsage(f"{name} is longer than {MAX_ID_LENGTH} characters")
    return str(value)


class PatientRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str:
        """A message without a sender starts its own conversation; the reply's `recipient_id`
        tells the client which id to send next time."""
        in_body = text_or_none(json_object(req).get("sender"), "sender")
        routed = text_or_none(req.headers.get(SENDER_HEADER) or req.args.get("sender"), SENDER_HEADER)
        if in_body and routed and in_body != routed:
            raise InvalidUsage(f"the body's sender and the {SENDER_HEADER} header or ?sender= differ")
        return in_body or routed or uuid.uuid4().hex

    def _extract_message(self, req: Request) -> str:
        message = json_object(req).get("message")
        if message is None:
            return ""
        return message if isinstance(message, str) else json.dumps(message)

    @staticmethod
    def _extract_message_id(req: Request) -> str | None:
        return text_or_none(json_object(req).get("message_id") or req.headers.get(MESSAGE_ID_HEADER), "message_id")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST routes, with long messages cut and a message that carries an id handled at
        most once."""
        on_new_message = limit_length(on_new_message)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            sender, text = await self._extract_sender(request), self._extract_message(request)
            message_id = self._extract_message_id(request)
            channel, metadata = self._extract_input_channel(request), self.get_metadata(request)
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, channel, metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=channel, metadata=metadata,
                                  message_id=message_id)
            try:  # as Rasa's RestInput: a failure is logged and the replies so far are returned
                if message_id is None:
                    await on_new_message(message)
                else:
                    cut_long_text(message)
                    await handle_once(request.app.ctx.agent, message)
            except CancelledError:
                logger.error("rest.message.received.timeout", sender_id=sender)
            except Exception:
                logger.exception("rest.message.received.failure", sender_id=sender)
            return response.json(collector.messages)

        return webhook

class PatientCallbackInput(PatientRestInput, CallbackInput):
    """Rasa's CallbackInput (route, credentials, output) with the hardened request parsing."""

    @classmethod
    def name(cls) -> str:
        return "callback"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        answered = keep_webhook_output(limit_length(on_new_message), self.webhook_output)
        return CallbackInput.blueprint(self, answered)

    def webhook_output(self) -> CallbackOutput:
        return CallbackOutput(self.callback_endpoint)

    def get_output_channel(self) -> CollectingOutputChannel:
        """For staff messages (the HTTP API): POSTed to the callback URL like the assistant's
        replies (`recipient_id` is the conversation id), but a refusal raises."""
        return DeliveringCallbackOutput(self.callback_endpoint)
