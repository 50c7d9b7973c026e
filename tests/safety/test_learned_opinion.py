"""The learned second opinion: from text, from vectors already computed, and through parse data."""

import numpy as np
import pytest

from bot.language.encoder import sentence_encoder
from bot.safety import Opinion, screen
from bot.safety.learned import learned_screen, pieces

MESSAGES = ["what is mesotherapy?", "Thanks for Friday! Just one thing, my jawline still has two hard lumps.",
            "I can't breathe and my lips are swelling"]


@pytest.mark.parametrize("text", MESSAGES)
def test_the_opinion_of_the_pieces_vectors_is_the_opinion_of_the_text(text):
    vectors = sentence_encoder().encode(pieces(text))
    assert learned_screen().opinion_of_vectors(vectors) == learned_screen().opinion(text)


def test_an_opinion_survives_the_parse_data_as_a_dict():
    opinion = learned_screen().opinion(MESSAGES[1])
    assert Opinion.from_dict(opinion.as_dict()) == opinion


def test_an_opinion_survives_a_text_slot_exactly():
    opinion = learned_screen().opinion(MESSAGES[1])
    assert Opinion.from_text(opinion.as_text()) == opinion


@pytest.mark.parametrize("text", [None, "", "0.9", "0.9 0.1 0.2", "high low", "1.5 0.1", "nan 0.1", 0.9])
def test_a_slot_that_is_not_two_probabilities_is_no_opinion(text):
    assert Opinion.from_text(text) is None


@pytest.mark.parametrize("data", [None, [], "0.9", {}, {"handoff": 0.9}, {"handoff": "0.9", "emergency": 0.1},
                                  {"handoff": 1.5, "emergency": 0.1}, {"handoff": -0.1, "emergency": 0.1},
                                  {"handoff": float("nan"), "emergency": 0.1}])
def test_anything_but_two_probabilities_is_no_opinion(data):
    assert Opinion.from_dict(data) is None


def test_a_given_opinion_is_used_as_the_learned_one():
    calm, alarmed = Opinion(handoff=0.0, emergency=0.0), Opinion(handoff=1.0, emergency=1.0)
    assert not screen("what is mesotherapy?", calm).hands_off
    assert screen("what is mesotherapy?", alarmed).hands_off
    assert np.isclose(learned_screen().opinion("").handoff, 0.0)


def test_fit_command_leaves_the_cache_the_servers_load(capsys):
    from bot.safety.__main__ import main
    from bot.safety.learned import CACHE

    assert main(["fit"]) == 0
    assert CACHE.is_file() and str(CACHE) in capsys.readouterr().out
