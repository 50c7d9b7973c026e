"""BagOfWordsDIETClassifier scores intents as DIETClassifier does, on the trained model itself."""

import dataclasses

import numpy as np
import pytest
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_ext.diet_classifier import BagOfWordsDIETClassifier, BagOfWordsWeights


@pytest.fixture(scope="module")
def pipeline(trained_nlu):
    """The featurizers, in order, and the classifier."""
    classifier = next(c for c in trained_nlu if isinstance(c, BagOfWordsDIETClassifier))
    return trained_nlu[:trained_nlu.index(classifier)], classifier


def featurized(featurizers, text: str) -> Message:
    message = Message(data={TEXT: text})
    for component in featurizers:
        component.process([message])
    return message


def test_the_model_is_scored_in_numpy(pipeline):
    _, classifier = pipeline
    assert classifier._bag_of_words() is not None


def test_intents_and_confidences_match_diets_own_on_every_message(pipeline, nlu_texts):
    featurizers, classifier = pipeline
    assert len(nlu_texts) > 800
    for text in nlu_texts:
        message = featurized(featurizers, text)
        ours = classifier._predict(message)
        diets = DIETClassifier._predict(classifier, message)
        assert set(ours) == {"i_scores"}
        assert ours["i_scores"].shape == diets["i_scores"].shape
        np.testing.assert_allclose(ours["i_scores"], diets["i_scores"], rtol=0, atol=1e-5, err_msg=text)
        label, ranking = classifier._predict_label(ours)
        diets_label, diets_ranking = classifier._predict_label(diets)
        assert label["name"] == diets_label["name"], text
        assert_same_ranking(ranking, diets_ranking, text)


def assert_same_ranking(ours: list[dict], diets: list[dict], text: str, tolerance: float = 1e-5) -> None:
    """The same confidence at every rank, and every intent at its own confidence. Intents whose
    confidences are equal within the tolerance may swap places (their order is a floating-point
    tie), and so may the intents at the ranking's cut-off."""
    assert len(ours) == len(diets), text
    np.testing.assert_allclose([r["confidence"] for r in ours], [r["confidence"] for r in diets],
                               rtol=0, atol=tolerance, err_msg=text)
    theirs = {r["name"]: r["confidence"] for r in diets}
    cut_off = diets[-1]["confidence"]
    for entry in ours:
        expected = theirs.get(entry["name"], cut_off)
        assert abs(entry["confidence"] - expected) <= tolerance, (text, entry["name"])


def test_a_run_that_wants_diagnostic_data_gets_diets_own(pipeline, monkeypatch):
    featurizers, classifier = pipeline
    context = dataclasses.replace(classifier._execution_context, should_add_diagnostic_data=True)
    monkeypatch.setattr(classifier, "_execution_context", context)
    assert DIAGNOSTIC_DATA in classifier._predict(featurized(featurizers, "how many sessions will I need"))


def test_a_message_without_sparse_sentence_features_goes_to_diet(pipeline):
    _, classifier = pipeline
    assert classifier._predict(Message(data={TEXT: "not featurized"})) is None  # DIET's own answer: no features


@pytest.mark.parametrize("change", ["transformer", "hidden_layers", "entities", "activation", "sentence_layers"])
def test_models_of_another_shape_are_left_to_diet(pipeline, monkeypatch, change):
    _, classifier = pipeline
    model = classifier.model
    sequence_layer = model._tf_layers[f"sequence_layer.{model.text_name}"]
    sentence_layer = sequence_layer._tf_layers["feature_combining"]._tf_layers["sparse_dense.sentence"]
    if change == "transformer":
        monkeypatch.setattr(sequence_layer, "_has_transformer", True)
    elif change == "hidden_layers":
        monkeypatch.setattr(sequence_layer._tf_layers["ffnn"], "_ffn_layers", [object()])
    elif change == "entities":
        monkeypatch.setitem(model.config, "entity_recognition", True)
    elif change == "activation":
        monkeypatch.setattr(sentence_layer._tf_layers["sparse_to_dense"], "activation", np.tanh)
    else:
        monkeypatch.setitem(sentence_layer._tf_layers, "unexpected", object())
    assert BagOfWordsWeights.from_model(model) is None


def test_features_of_another_width_are_an_error(pipeline):
    featurizers, classifier = pipeline
    last_count_vectors = [f for f in featurizers if isinstance(f, CountVectorsFeaturizer)][-1]
    message = featurized([f for f in featurizers if f is not last_count_vectors], "hello")  # its columns missing
    features = [f.features for f in message.features if f.type == "sentence"]
    with pytest.raises(ValueError, match="sentence feature columns"):
        classifier._bag_of_words().scores(features)
