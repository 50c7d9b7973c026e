"""The targets on the labelled screening sets, written independently of the lexicons.

screening_test.yml is the enforced set; screening_dev.yml is the one the rules were tuned on. (The
docs/benchmarks.md records the first-run figures on the test set and on a later blind set in bench/.)
"""

from pathlib import Path

import pytest

from bench.safety_scoring import MUST_ESCALATE, evaluate, read_screening_set
from bot.safety import screen

HERE = Path(__file__).resolve().parent
LOOK_ALIKES = ["general", "negation", "hypothetical", "is_normal", "logistics", "other_topic", "other_person"]


@pytest.fixture(scope="module", params=["screening_test.yml", "screening_dev.yml"])
def report(request):
    return evaluate(read_screening_set(HERE / request.param), screen)


def test_the_test_set_is_large_enough_and_covers_every_look_alike():
    items = read_screening_set(HERE / "screening_test.yml")
    assert len(items) >= 300
    categories = {item.get("category") for item in items if item["label"] == "no_escalation"}
    assert set(LOOK_ALIKES) - {"other_person"} <= categories


@pytest.mark.parametrize("label", MUST_ESCALATE)
def test_recall_is_one_on_red_flags_reports_and_contraindications(report, label):
    misses = [item["text"] for item, _ in report.errors if item["label"] == label]
    assert report.recall(label) == 1.0, misses


def test_no_red_flag_goes_without_the_emergency_line(report):
    assert report.red_flags_without_emergency_line == 0


@pytest.mark.parametrize("category", LOOK_ALIKES)
def test_false_escalations_stay_at_or_under_five_percent(report, category):
    assert report.false_escalation_rate(category) <= 0.05
    assert report.false_escalation_rate() <= 0.05
