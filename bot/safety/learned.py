"""The learned second opinion: how a nurse would triage a message, judged from its meaning.

Rules (detector.py + decision.py) only see the words they list. This model sees the sentence
embedding (bot/language/encoder.py) and was fitted on labelled messages: the synthetic screening
dev set, the dev split of the real-text screening set, and the FAQ training questions as messages
that need no escalation. Never the test splits. It says how likely the message needs the
emergency line, a handoff, or nothing; decision.combine() lets it raise the rules' outcome, never
lower it.

A long message is judged sentence by sentence as well as whole (the highest score counts), so a
report inside a thank-you ("Thanks for Friday! Just one thing, my jawline still has two hard
lumps") is not averaged away.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import yaml

from bot.language.intents import linear_softmax, softmax_weights
from bot.paths import MODELS, ROOT

CLASSES = ("none", "handoff", "emergency")
SETTINGS_FILE = Path(__file__).resolve().parent / "learned.yml"
CACHE = MODELS / "safety_opinion.npz"
LABEL_CLASS = {"emergency": "emergency", "other_person_red_flag": "emergency", "side_effect": "handoff",
               "contraindication": "handoff", "other_person": "none", "no_escalation": "none"}
PARSE_DATA_KEY = "safety_opinion"  # where Rasa's NLU puts the opinion (rasa_ext/sentence_meaning.py)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Opinion:
    handoff: float  # probability that a nurse would hand this message to staff (emergency included)
    emergency: float  # probability that it needs the emergency line

    def as_dict(self) -> dict[str, float]:
        return {"handoff": self.handoff, "emergency": self.emergency}

    def as_text(self) -> str:
        """Both probabilities in a text slot, exactly (a float's repr reads back as the same float)."""
        return f"{self.handoff!r} {self.emergency!r}"

    @classmethod
    def from_text(cls, text: object) -> "Opinion | None":
        """What `as_text` wrote, or None for anything else."""
        try:
            handoff, emergency = map(float, text.split()) if isinstance(text, str) else ((), ())
        except ValueError:  # not two numbers
            return None
        return cls.from_dict({"handoff": handoff, "emergency": emergency})

    @classmethod
    def from_dict(cls, data: object) -> "Opinion | None":
        """The opinion Rasa's NLU put into the parse data (rasa_ext/safety_opinion.py), or None
        when there is none or it is not two probabilities (then the screen forms its own)."""
        if not isinstance(data, dict):
            return None
        values = [data.get("handoff"), data.get("emergency")]
        if not all(isinstance(value, (int, float)) and 0.0 <= value <= 1.0 for value in values):
            return None
        return cls(handoff=float(values[0]), emergency=float(values[1]))  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    return yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))


def training_items() -> list[tuple[str, str]]:
    """(text, class) from the screening sets and NLU files named in learned.yml."""
    items: list[tuple[str, str]] = []
    for name in settings()["screening_sets"]:
        for item in yaml.safe_load((ROOT / name).read_text(encoding="utf-8")):
            if item["label"] in LABEL_CLASS:
                items.append((item["text"], LABEL_CLASS[item["label"]]))
    from bot.language.nlu_examples import read_nlu_examples

    for pattern in settings()["question_files"]:
        for path in sorted(ROOT.glob(pattern)):
            items += [(example.text, "none") for example in read_nlu_examples(path)]
    return items


def fingerprint(items: Iterable[tuple[str, str]]) -> str:
    payload = json.dumps([list(items), settings()], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def pieces(text: str) -> list[str]:
    """The whole message first, then its sentences when it has more than one: what `opinion`
    judges, and what Rasa's SentenceEmbedder embeds for it (rasa_ext/sentence_meaning.py)."""
    sentences = [s for s in SENTENCE_END.split(text.strip()) if len(s.split()) >= 2]
    return [text, *sentences] if len(sentences) > 1 else [text]


class LearnedScreen:
    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights, self.bias = weights, bias

    @classmethod
    def fit(cls, items: list[tuple[str, str]]) -> "LearnedScreen":
        from bot.language.encoder import sentence_encoder

        vectors = sentence_encoder().encode([text for text, _ in items])
        return cls.fit_vectors(vectors, [CLASSES.index(label) for _, label in items])

    @classmethod
    def fit_vectors(cls, vectors: np.ndarray, labels: list[int]) -> "LearnedScreen":
        """Fitted on embeddings already computed; `labels` index CLASSES."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=float(settings()["regularisation"]), max_iter=3000,
                                   class_weight="balanced", random_state=42)
        model.fit(vectors, labels)
        return cls(*softmax_weights(model))

    def opinion(self, text: str) -> Opinion:
        from bot.language.encoder import sentence_encoder

        if not text.strip():
            return Opinion(0.0, 0.0)
        return self.opinion_of_vectors(sentence_encoder().encode(pieces(text)))

    def opinion_of_vectors(self, vectors: np.ndarray) -> Opinion:
        """The opinion from the embeddings of a message's `pieces`, already computed."""
        return opinion_of_probabilities(linear_softmax(vectors, self.weights, self.bias))


def opinion_of_probabilities(probabilities: np.ndarray) -> Opinion:
    """One row of CLASSES probabilities per piece of a message: the most alarming piece counts."""
    emergency = float(probabilities[:, CLASSES.index("emergency")].max())
    handoff = float((1 - probabilities[:, CLASSES.index("none")]).max())
    return Opinion(handoff=handoff, emergency=emergency)


@lru_cache(maxsize=1)
def learned_screen() -> LearnedScreen:
    """Fitted from the labelled data on first use and cached in models/ (keyed by a hash of that
    data and the settings), so a change to either refits it."""
    items = training_items()
    key = fingerprint(items)
    if CACHE.is_file():
        with np.load(CACHE, allow_pickle=False) as cached:
            if str(cached["fingerprint"]) == key:
                return LearnedScreen(cached["weights"], cached["bias"])
    screen = LearnedScreen.fit(items)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    temporary = CACHE.with_suffix(".tmp.npz")
    np.savez(temporary, weights=screen.weights, bias=screen.bias, fingerprint=np.array(key))
    temporary.replace(CACHE)
    return screen
