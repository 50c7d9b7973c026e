"""action_session_start: start each conversation with the clinic's current contact details, and keep
a conversation handed to staff paused across a new session.

Rasa starts a new session when the patient writes after `session_expiration_time` (60 minutes), and
a new session clears the pause a handoff set. While the conversation's ticket is still open, staff
have it: the assistant must stay silent whatever the patient writes, so the pause is set again.
"""

import asyncio
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.screen import ticket_store
from bot.profile import load_profile

logger = logging.getLogger(__name__)


def still_with_staff(conversation_id: str) -> bool:
    """Whether the conversation has a ticket not resolved yet. When the ticket database cannot say,
    True: the conversation was handed to staff, and only resolving hands it back."""
    try:
        return ticket_store().open_ticket_for(conversation_id) is not None  # the screen's shared store
    except Exception as error:  # no message text in the log
        logger.error("could not check conversation %s for an open ticket (%s); it stays paused",
                     conversation_id, type(error).__name__)
        return True


class ActionSessionStart(Action):
    """Fills the clinic_* slots from clinic.yml / CLINIC_* so responses never hard-code them."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        slots = [SlotSet(name, value) for name, value in load_profile().as_slots().items()]
        events: List[EventType] = [SessionStarted(), *slots]
        # Only a paused conversation (the tracker Rasa sends is still the old session's) asks the database.
        if tracker.is_paused() and await asyncio.get_running_loop().run_in_executor(
                None, still_with_staff, tracker.sender_id):
            events.append(ConversationPaused())
        return [*events, ActionExecuted("action_listen")]
