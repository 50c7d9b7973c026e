"""Sentence meaning as a vector: all-MiniLM-L6-v2 on onnxruntime, fully offline.

Why onnxruntime: the model is a 6-layer BERT and a patient's message is a few dozen tokens, so a
forward pass is many small matrix products. On these machines one message of 9 tokens took about
5 ms on onnxruntime, 17 ms on TensorFlow (already in Rasa's stack) and 34 ms on numpy (its
OpenBLAS falls back to a generic kernel here), all on one thread (ad-hoc timings, 2026-12-05).
PyTorch would add a far larger install for the same result.

Trust: the weights come from safetensors only (never pickles), after their SHA-256 and the
tokenizer's match the pinned official release (bot/language/embedding_model.yml). The ONNX graph
is built here, in memory, from those verified weights, so nothing unverified is ever loaded.

Speed: `weights: int8` in embedding_model.yml quantizes the graph's matrix products to 8-bit
integers (onnxruntime's dynamic quantization, one scale per output channel) when the encoder
loads. `make bench-encoder` measures what that saves and how far the vectors move; it is off
because the answers and the learned safety opinion moved with it (docs/benchmarks.md).
"""

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.language.wordpiece import WordPieceTokenizer
from bot.paths import ROOT

SPEC_FILE = Path(__file__).resolve().parent / "embedding_model.yml"
DEFAULT_MODEL_DIR = ROOT / ".venv" / "models" / "all-MiniLM-L6-v2"


BATCH_SIZES = {"float32": 64, "int8": 1}


class UntrustedModelError(RuntimeError):
    """The model files are missing or are not the pinned release."""


@lru_cache(maxsize=1)
def model_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def model_directory() -> Path:
    return Path(os.environ.get("EMBEDDING_MODEL_DIR", DEFAULT_MODEL_DIR))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_files(directory: Path) -> None:
    """Raise UntrustedModelError unless every pinned file is there with its pinned SHA-256."""
    for name, expected in model_spec()["files"].items():
        path = directory / name
        if not path.is_file():
            raise UntrustedModelError(f"{path} is missing; run `make setup` to install the embedding model")
        actual = sha256_of(path)
        if actual != expected:
            raise UntrustedModelError(f"{path} has SHA-256 {actual}, not the pinned {expected}: refusing to load it")


class SentenceEncoder:
    """encode(texts) -> unit vectors (n, 384), as sentence-transformers' all-MiniLM-L6-v2 gives."""

    def __init__(self, directory: Path, weights: str | None = None) -> None:
        import onnxruntime
        from safetensors.numpy import load_file

        from bot.language.bert_graph import bert_sentence_graph

        spec = model_spec()
        self.weights = weights or str(spec["weights"])
        if self.weights not in BATCH_SIZES:
            raise ValueError(f"weights must be int8 or float32, not {self.weights!r}")
        verify_model_files(directory)
        self.tokenizer = WordPieceTokenizer.from_file(directory / "tokenizer.json", int(spec["max_tokens"]))
        graph = bert_sentence_graph(load_file(str(directory / "model.safetensors")), spec)
        if self.weights == "int8":
            graph = quantized(graph)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one message per call; servers scale by process
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.dimension = int(spec["hidden_size"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Messages of the same token count run as one batch, so no padding or mask is needed.
        The int8 graph scales each batch's activations by that batch's range, so it takes one
        message at a time: a message then gets the same vector in training and when served."""
        batch_size = BATCH_SIZES[self.weights]
        token_ids = [self.tokenizer.encode(text) for text in texts]
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for index, ids in enumerate(token_ids):
            by_length.setdefault(len(ids), []).append(index)
        for indices in by_length.values():
            for start in range(0, len(indices), batch_size):
                chunk = indices[start:start + batch_size]
                batch = np.array([token_ids[i] for i in chunk], dtype=np.int64)
                vectors[chunk] = self.session.run(None, {"input_ids": batch})[0]
        return vectors


def quantized(graph: bytes) -> bytes:
    """The graph with its matrix products in 8-bit integers (onnxruntime only quantizes files)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    advice = PreProcessingAdvice()
    logging.getLogger().addFilter(advice)
    try:
        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder) / "float32.onnx", Path(folder) / "int8.onnx"
            source.write_bytes(graph)
            quantize_dynamic(source, target, per_channel=True, weight_type=QuantType.QInt8)
            return target.read_bytes()
    finally:
        logging.getLogger().removeFilter(advice)


class PreProcessingAdvice(logging.Filter):
    """Drops onnxruntime's advice to pre-process the graph first: it cost 2 s more at every start
    for 0.1 ms less per message here, so it is not taken, and the advice would only be noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    """The one encoder of this process, loaded (and its files verified) on first use."""
    return SentenceEncoder(model_directory())
