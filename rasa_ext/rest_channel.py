"""The REST channel, hardened against malformed requests.

Rasa's own RestInput answers a JSON array with a 500, replies to a null or numeric message with
silence, and files every message without a `sender` under one shared conversation called
"default", which would mix different patients' messages. This subclass keeps the same route,
/webhooks/rest/webhook, and fixes all three. It also cuts long messages before NLU
(rasa_ext/limits.py). PatientCallbackInput does the same for Rasa's callback channel
(/webhooks/callback/webhook, replies POSTed to the configured URL).
"""

import json
import uuid
from typing import Any, Dict

from rasa.core.channels.callback import CallbackInput
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from rasa_ext.limits import OnNewMessage, limit_length


def json_object(request: Request) -> Dict[str, Any]:
    body = request.json  # malformed JSON raises InvalidUsage (400) here
    if not isinstance(body, dict):
        raise InvalidUsage('expected a JSON object such as {"sender": "…", "message": "…"}')
    return body


class PatientRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(limit_length(on_new_message))

    async def _extract_sender(self, req: Request) -> str:
        """A message without a sender starts its own conversation; the reply's `recipient_id`
        tells the client which id to send next time."""
        sender = json_object(req).get("sender")
        if sender is None or not str(sender).strip():
            return uuid.uuid4().hex
        return str(sender)

    def _extract_message(self, req: Request) -> str:
        message = json_object(req).get("message")
        if message is None:
            return ""
        return message if isinstance(message, str) else json.dumps(message)


class PatientCallbackInput(PatientRestInput, CallbackInput):
    """Rasa's CallbackInput (route, credentials, output) with the hardened request parsing."""

    @classmethod
    def name(cls) -> str:
        return "callback"
