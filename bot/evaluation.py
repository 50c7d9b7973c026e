"""Score intent predictions against a labelled NLU file (Rasa YAML), overall and per intent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml


@dataclass(frozen=True)
class Example:
    intent: str
    text: str


def read_nlu_examples(path: Path) -> list[Example]:
    """The `- intent:` / `examples: |` items of a Rasa NLU YAML file, in file order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in document.get("nlu", []):
        if "intent" not in item:
            continue
        for line in str(item.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(item["intent"], line[2:].strip()))
    return examples


# For an off-topic message the right answer is to decline. The out-of-scope reply and the
# "could you rephrase?" fallback both decline, so either is a correct answer for out_of_scope.
# For every other intent a fallback is a miss: the patient did not get the answer.
ACCEPTABLE_ANSWERS = {"out_of_scope": {"out_of_scope", "nlu_fallback"}}


def is_correct_answer(expected: str, predicted: str) -> bool:
    return predicted in ACCEPTABLE_ANSWERS.get(expected, {expected})


@dataclass
class Score:
    """Accuracy of predictions."""

    correct: int = 0
    total: int = 0
    misses: list[tuple[Example, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def score(
    examples: Iterable[Example],
    predict: Callable[[str], str],
    correct: Callable[[str, str], bool] = is_correct_answer,
) -> tuple[Score, dict[str, Score]]:
    """Score `predict` on `examples`. By default a prediction is right when the patient gets the
    right answer (see ACCEPTABLE_ANSWERS); pass `correct=operator.eq` for strict intent accuracy."""
    overall = Score()
    per_intent: dict[str, Score] = defaultdict(Score)
    for example in examples:
        predicted = predict(example.text)
        for bucket in (overall, per_intent[example.intent]):
            bucket.total += 1
            if correct(example.intent, predicted):
                bucket.correct += 1
            else:
                bucket.misses.append((example, predicted))
    return overall, dict(per_intent)
