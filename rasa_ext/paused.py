"""A paused conversation stays paused: after a handoff, staff have it until its ticket is resolved.

Rasa still handles a message in a paused conversation when its intent is `restart` (a patient
typing "/restart"), and the restart clears the pause, so the assistant would answer over the staff
member (seen on the real servers: four replies and a second handoff message). With this patch Rasa
handles nothing while paused; the conversation is handed back only by a `resume` event, which
resolving the ticket posts (`python -m bot staff resolve`, or the staff inbox).
"""

from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker


def should_handle_message(tracker: DialogueStateTracker) -> bool:
    return not tracker.is_paused()


def apply() -> None:
    MessageProcessor._should_handle_message = staticmethod(should_handle_message)  # type: ignore[method-assign]
