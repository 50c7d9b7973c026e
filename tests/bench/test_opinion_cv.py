"""`make bench-opinion` judges every real development message once, by an opinion not fitted on it."""

import numpy as np
import pytest

from bench.opinion_cv import auc, out_of_fold_opinions, real_messages
from bot.safety.learned import Opinion, training_items


def test_a_message_is_judged_by_an_opinion_fitted_without_its_fold_and_the_pool_only_when_asked():
    messages = real_messages()
    texts = [m["text"] for m in messages]
    rows = {text: index for index, text in enumerate(dict.fromkeys(texts + [t for t, _ in training_items()]))}
    fitted_on: list[set[int]] = []

    def embed(batch: list[str]) -> np.ndarray:
        return np.array([[rows.get(text, -1)] for text in batch], dtype=float)

    def fit(vectors: np.ndarray, labels: list[int]):
        fitted = {int(row) for row in vectors[:, 0]}
        fitted_on.append(fitted)
        return lambda pieces: Opinion(handoff=float(int(pieces[0, 0]) in fitted), emergency=0.0)

    for with_pool in (False, True):
        opinions = out_of_fold_opinions(fit, with_pool, messages, embed)
        assert set(opinions) == set(texts)
        assert all(opinion.handoff == 0.0 for opinion in opinions.values())  # never its own fold
    pool = {rows[m["text"]] for m in messages if m["pool"]}
    assert all(not fitted & pool for fitted in fitted_on[:5]) and all(fitted & pool for fitted in fitted_on[5:])


@pytest.mark.parametrize("positives, negatives, expected", [
    ([0.9, 0.8], [0.1, 0.2], 1.0), ([0.1], [0.9], 0.0), ([0.5], [0.5], 0.5), ([0.9, 0.1], [0.5], 0.5)])
def test_auc_is_the_chance_a_positive_outranks_a_negative(positives, negatives, expected):
    assert auc(positives, negatives) == expected
