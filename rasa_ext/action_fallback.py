"""What the Rasa server does when the action server cannot be used (down, restarting, 5xx, timeout).

Rasa 3.6 logs the failure of a custom action, drops its events and goes on predicting: every rule
would then give its FAQ answer to a message the safety screen never saw, and a new conversation
would start without the clinic's details in its slots. Here, instead:
- `action_screen_message` fails → the patient gets the clinic's phone and the emergency number
  (content/safety_messages.yml, `assistant_unavailable`) and the turn stops there: a message that
  could not be screened never gets a cheerful FAQ answer. The message itself is stored as usual.
- `action_session_start` fails → Rasa's own session start, with the clinic slots filled here.
Nothing is paused or cached, so the next message after the action server is back works normally.
"""

import asyncio
import logging
import os
from typing import Any, List, Mapping

import jsonschema
from rasa.core.actions.action import ActionSessionStart, RemoteAction, create_bot_utterance
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event, FollowupAction, SlotSet
from rasa.shared.exceptions import RasaException

from bot.profile import load_profile
from bot.replies import render

logger = logging.getLogger(__name__)

SCREEN_ACTION = "action_screen_message"
# Rasa waits 300 s for an action by default: a hung action server would keep the patient waiting
# that long. A handoff (ticket, staff webhook with retries) takes well under this.
TIMEOUT_ENV = "ACTION_SERVER_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 60.0
# Connection refused and HTTP errors reach the processor as RasaException, a malformed response as
# jsonschema's ValidationError, a slow server as TimeoutError.
ACTION_SERVER_FAILURES = (RasaException, jsonschema.ValidationError, asyncio.TimeoutError)

_original_run = RemoteAction.run


def action_timeout(environ: Mapping[str, str] | None = None) -> float:
    try:
        return float((os.environ if environ is None else environ).get(TIMEOUT_ENV) or DEFAULT_TIMEOUT_SECONDS)
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS


def unavailable_reply() -> List[Event]:
    """The clinic's contacts, then stop the turn (no rule's answer follows)."""
    text = render("assistant_unavailable", load_profile())
    return [create_bot_utterance({"text": text}), FollowupAction(ACTION_LISTEN_NAME)]


async def session_start_without_action_server(output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    """Rasa's built-in session start, plus the clinic slots actions/session_start.py would set."""
    events = await ActionSessionStart().run(output_channel, nlg, tracker, domain)
    slots = [SlotSet(name, value) for name, value in load_profile().as_slots().items()]
    listen_at = next(i for i, event in enumerate(events) if isinstance(event, ActionExecuted))
    return [*events[:listen_at], *slots, *events[listen_at:]]


async def run_with_fallback(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> List[Event]:
    if self.name() not in (SCREEN_ACTION, ACTION_SESSION_START_NAME):
        return await _original_run(self, output_channel, nlg, tracker, domain)
    try:
        return await asyncio.wait_for(_original_run(self, output_channel, nlg, tracker, domain), action_timeout())
    except ACTION_SERVER_FAILURES as error:
        # No message text here: only the conversation id and what failed.
        logger.error(
            "ACTION SERVER UNAVAILABLE: %s failed for conversation %s (%s); %s",
            self.name(), tracker.sender_id, type(error).__name__,
            "the patient was given the clinic's contacts" if self.name() == SCREEN_ACTION
            else "the session started without it",
        )
        if self.name() == SCREEN_ACTION:
            return unavailable_reply()
        return await session_start_without_action_server(output_channel, nlg, tracker, domain)


def apply() -> None:
    RemoteAction.run = run_with_fallback  # type: ignore[method-assign]
