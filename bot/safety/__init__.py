"""The safety screen: every patient message goes through `screen` before any FAQ answer."""

from bot.safety.decision import Outcome, ScreenResult, decide
from bot.safety.detector import analyse


def screen(text: str) -> ScreenResult:
    return decide(analyse(text or ""))


__all__ = ["Outcome", "ScreenResult", "screen"]
