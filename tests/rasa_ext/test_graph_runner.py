"""SequentialGraphRunner gives what Rasa's DaskGraphRunner gives, on the trained model itself."""

import pytest
import rasa.core.processor
from rasa.core.channels import UserMessage
from rasa.engine import loader
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import DOMAIN, MODEL
from rasa_ext import graph_runner
from rasa_ext.graph_runner import SequentialGraphRunner

MESSAGES = ["how many sessions will I need", "hello", "asdfgh qwerty", "I have a fever since my session"]


@pytest.fixture(scope="module")
def runners(tmp_path_factory: pytest.TempPathFactory):
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    loaded = {}
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        storage = tmp_path_factory.mktemp(runner_class.__name__)
        loaded[runner_class] = loader.load_predict_graph_runner(storage, MODEL, LocalModelStorage, runner_class)
    return loaded


def parse(runner, metadata, text: str) -> dict:
    tracker = DialogueStateTracker("t", [])
    results = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: tracker},
                         targets=[metadata.nlu_target])
    return results[metadata.nlu_target][0].as_dict(only_output_properties=True)


def predict(runner, metadata, intent: str):
    tracker = DialogueStateTracker.from_events(
        "t", [ActionExecuted("action_listen"), UserUttered("x", intent={"name": intent, "confidence": 0.9})],
        Domain.load(DOMAIN).slots)
    prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[metadata.core_target]
    return prediction.probabilities, prediction.policy_name, prediction.events


def test_parses_and_predictions_match_dask(runners):
    (dask_metadata, dask_runner), (metadata, runner) = runners[DaskGraphRunner], runners[SequentialGraphRunner]
    for text in MESSAGES:
        assert parse(runner, metadata, text) == parse(dask_runner, dask_metadata, text)
    for intent in ("faq_sessions", "greet", "nlu_fallback"):
        assert predict(runner, metadata, intent) == predict(dask_runner, dask_metadata, intent)


def test_a_missing_input_fails_as_with_dask(runners):
    for metadata, runner in runners.values():
        with pytest.raises(GraphRunError, match="Missing input"):
            runner.run(inputs={}, targets=[metadata.nlu_target])


def test_an_input_named_like_a_node_is_refused_as_with_dask(runners):
    for metadata, runner in runners.values():
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            runner.run(inputs={"x": metadata.nlu_target}, targets=[metadata.nlu_target])


def test_applying_it_replaces_the_runner_rasa_loads_models_with():
    graph_runner.apply()
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
