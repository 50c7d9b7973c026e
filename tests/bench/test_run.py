"""`make bench` reports each figure's median over its passes."""

from bench import run
from bench.run import median_of


def test_median_of_passes_takes_each_numbers_median_and_keeps_the_rest():
    passes = [{"p95_ms": 310.3, "rate": 90.0, "misses": ["a"], "per_intent": {"greet": 1.0}},
              {"p95_ms": 240.1, "rate": 120.0, "misses": ["a"], "per_intent": {"greet": 1.0}},
              {"p95_ms": 266.0, "rate": 101.5, "misses": ["a"], "per_intent": {"greet": 1.0}}]
    assert median_of(passes) == {"p95_ms": 266.0, "rate": 101.5, "misses": ["a"], "per_intent": {"greet": 1.0}}


def test_the_machine_check_measures_cpu_time_of_fixed_work(monkeypatch):
    """Its figure is CPU time, so other processes' load does not count, only how fast the CPU runs."""
    ticks = iter([0.0, 0.25, 1.0, 1.3, 2.0, 2.4])
    monkeypatch.setattr(run.time, "process_time", lambda: next(ticks))
    assert run.machine_check_cpu_ms() == 300.0  # the median of 250, 300 and 400 ms
    monkeypatch.undo()
    assert 1.0 < run.machine_check_cpu_ms(repeats=1) < 10_000.0  # the real work, on the real clock


def test_held_out_scores_count_each_held_out_question_against_what_the_model_parsed():
    from bot.language.nlu_examples import read_nlu_examples
    from bot.paths import HELD_OUT_NLU

    examples = read_nlu_examples(HELD_OUT_NLU)
    wrong = examples[0]
    parsed = {e.text: e.intent for e in examples} | {wrong.text: "out_of_scope"}
    scores = run.held_out_scores(lambda text: {"intent": {"name": parsed[text]}})
    assert scores["held_out_examples"] == len(examples)
    assert scores["held_out_accuracy"] == round((len(examples) - 1) / len(examples), 4)
    assert scores["misses"] == [{"intent": wrong.intent, "predicted": "out_of_scope", "text": wrong.text}]
