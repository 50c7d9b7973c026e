"""What the patient gets for an NLU result: an answer, a choice of two topics, or a decline.

Pure: the action (actions/screen.py) and the real-question evaluation (bench/) both call
`reply_for`, so what is measured is what patients get.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml

TOPICS_FILE = Path(__file__).resolve().parent / "topics.yml"
FALLBACK = "nlu_fallback"


@lru_cache(maxsize=1)
def topic_settings() -> dict[str, Any]:
    return yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))


def topic_title(intent: str) -> str:
    return str(topic_settings()["titles"][intent])


@dataclass(frozen=True)
class Reply:
    """answer: the intent's own rule answers; choose: offer `choices`; decline: NLU fallback."""

    kind: str  # answer | choose | decline
    intent: str
    choices: tuple[str, ...] = ()


def reply_for(intent: str | None, ranking: Sequence[tuple[str, float]]) -> Reply:
    """ranking: (intent, confidence) best first, as NLU ranked them before any fallback."""
    if intent != FALLBACK:
        return Reply("answer", intent or FALLBACK)
    choices = topics_to_offer(ranking)
    return Reply("choose", FALLBACK, choices) if choices else Reply("decline", FALLBACK)


def topics_to_offer(ranking: Sequence[tuple[str, float]]) -> tuple[str, str] | None:
    settings = topic_settings()
    ranked = [(name, confidence) for name, confidence in ranking if name != FALLBACK]
    if len(ranked) < 2 or any(name not in settings["titles"] for name, _ in ranked[:2]):
        return None
    (first, top), (second, runner_up) = ranked[0], ranked[1]
    if top < float(settings["min_top"]) or top + runner_up < float(settings["min_pair"]):
        return None
    return first, second


def chosen_topic(text: str, choices: Sequence[str]) -> str | None:
    """A typed answer to the numbered choice on text channels: "1", "2" (or "3": None)."""
    number = text.strip().rstrip(".)")
    if number.isdigit() and 1 <= int(number) <= len(choices):
        return choices[int(number) - 1]
    return None
