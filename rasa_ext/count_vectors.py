"""CountVectorsFeaturizer's features, counted straight from the fitted vocabulary.

For every message Rasa 3.6 calls scikit-learn's `CountVectorizer.transform` twice per featurizer:
once with each token as a document (the sequence features) and once with the joined tokens (the
sentence features). Each call checks the fitted vectorizer again, builds its analyzer again and
goes through a CSR matrix that Rasa then sorts and converts to COO. For a message of a few words
that overhead costs several times the counting itself (about 13% of a worker's CPU, by profile).

Here the analyzer is built once per vectorizer, and the counts go straight into the COO matrices
Rasa keeps: same rows, columns, values and types. A vectorizer that has not counted anything yet
(a freshly loaded model's sets its vocabulary on first use) and everything else Rasa does
(out-of-vocabulary tokens, training) stay Rasa's own. tests/rasa_ext/test_count_vectors.py
compares every matrix with Rasa's on the trained model.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence
from weakref import WeakKeyDictionary

import numpy as np
import scipy.sparse
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from sklearn.feature_extraction.text import CountVectorizer

_original_create_features = CountVectorsFeaturizer._create_features
_analyzers: WeakKeyDictionary[CountVectorizer, Callable[[str], list[str]]] = WeakKeyDictionary()


def analyzer(vectorizer: CountVectorizer) -> Callable[[str], list[str]]:
    """The vectorizer's analyzer, built once (its settings do not change after fitting)."""
    if vectorizer not in _analyzers:
        _analyzers[vectorizer] = vectorizer.build_analyzer()
    return _analyzers[vectorizer]


def counts(vectorizer: CountVectorizer, documents: Sequence[str]) -> scipy.sparse.coo_matrix:
    """`vectorizer.transform(documents)`, sorted and as COO, as Rasa stores it: one row per
    document, a column per vocabulary entry, in column order within each row."""
    vocabulary = vectorizer.vocabulary_
    analyze = analyzer(vectorizer)
    rows: list[int] = []
    columns: list[int] = []
    values: list[int] = []
    for row, document in enumerate(documents):
        found: dict[int, int] = {}
        for feature in analyze(document):
            column = vocabulary.get(feature)
            if column is not None:
                found[column] = found.get(column, 0) + 1
        for column in sorted(found):
            rows.append(row)
            columns.append(column)
            values.append(1 if vectorizer.binary else found[column])
    return scipy.sparse.coo_matrix(
        (np.asarray(values, dtype=vectorizer.dtype),
         (np.asarray(rows, dtype=np.int32), np.asarray(columns, dtype=np.int32))),
        shape=(len(documents), len(vocabulary)),
    )


def create_features(
    self: CountVectorsFeaturizer, attribute: str, all_tokens: list[list[str]]
) -> tuple[list[Any], list[Any]]:
    vectorizer = self.vectorizers.get(attribute)
    if not vectorizer or not getattr(vectorizer, "vocabulary_", None):
        return _original_create_features(self, attribute, all_tokens)
    sequence_features: list[Any] = []
    sentence_features: list[Any] = []
    for tokens in all_tokens:
        if not tokens:  # nothing to featurize
            sequence_features.append(None)
            sentence_features.append(None)
            continue
        sequence_features.append(counts(vectorizer, tokens))
        sentence = counts(vectorizer, [" ".join(tokens)]) if attribute in DENSE_FEATURIZABLE_ATTRIBUTES else None
        sentence_features.append(sentence)
    return sequence_features, sentence_features


def apply() -> None:
    CountVectorsFeaturizer._create_features = create_features  # type: ignore[method-assign]
