"""Score intent predictions against labelled examples, overall and per intent, and real questions
by what the patient got (bench/run.py, tests/servers/test_nlu_floor.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from bot.language.clarify import reply_for
from bot.language.nlu_examples import Example

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


# Replies that honestly say "I don't have that" and give the clinic's contacts: what a question the
# documents do not cover should get (price, comparisons, combinations, anything else).
DECLINING_INTENTS = frozenset({"out_of_scope", "nlu_fallback", "ask_price", "ask_comparison", "ask_clinic_info",
                               "ask_contact", "ask_booking"})


def real_question_verdict(item: dict, kind: str, intent: str, choices: tuple[str, ...]) -> str:
    """right | right_after_choice | wrong, for one real question (tests/real_text/questions_*.yml)
    and what the patient got: kind answer (intent's answer), choose (the two `choices` offered)
    or decline. A covered question is right when its topic answers it (or a topic listed in
    `also`); right after a choice when its topic is one of the two offered. An uncovered one is
    right when the reply declines with the clinic's contacts."""
    if item["label"] == "not_covered":
        if kind == "decline" or (kind == "answer" and intent in DECLINING_INTENTS):
            return "right"
        return "right_after_choice" if kind == "choose" and any(c in DECLINING_INTENTS for c in choices) else "wrong"
    accepted = {item["label"], *item.get("also", [])}
    if kind == "answer" and intent in accepted:
        return "right"
    return "right_after_choice" if kind == "choose" and accepted & set(choices) else "wrong"


@dataclass
class RealQuestionScore:
    """Real questions scored by what the patient got; covered and uncovered kept apart."""

    verdicts: dict[str, dict[str, int]] = field(default_factory=lambda: {
        "covered": defaultdict(int), "not_covered": defaultdict(int)})
    asked_to_choose: int = 0
    total: int = 0
    misses: list[tuple[dict, str, str, tuple[str, ...]]] = field(default_factory=list)

    def add(self, item: dict, kind: str, intent: str, choices: tuple[str, ...]) -> None:
        verdict = real_question_verdict(item, kind, intent, choices)
        group = "not_covered" if item["label"] == "not_covered" else "covered"
        self.verdicts[group][verdict] += 1
        self.total += 1
        self.asked_to_choose += kind == "choose"
        if verdict == "wrong":
            self.misses.append((item, kind, intent, choices))

    def rate(self, group: str, with_choice: bool = True) -> float:
        counts = self.verdicts[group]
        total = sum(counts.values())
        right = counts["right"] + (counts["right_after_choice"] if with_choice else 0)
        return right / total if total else 0.0

    def count(self, group: str) -> int:
        return sum(self.verdicts[group].values())

    @property
    def choice_rate(self) -> float:
        return self.asked_to_choose / self.total if self.total else 0.0

    def add_parsed(self, item: dict, parsed: dict[str, Any]) -> None:
        """Score what the patient gets for NLU's parse of the question: the answer, a choice of two
        topics, or a decline (bot/language/clarify.py decides, as in the conversation)."""
        ranking = [(entry["name"], entry["confidence"]) for entry in parsed.get("intent_ranking", [])]
        reply = reply_for(parsed["intent"]["name"], ranking)
        self.add(item, reply.kind, reply.intent, reply.choices)

    def report(self) -> dict[str, Any]:
        return {
            "questions": self.total,
            "covered": self.count("covered"),
            "covered_right_answer": round(self.rate("covered", with_choice=False), 4),
            "covered_right_answer_incl_after_choice": round(self.rate("covered"), 4),
            "not_covered": self.count("not_covered"),
            "not_covered_declined": round(self.rate("not_covered", with_choice=False), 4),
            "not_covered_declined_incl_after_choice": round(self.rate("not_covered"), 4),
            "asked_to_choose": round(self.choice_rate, 4),
            "misses": [{"label": item["label"], "got": f"{kind}:{intent}", "choices": list(choices),
                        "text": item["text"], "url": item["url"]} for item, kind, intent, choices in self.misses],
        }
