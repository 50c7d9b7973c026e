"""The detector's word and near-pair matching, arranged for few regex calls (detector.TargetMatcher),
against the plain arrangement it replaced: one Matcher pattern per word and per pair, always run."""

from pathlib import Path

import pytest
from spacy.matcher import Matcher

from bench.safety_scoring import read_screening_set
from bot.safety.detector import LEXICON, near_patterns, normalise, pipeline, read_yaml, word_pattern

ROOT = Path(__file__).resolve().parents[2]
# Sets we may read and tune on (never the test splits); thousands of real and written messages.
DEV_SETS = [ROOT / "tests" / "safety" / "screening_dev.yml", ROOT / "tests" / "real_text" / "screening_dev.yml",
            ROOT / "tests" / "real_text" / "screening_train.yml"]


@pytest.fixture(scope="module")
def plain_matcher() -> Matcher:
    nlp = pipeline()
    matcher = Matcher(nlp.vocab)
    for concept in read_yaml(LEXICON)["concepts"]:
        patterns = [[word_pattern(word)] for word in concept.get("words", [])]
        patterns += near_patterns(concept.get("near", []))
        if patterns:
            matcher.add(concept["name"], patterns)
    return matcher


def dev_texts() -> list[str]:
    return sorted({item["text"] for path in DEV_SETS for item in read_screening_set(path)})


def test_the_matching_finds_exactly_what_a_pattern_per_word_and_pair_finds(plain_matcher):
    nlp = pipeline()
    targets = nlp.get_pipe("clinic_targets")
    texts = dev_texts()
    assert len(texts) > 400
    differing = []
    for text in texts:
        doc = nlp.make_doc(normalise(text))
        if set(targets._pattern_matches(doc)) != set(plain_matcher(doc)):
            differing.append(text)
    assert differing == []


@pytest.mark.parametrize("text, possible", [
    ("how many sessions will I need?", False),
    ("my lips went blue and swollen", True),
])
def test_near_pairs_are_skipped_only_when_no_word_could_start_and_end_one(text, possible):
    nlp = pipeline()
    doc = nlp.make_doc(normalise(text))
    assert nlp.get_pipe("clinic_targets")._pair_possible(doc) is possible
