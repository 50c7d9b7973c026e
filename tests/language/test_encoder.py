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


@pytest.fixture(scope="module")
def full_precision() -> SentenceEncoder:
    return SentenceEncoder(model_directory(), weights="float32")


@pytest.fixture(scope="module")
def quantized() -> SentenceEncoder:
    return SentenceEncoder(model_directory(), weights="int8")


QUICKSTART = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
PATIENT_QUESTIONS = ["How many sessions do I need?", "my lips are really swollen since yesterday",
                     "is it safe when breastfeeding", "how much does it cost", "does it hurt", "ok",
                     "I take warfarin, can I still have it?", "what should I avoid after the treatment"]


def test_the_full_precision_graph_reproduces_the_similarities_sentence_transformers_publishes(full_precision):
    # sentence-transformers' quickstart, model all-MiniLM-L6-v2: 0.6660, 0.1046, 0.1411.
    vectors = full_precision.encode(QUICKSTART)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarity[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarity[1, 2] == pytest.approx(0.1411, abs=5e-4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_servers_encoder_uses_the_published_weights_as_they_are(encoder, full_precision):
    assert encoder.weights == model_spec()["weights"] == "float32"
    assert np.array_equal(encoder.encode(PATIENT_QUESTIONS), full_precision.encode(PATIENT_QUESTIONS))


def test_the_int8_option_stays_close_to_full_precision(quantized, full_precision):
    vectors, exact = quantized.encode(PATIENT_QUESTIONS), full_precision.encode(PATIENT_QUESTIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert ((vectors * exact).sum(axis=1) > 0.95).all()
    similarity = quantized.encode(QUICKSTART) @ quantized.encode(QUICKSTART).T
    assert similarity[0, 1] == pytest.approx(0.6660, abs=0.03)
    assert similarity[0, 1] > 4 * max(similarity[0, 2], similarity[1, 2])


def test_an_unknown_weights_setting_is_refused():
    with pytest.raises(ValueError, match="int8 or float32"):
        SentenceEncoder(model_directory(), weights="float16")


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


@pytest.mark.parametrize("weights", ["int8", "float32"])
def test_a_batch_gives_the_same_vectors_as_one_message_at_a_time(weights, quantized, full_precision):
    """Training encodes in batches and the servers one message at a time: the vectors must agree.
    The first two texts have the same token count, so they would share a batch."""
    chosen = quantized if weights == "int8" else full_precision
    texts = ["How many sessions do I need?", "My lips are so swollen today!", "does it hurt", "ok"]
    assert len(chosen.tokenizer.encode(texts[0])) == len(chosen.tokenizer.encode(texts[1]))
    batch = chosen.encode(texts)
    single = np.vstack([chosen.encode([text]) for text in texts])
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
