"""The sentence-meaning intent model: it learns, saves without pickles, and blends."""

import numpy as np

from bot.language.intents import IntentModel, blend


def test_it_separates_two_clusters_and_survives_a_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    vectors = np.vstack([rng.normal(1, 0.1, (20, 4)), rng.normal(-1, 0.1, (20, 4))]).astype(np.float32)
    labels = ["faq_pain"] * 20 + ["faq_sessions"] * 20
    model = IntentModel.train(vectors, labels, regularisation=10.0)
    assert max(model.ranking(np.ones(4, np.float32)).items(), key=lambda kv: kv[1])[0] == "faq_pain"
    model.save(tmp_path / "model.npz")
    loaded = IntentModel.load(tmp_path / "model.npz")
    assert loaded.intents == model.intents
    assert np.allclose(loaded.probabilities(vectors), model.probabilities(vectors))


def test_blend_mixes_both_rankings_and_counts_a_missing_intent_as_zero():
    mixed = dict(blend({"a": 0.8, "b": 0.2}, {"b": 0.9, "c": 0.1}, meaning_weight=0.5))
    assert mixed == {"a": 0.4, "b": 0.55, "c": 0.05}
    assert blend({"a": 0.8, "b": 0.2}, {"b": 0.9, "c": 0.1}, 0.5)[0][0] == "b"
