"""Sentence meaning, computed once per message for everything in the pipeline that needs it.

SentenceEmbedder embeds a message's pieces (the whole text, then its sentences when it has more
than one; bot.safety.learned.pieces) with all-MiniLM-L6-v2. SentenceMeaningIntentClassifier uses
the first vector, and SafetyOpinionAnnotator the lot, to add the learned safety opinion to the
parse data. The action server reads that opinion instead of embedding the message a second time.
The vectors stay inside this process: they are not part of the parse data.
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.encoder import sentence_encoder
from bot.safety.learned import PARSE_DATA_KEY, learned_screen, pieces

MEANING_VECTORS = "sentence_meaning_vectors"  # (pieces, 384) float32, whole message first


def meaning_vectors(message: Message) -> np.ndarray | None:
    vectors = message.get(MEANING_VECTORS)
    return vectors if isinstance(vectors, np.ndarray) and len(vectors) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbedder(GraphComponent):
    def __init__(self) -> None:
        self.encoder = sentence_encoder()  # loaded (and its files verified) with the model

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEmbedder:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and text.strip():
                message.set(MEANING_VECTORS, self.encoder.encode(pieces(text)))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the intent classifier embeds its examples when it trains


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SafetyOpinionAnnotator(GraphComponent):
    """Adds `safety_opinion` ({handoff, emergency} probabilities) to the parse data."""

    def __init__(self) -> None:
        self.screen = learned_screen()  # fitted (or read from its cache in models/) with the model

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SafetyOpinionAnnotator:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            vectors = meaning_vectors(message)
            if vectors is not None:
                message.set(PARSE_DATA_KEY, self.screen.opinion_of_vectors(vectors).as_dict(), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
