"""The sentence encoder: the pinned model's published outputs, its tokenizer, and its refusal
to load anything but the pinned files."""

import shutil

import numpy as np
import pytest

from bot.language.encoder import (
    SentenceEncoder,
    UntrustedModelError,
    model_directory,
    model_spec,
    sentence_encoder,
    verify_model_files,
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return sentence_encoder()


def test_it_reproduces_the_similarities_sentence_transformers_publishes_for_this_model(encoder):
    # sentence-transformers' quickstart, model all-MiniLM-L6-v2: 0.6660, 0.1046, 0.1411.
    vectors = encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    similarity = vectors @ vectors.T
    assert similarity[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarity[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarity[1, 2] == pytest.approx(0.1411, abs=5e-4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_graph_built_from_the_weights_passes_onnxs_checker():
    """The servers build the graph without running the checker (it copies 90 MB of weights at
    every start), so it is checked here."""
    import onnx
    from safetensors.numpy import load_file

    from bot.language.bert_graph import bert_sentence_graph

    weights = load_file(str(model_directory() / "model.safetensors"))
    model = onnx.load_from_string(bert_sentence_graph(weights, model_spec()))
    onnx.checker.check_model(model, full_check=True)
    assert [output.name for output in model.graph.output] == ["sentence_embedding"]


def test_a_batch_gives_the_same_vectors_as_one_message_at_a_time(encoder):
    texts = ["How many sessions do I need?", "does it hurt", "How many sessions do I need?", "ok"]
    batch = encoder.encode(texts)
    single = np.vstack([encoder.encode([text]) for text in texts])
    assert np.allclose(batch, single, atol=1e-5)


def test_the_tokenizer_gives_berts_uncased_ids(encoder):
    tokenizer = encoder.tokenizer
    assert tokenizer.encode("hello world") == [101, 7592, 2088, 102]
    assert tokenizer.encode("HÉLLO, World!") == [101, 7592, 1010, 2088, 999, 102]
    assert tokenizer.encode("") == [101, 102]
    assert tokenizer.encode("😀") == [101, 100, 102]  # [UNK]
    assert len(tokenizer.encode("swelling " * 5000)) == model_spec()["max_tokens"]


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "<script>alert(1)</script>", "¿Es doloroso?", "a" * 12000,
                                  "\x00\x07 control characters"])
def test_odd_messages_get_a_finite_vector(encoder, text):
    vector = encoder.encode([text])[0]
    assert vector.shape == (encoder.dimension,)
    assert np.isfinite(vector).all()


def test_the_installed_files_are_the_pinned_release():
    verify_model_files(model_directory())  # raises otherwise


def test_a_changed_weights_file_is_refused_before_anything_is_loaded(tmp_path):
    for name in model_spec()["files"]:
        shutil.copy(model_directory() / name, tmp_path / name)
    with (tmp_path / "model.safetensors").open("r+b") as weights:
        weights.seek(-1, 2)
        last = weights.read(1)
        weights.seek(-1, 2)
        weights.write(bytes([last[0] ^ 1]))
    with pytest.raises(UntrustedModelError, match="refusing to load"):
        SentenceEncoder(tmp_path)


def test_missing_files_are_refused_with_the_set_up_command(tmp_path):
    with pytest.raises(UntrustedModelError, match="make setup"):
        SentenceEncoder(tmp_path)
