"""Each message is embedded once in Rasa: the intent ranking and the safety opinion share it."""

import numpy as np
import pytest
from rasa.shared.nlu.constants import INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety.learned import PARSE_DATA_KEY, learned_screen
from rasa_ext.sentence_intents import SentenceMeaningIntentClassifier
from rasa_ext.sentence_meaning import MEANING_VECTORS, SafetyOpinionAnnotator, SentenceEmbedder

TEXTS = ["what is mesotherapy?", "Thanks for Friday! Just one thing, my jawline still has two hard lumps.",
         "I can't breathe and my lips are swelling", "how many sessions", *["", "   ", "😀", "<b>hi</b>"]]


def parsed(components, text: str) -> Message:
    message = Message(data={TEXT: text})
    for component in components:
        component.process([message])
    return message


@pytest.fixture(scope="module")
def pipeline(trained_nlu):
    kinds = [type(component) for component in trained_nlu]
    assert kinds.index(SentenceEmbedder) < kinds.index(SafetyOpinionAnnotator) < kinds.index(
        SentenceMeaningIntentClassifier), "the embedder runs before both users of its vectors"
    return trained_nlu


@pytest.mark.parametrize("text", TEXTS)
def test_the_parse_data_carries_the_opinion_the_action_would_form(pipeline, text):
    output = parsed(pipeline, text).as_dict(only_output_properties=True)
    if not text.strip():
        assert PARSE_DATA_KEY not in output  # nothing to judge; the action screens it itself
        return
    expected = learned_screen().opinion(text)
    assert output[PARSE_DATA_KEY] == pytest.approx(expected.as_dict(), abs=1e-5)
    assert MEANING_VECTORS not in output  # the vectors stay inside Rasa


@pytest.mark.parametrize("text", TEXTS[:4])
def test_the_intent_ranking_is_the_same_as_with_its_own_embedding(pipeline, text):
    without_embedder = [c for c in pipeline if not isinstance(c, (SentenceEmbedder, SafetyOpinionAnnotator))]
    shared, own = parsed(pipeline, text), parsed(without_embedder, text)
    ranking = [(entry["name"], entry["confidence"]) for entry in shared.get(INTENT_RANKING_KEY)]
    expected = [(entry["name"], entry["confidence"]) for entry in own.get(INTENT_RANKING_KEY)]
    assert [name for name, _ in ranking] == [name for name, _ in expected]
    assert np.allclose([c for _, c in ranking], [c for _, c in expected], atol=1e-5)
