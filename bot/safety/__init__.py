"""The safety screen: every patient message goes through `screen` before any FAQ answer.

Two detectors look at each message: the rules (detector.py, decision.py: lexicon and ConText
cues kept as YAML data) and a learned second opinion on the message's meaning (learned.py).
decision.combine() lets either raise the outcome and neither lower it.
"""

from bot.safety.decision import Outcome, ScreenResult, combine, decide, learned_result, timing_words
from bot.safety.detector import analyse
from bot.safety.learned import Opinion, learned_screen


def screen_by_rules(text: str) -> ScreenResult:
    return decide(analyse(text or ""))


def screen_by_learned_opinion(text: str) -> ScreenResult:
    return learned_result(learned_screen().opinion(text or ""))


def screen(text: str, opinion: Opinion | None = None) -> ScreenResult:
    """`opinion`: the learned opinion of this very text when it is already known (Rasa's NLU
    forms it from the embedding it computes anyway); otherwise it is formed here."""
    rules = screen_by_rules(text)
    if rules.outcome == Outcome.EMERGENCY:
        return rules  # nothing outranks it; no need to ask the model
    return combine(rules, opinion if opinion is not None else learned_screen().opinion(text or ""))


def warm_up() -> None:
    """Load the rules now rather than inside the first patient's turn, which would otherwise pay
    for reading and compiling them. The learned opinion stays unloaded: Rasa's NLU forms it
    (actions only need the encoder for a message that has none), and it costs about 500 MiB."""
    screen_by_rules("Hello")
    timing_words()


__all__ = ["Opinion", "Outcome", "ScreenResult", "screen", "screen_by_learned_opinion", "screen_by_rules", "warm_up"]
