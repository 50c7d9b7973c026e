"""Which FAQ topic a message asks about, from its sentence meaning.

A multinomial logistic regression on the sentence embeddings of the training examples. Its
probabilities are blended with the bag-of-words model's (DIET): the bag of words knows the
clinic's exact vocabulary and typos, the embeddings know how other people phrase the same
question. Saved as plain arrays (numpy .npz without pickles).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class IntentModel:
    intents: tuple[str, ...]
    weights: np.ndarray  # (dimension, intents)
    bias: np.ndarray  # (intents,)

    @classmethod
    def train(cls, vectors: np.ndarray, labels: list[str], regularisation: float, seed: int = 42) -> "IntentModel":
        from sklearn.linear_model import LogisticRegression

        classifier = LogisticRegression(C=regularisation, max_iter=2000, random_state=seed)
        classifier.fit(vectors, labels)
        return cls(tuple(str(c) for c in classifier.classes_), *softmax_weights(classifier))

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return linear_softmax(vectors, self.weights, self.bias)

    def ranking(self, vector: np.ndarray) -> dict[str, float]:
        return dict(zip(self.intents, self.probabilities(vector[None, :])[0].tolist(), strict=True))

    def save(self, path: Path) -> None:
        np.savez(path, intents=np.array(self.intents), weights=self.weights, bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> "IntentModel":
        with np.load(path, allow_pickle=False) as arrays:
            return cls(tuple(str(i) for i in arrays["intents"]), arrays["weights"], arrays["bias"])


def linear_softmax(vectors: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Class probabilities of a linear softmax model, one row per vector."""
    scores = vectors @ weights + bias
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return scores / scores.sum(axis=-1, keepdims=True)


def softmax_weights(classifier: Any) -> tuple[np.ndarray, np.ndarray]:
    """A fitted LogisticRegression's weights as one softmax over its classes. With two classes
    sklearn keeps one row (the second class's log-odds): a softmax over [0, row] is the same."""
    weights, bias = classifier.coef_.T, classifier.intercept_
    if weights.shape[1] == 1:
        weights = np.hstack([np.zeros_like(weights), weights])
        bias = np.concatenate([[0.0], bias])
    return weights.astype(np.float32), bias.astype(np.float32)


def blend(bag_of_words: dict[str, float], meaning: dict[str, float], meaning_weight: float) -> list[tuple[str, float]]:
    """The two rankings mixed (an intent one model does not rank counts as 0), best first."""
    intents = set(bag_of_words) | set(meaning)
    mixed = {intent: (1 - meaning_weight) * bag_of_words.get(intent, 0.0) + meaning_weight * meaning.get(intent, 0.0)
             for intent in intents}
    return sorted(mixed.items(), key=lambda item: (-item[1], item[0]))
