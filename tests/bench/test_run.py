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
