"""Handle a patient's message once, even when it arrives twice.

A message arrives twice when a Rasa replica dies while handling it: nginx passes the same request
to another replica (`proxy_next_upstream error … non_idempotent`), or the client retries after an
error. Whether the first copy was stored depends on when the replica died, because Rasa saves a
whole turn (the patient's message, the actions, the replies) in one commit at its end. So a
message that carries an id (`message_id`; nginx gives every request one) is looked up in its
conversation *inside the conversation's lock*: if that id is already stored, the replies stored
after it are sent again and nothing is handled or stored a second time.
"""

from typing import Any, Dict, List

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def stored_replies(tracker: DialogueStateTracker | None, message_id: str) -> List[Dict[str, Any]] | None:
    """The bot messages stored after the user message `message_id` (before the next user
    message), or None when that message is not stored. A paused conversation stored no reply:
    an empty list, which is the right answer again."""
    if tracker is None:
        return None
    replies: List[Dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if event.message_id == message_id:
                replies = []
        elif replies is not None and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies


async def handle_once(agent: Agent, message: UserMessage) -> None:
    """`Agent.handle_message`, except that a message already stored is answered from the store.
    The look-up and the handling share one lock, so two copies cannot both be handled."""
    if not agent.is_ready():
        return
    async with agent.lock_store.lock(message.sender_id):
        replies = stored_replies(await agent.tracker_store.retrieve(message.sender_id), message.message_id)
        if replies is None:
            await agent.processor.handle_message(message)  # type: ignore[union-attr]
            return
        for reply in replies:
            await message.output_channel.send_response(message.sender_id, reply)
