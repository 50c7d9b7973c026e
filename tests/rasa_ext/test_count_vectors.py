"""The counted features are Rasa's own, matrix for matrix, on the trained model's featurizers."""

import numpy as np
import pytest
import scipy.sparse
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import ACTION_NAME, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_ext import count_vectors


@pytest.fixture(scope="module")
def components(trained_nlu):
    """The tokenizer and the count-vector featurizers (word and character n-grams)."""
    featurizers = [c for c in trained_nlu if isinstance(c, CountVectorsFeaturizer)]
    assert {f.vectorizers[TEXT].analyzer for f in featurizers} == {"word", "char_wb"}
    return trained_nlu[0], featurizers


def assert_same_matrix(ours, rasas, context) -> None:
    if rasas is None:
        assert ours is None, context
        return
    assert isinstance(ours, scipy.sparse.coo_matrix) and isinstance(rasas, scipy.sparse.coo_matrix), context
    assert ours.shape == rasas.shape and ours.dtype == rasas.dtype, context
    for part in ("row", "col", "data"):
        assert getattr(ours, part).dtype == getattr(rasas, part).dtype, (context, part)
        np.testing.assert_array_equal(getattr(ours, part), getattr(rasas, part), err_msg=f"{context} {part}")


def test_every_message_gets_rasas_own_matrices(components, nlu_texts):
    tokenizer, featurizers = components
    texts = list(nlu_texts)
    assert len(texts) > 800
    token_lists = []
    for text in texts:
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        token_lists.append([token.text for token in message.get("text_tokens")])
    texts.append("(no tokens at all)")
    token_lists.append([])  # no features, as in Rasa
    for featurizer in featurizers:
        count_vectors._original_create_features(featurizer, TEXT, token_lists[:1])  # sets a loaded vocabulary
        ours = count_vectors.create_features(featurizer, TEXT, token_lists)
        rasas = count_vectors._original_create_features(featurizer, TEXT, token_lists)
        for kind, mine, theirs in (("sequence", ours[0], rasas[0]), ("sentence", ours[1], rasas[1])):
            assert len(mine) == len(theirs) == len(texts)
            for text, one, other in zip(texts, mine, theirs, strict=True):
                assert_same_matrix(one, other, (featurizer.vectorizers[TEXT].analyzer, kind, text[:40]))


def test_binary_counts_and_attributes_without_sentence_features_match(components, monkeypatch):
    _, featurizers = components
    tokens = [["a", "a", "a", "session", "session"], ["mesotherapy"]]
    for featurizer in featurizers:
        vectorizer = featurizer.vectorizers[TEXT]
        count_vectors._original_create_features(featurizer, TEXT, tokens)
        monkeypatch.setattr(vectorizer, "binary", True)
        monkeypatch.setitem(featurizer.vectorizers, ACTION_NAME, vectorizer)  # not featurized per sentence
        for attribute in (TEXT, ACTION_NAME):
            ours = count_vectors.create_features(featurizer, attribute, tokens)
            rasas = count_vectors._original_create_features(featurizer, attribute, tokens)
            for mine, theirs in zip(ours[0] + ours[1], rasas[0] + rasas[1], strict=True):
                assert_same_matrix(mine, theirs, (vectorizer.analyzer, attribute))
        monkeypatch.undo()


def test_no_vectorizer_or_one_without_a_vocabulary_yet_is_left_to_rasa(components, monkeypatch):
    _, featurizers = components
    featurizer = featurizers[0]
    assert not hasattr(featurizer.vectorizers[RESPONSE], "vocabulary_")  # no responses in the training data
    calls = []
    monkeypatch.setattr(count_vectors, "_original_create_features", lambda *args: calls.append(args) or ([], []))
    assert count_vectors.create_features(featurizer, RESPONSE, [["hi"]]) == ([], [])
    assert count_vectors.create_features(featurizer, "no_such_attribute", [["hi"]]) == ([], [])
    assert len(calls) == 2
    assert count_vectors.create_features(featurizer, TEXT, [["hi"]]) != ([], [])  # fitted: counted here
    assert len(calls) == 2
