from pathlib import Path

from bench.scoring import score
from bot.language.nlu_examples import Example, read_nlu_examples


def test_reads_examples_in_file_order(tmp_path: Path):
    path = tmp_path / "nlu.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - one\n    - two\n'
                    '- synonym: x\n  examples: |\n    - y\n- intent: b\n  examples: |\n    - three\n')
    assert read_nlu_examples(path) == [Example("a", "one"), Example("a", "two"), Example("b", "three")]


def test_fallbacks_count_as_misses():
    examples = [Example("a", "1"), Example("a", "2"), Example("b", "3"), Example("b", "4")]
    predictions = {"1": "a", "2": "nlu_fallback", "3": "b", "4": "a"}
    overall, per_intent = score(examples, predictions.__getitem__)
    assert (overall.correct, overall.total, overall.accuracy) == (2, 4, 0.5)
    assert per_intent["a"].accuracy == 0.5
    assert per_intent["b"].misses == [(Example("b", "4"), "a")]


def test_declining_an_off_topic_message_either_way_is_a_correct_answer():
    examples = [Example("out_of_scope", "weather"), Example("out_of_scope", "poem"), Example("faq_pain", "hurt?")]
    predictions = {"weather": "nlu_fallback", "poem": "faq_pain", "hurt?": "nlu_fallback"}
    overall, _ = score(examples, predictions.__getitem__)
    assert overall.correct == 1


def test_strict_intent_accuracy_is_available():
    import operator

    overall, _ = score([Example("out_of_scope", "weather")], lambda _: "nlu_fallback", correct=operator.eq)
    assert overall.correct == 0


def test_a_report_asked_about_is_reached_but_not_handed_off():
    from bench.safety_scoring import evaluate
    from bot.safety.decision import Outcome, ScreenResult

    outcomes = {"asked": Outcome.CLARIFY, "answered": Outcome.ANSWER, "handed": Outcome.HANDOFF}
    items = [{"text": text, "label": "side_effect"} for text in outcomes] + [{"text": "asked", "label": "no_escalation"}]
    report = evaluate(items, lambda text: ScreenResult(outcomes[text], None, None, False, ()))
    assert report.recall("side_effect") == 1 / 3
    assert (report.reports_reached, report.reports, report.reports_reached_rate) == (2, 3, 2 / 3)
