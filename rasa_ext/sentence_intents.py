"""SentenceMeaningIntentClassifier: the bag-of-words intent ranking blended with sentence meaning.

Runs after DIET and before the FallbackClassifier (config.yml). At training it embeds every
intent example with all-MiniLM-L6-v2 (bot/language/encoder.py) and fits bot.language.intents's
logistic regression; for each message it takes the embedding SentenceEmbedder computed
(rasa_ext/sentence_meaning.py) and blends that ranking with DIET's, so the fallback and
the clarifying question see the blended confidence. The model logic lives in bot/language/.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.encoder import sentence_encoder
from bot.language.intents import IntentModel, blend
from rasa_ext.sentence_meaning import meaning_vectors

MODEL_FILE = "intent_model.npz"
RANKING_LENGTH = 10


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceMeaningIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"meaning_weight": 0.6, "regularisation": 10.0, "random_seed": 42}

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: IntentModel | None = None) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.model = model
        self.encoder = sentence_encoder()  # loaded with the model, not on the first message

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceMeaningIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SentenceMeaningIntentClassifier:
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, IntentModel.load(directory / MODEL_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        vectors = self.encoder.encode([m.get(TEXT) for m in examples])
        self.model = IntentModel.train(vectors, [m.get(INTENT) for m in examples],
                                       float(self.config["regularisation"]), int(self.config["random_seed"]))
        with self.model_storage.write_to(self.resource) as directory:
            self.model.save(directory / MODEL_FILE)
        return self.resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or self.model is None:
                continue
            vectors = meaning_vectors(message)  # SentenceEmbedder's, when it runs before this
            vector = vectors[0] if vectors is not None else self.encoder.encode([text])[0]
            meaning = self.model.ranking(vector)
            bag_of_words = {entry[INTENT_NAME_KEY]: entry[PREDICTED_CONFIDENCE_KEY]
                            for entry in message.get(INTENT_RANKING_KEY) or []}
            ranking = blend(bag_of_words, meaning, float(self.config["meaning_weight"]))[:RANKING_LENGTH]
            entries = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking]
            message.set(INTENT, entries[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, entries, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
