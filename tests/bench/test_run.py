"""`make bench` reports each figure's median over its passes."""

from bench.run import median_of


def test_median_of_passes_takes_each_numbers_median_and_keeps_the_rest():
    passes = [{"p95_ms": 310.3, "rate": 90.0, "misses": ["a"], "per_intent": {"greet": 1.0}},
              {"p95_ms": 240.1, "rate": 120.0, "misses": ["a"], "per_intent": {"greet": 1.0}},
              {"p95_ms": 266.0, "rate": 101.5, "misses": ["a"], "per_intent": {"greet": 1.0}}]
    assert median_of(passes) == {"p95_ms": 266.0, "rate": 101.5, "misses": ["a"], "per_intent": {"greet": 1.0}}
