"""The held-out NLU set (never trained on), scored against the running model: the share of
messages whose answer is right (see bench.scoring.ACCEPTABLE_ANSWERS)."""

import pytest

from bench.scoring import score
from bot.language.nlu_examples import read_nlu_examples
from bot.paths import HELD_OUT_NLU

pytestmark = pytest.mark.servers

ACCURACY_FLOOR = 0.90


def test_held_out_intent_accuracy_is_at_least_the_floor(stack):
    overall, per_intent = score(read_nlu_examples(HELD_OUT_NLU), lambda text: stack.parse(text)["intent"]["name"])
    misses = "\n".join(f"  {e.intent} -> {got}: {e.text}" for e, got in overall.misses)
    assert overall.accuracy >= ACCURACY_FLOOR, f"accuracy {overall.accuracy:.3f}; misses:\n{misses}"
    assert len(per_intent) >= 30
