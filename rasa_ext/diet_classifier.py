"""DIET's intent prediction, for a bag-of-words model, as three small numpy products.

With no transformer layers, no hidden layers and only sparse features (config.yml), DIET's intent
scores depend on nothing but the message's sentence-level features:

    scores = confidence(similarity(embed(sparse_to_dense(sentence features)), label embeddings))

Rasa 3.6 still runs the whole model for each message: it builds a RasaModelData batch, pads the
token-level features, and calls a tf.function whose argument handling alone costs more than the
arithmetic. Under the benchmark's load that was over a quarter of a Rasa worker's CPU, by profile.
Here the same products run in numpy on the trained weights. Training, the saved model and every
other path are DIET's own: a model of any other shape, a message with dense features, and a run
that wants DIET's diagnostic data (`rasa test`) all go through `DIETClassifier._predict`.

tests/rasa_ext/test_diet_classifier.py checks the intents and confidences against DIET's own on
every training and held-out message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import COSINE, INNER, LABEL, SENTENCE, SOFTMAX
from rasa.utils.tensorflow.layers import DenseForSparse

LINEAR = tf.keras.activations.linear


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """tf.nn.l2_normalize on the last axis (same epsilon)."""
    squares = np.sum(vectors * vectors, axis=-1, keepdims=True)
    return vectors / np.sqrt(np.maximum(squares, np.float32(1e-12)))


def softmax(scores: np.ndarray) -> np.ndarray:
    exponents = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exponents / exponents.sum(axis=-1, keepdims=True)


def dense_weights(layer: tf.keras.layers.Dense) -> tuple[np.ndarray, np.ndarray] | None:
    """A linear Dense layer's kernel and bias (zeros without one), or None for any other layer."""
    if type(layer) not in (tf.keras.layers.Dense, DenseForSparse) or layer.activation is not LINEAR:
        return None
    kernel = layer.kernel.numpy()
    bias = layer.bias.numpy() if layer.use_bias else np.zeros(kernel.shape[1], kernel.dtype)
    return kernel, bias


@dataclass(frozen=True)
class BagOfWordsWeights:
    """The trained weights intent scoring uses, when the model is a bag of words."""

    sparse_kernel: np.ndarray  # sentence features -> text units
    sparse_bias: np.ndarray
    embed_kernel: np.ndarray  # text units -> embedding
    embed_bias: np.ndarray
    label_embeddings: np.ndarray  # one row per intent, normalised already for cosine similarity
    cosine: bool
    softmax: bool

    @classmethod
    def from_model(cls, model: DIET) -> BagOfWordsWeights | None:
        """None unless the intent scores are exactly the products in `scores`."""
        config = model.config
        if config["entity_recognition"] or not config["intent_classification"]:
            return None
        sequence_layer = model._tf_layers[f"sequence_layer.{model.text_name}"]
        if sequence_layer._has_transformer or sequence_layer._tf_layers["ffnn"]._ffn_layers:
            return None
        combining = sequence_layer._tf_layers["feature_combining"]
        sentence_layer = combining._tf_layers.get(f"sparse_dense.{SENTENCE}")
        signature = model.data_signature[TEXT].get(SENTENCE, [])
        if (
            sentence_layer is None
            or f"unify_dims_before_seq_sent_concat.{SENTENCE}" in combining._tf_layers
            or [feature.is_sparse for feature in signature] != [True]
            or set(sentence_layer._tf_layers) - {"sparse_dropout", "sparse_to_dense", "dense_dropout"}
        ):
            return None
        loss = model._tf_layers[f"loss.{LABEL}"]
        sparse = dense_weights(sentence_layer._tf_layers["sparse_to_dense"])
        embed = dense_weights(model._tf_layers[f"embed.{TEXT}"]._dense)
        if sparse is None or embed is None or loss.similarity_type not in (INNER, COSINE):
            return None
        if not model.prepared_for_prediction:  # as DIET's own first prediction does
            model.prepare_for_predict()
            model.prepared_for_prediction = True
        cosine = loss.similarity_type == COSINE
        labels = model.all_labels_embed.numpy()
        return cls(*sparse, *embed, l2_normalize(labels) if cosine else labels, cosine,
                   loss.model_confidence == SOFTMAX)

    def scores(self, sentence_features: Iterable[Any]) -> np.ndarray:
        """DIET's `i_scores` (shape 1 × intents) for one message's sparse sentence features, one
        matrix per featurizer in the order DIET concatenates them."""
        units = self.sparse_bias.copy()
        offset = 0
        for matrix in sentence_features:
            row = matrix.tocoo()
            units += row.data.astype(np.float32) @ self.sparse_kernel[offset + row.col]
            offset += row.shape[1]
        if offset != self.sparse_kernel.shape[0]:
            raise ValueError(f"{offset} sentence feature columns for a model trained on {self.sparse_kernel.shape[0]}")
        embedded = units @ self.embed_kernel + self.embed_bias
        if self.cosine:
            embedded = l2_normalize(embedded)
        similarities = (self.label_embeddings @ embedded)[np.newaxis, :]
        return softmax(similarities) if self.softmax else similarities


def sparse_sentence_features(message: Message, featurizers: list[str]) -> list[Any] | None:
    """The message's sentence-level features for TEXT as DIET would select them, or None when
    any is dense or none is there (DIET's own path handles those)."""
    selected: list[Features] = [
        feature for feature in message.features
        if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE
        and (not featurizers or feature.origin in featurizers)
    ]
    if not selected or not all(feature.is_sparse() for feature in selected):
        return None
    return [feature.features for feature in selected]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class BagOfWordsDIETClassifier(DIETClassifier):
    """DIETClassifier that scores intents in numpy when its trained model is a bag of words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._weights_for: tuple[DIET | None, BagOfWordsWeights | None] = (None, None)

    def _bag_of_words(self) -> BagOfWordsWeights | None:
        """The weights of the current model (read once per model; training replaces it)."""
        model, weights = self._weights_for
        if self.model is not model:
            weights = BagOfWordsWeights.from_model(self.model) if self.model is not None else None
            self._weights_for = (self.model, weights)
        return weights

    def _predict(self, message: Message) -> dict[str, Any] | None:
        weights = None if self._execution_context.should_add_diagnostic_data else self._bag_of_words()
        if weights is None or (features := sparse_sentence_features(message, self.component_config["featurizers"])) is None:
            return super()._predict(message)
        return {"i_scores": weights.scores(features)}
