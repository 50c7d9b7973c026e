"""Caps on what one patient message can make the assistant do.

Every channel passes each message through `limit_length` before NLU: a message is cut to its first
MAX_MESSAGE_CHARS characters, so a pasted essay cannot slow NLU down for everyone, and the safety
screen still sees how it starts. (Request bodies are capped by Sanic itself: SANIC_REQUEST_MAX_SIZE,
set in runtime/servers.py.)
"""

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def cut_long_text(message: UserMessage) -> None:
    if isinstance(message.text, str) and len(message.text) > MAX_MESSAGE_CHARS:
        logger.info("a message of %d characters in conversation %s was cut to %d",
                    len(message.text), message.sender_id, MAX_MESSAGE_CHARS)
        message.text = message.text[:MAX_MESSAGE_CHARS]


def limit_length(on_new_message: OnNewMessage) -> OnNewMessage:
    async def handle(message: UserMessage) -> Any:
        cut_long_text(message)
        return await on_new_message(message)

    return handle
