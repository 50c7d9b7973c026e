"""Long messages are cut to their start before NLU; others pass untouched."""

import asyncio

from rasa.core.channels.channel import UserMessage

from rasa_ext.limits import MAX_MESSAGE_CHARS, limit_length


def passed_on(text):
    seen = []

    async def on_new_message(message: UserMessage) -> None:
        seen.append(message.text)

    asyncio.run(limit_length(on_new_message)(UserMessage(text, sender_id="p")))
    return seen[0]


def test_a_long_message_keeps_its_start():
    text = "my lips are swelling " + "a" * 5000
    assert passed_on(text) == text[:MAX_MESSAGE_CHARS]


def test_short_empty_and_missing_messages_pass_untouched():
    assert passed_on("hello") == "hello"
    assert passed_on("") == ""
    assert passed_on(None) is None
