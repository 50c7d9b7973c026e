"""Build real rasa-sdk trackers, run an action against the real domain, and collect the result."""

import asyncio
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List

from rasa.shared.core.domain import Domain
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.paths import DOMAIN


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    return Domain.load(str(DOMAIN)).as_dict()


def user_event(text: str, intent: str, confidence: float = 0.9, input_channel: str = "rest",
               ranking: List[tuple[str, float]] | None = None) -> Dict[str, Any]:
    parse_data: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    if ranking is not None:
        parse_data["intent_ranking"] = [{"name": name, "confidence": value} for name, value in ranking]
    return {"event": "user", "timestamp": time.time(), "text": text, "input_channel": input_channel,
            "parse_data": parse_data}


def bot_event(text: str) -> Dict[str, Any]:
    return {"event": "bot", "timestamp": time.time(), "text": text}


def action_event(name: str) -> Dict[str, Any]:
    return {"event": "action", "timestamp": time.time(), "name": name}


def make_tracker(events: List[Dict[str, Any]] | None = None, sender_id: str = "patient-1",
                 paused: bool = False) -> Tracker:
    """A tracker whose latest message is the last user event in `events`; `paused` after a handoff."""
    events = [action_event("action_session_start"), {"event": "session_started"},
              action_event("action_listen"), *(events or [])]
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker(
        sender_id=sender_id,
        slots={},
        latest_message={"text": latest.get("text"), **latest.get("parse_data", {})},
        events=events,
        paused=paused,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


@dataclass
class ActionResult:
    events: List[Dict[str, Any]]
    messages: List[Dict[str, Any]]

    @property
    def responses(self) -> List[str]:
        return [message["response"] for message in self.messages if message.get("response")]


def run_action(action: Action, tracker: Tracker) -> ActionResult:
    """Runs the action as the action server does: Rasa sends it no domain (selective domain)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return ActionResult(events=list(events), messages=dispatcher.messages)
