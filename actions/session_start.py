"""action_session_start: start each conversation with the clinic's current contact details."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.profile import load_profile


class ActionSessionStart(Action):
    """Fills the clinic_* slots from clinic.yml / CLINIC_* so responses never hard-code them."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        slots = [SlotSet(name, value) for name, value in load_profile().as_slots().items()]
        return [SessionStarted(), *slots, ActionExecuted("action_listen")]
