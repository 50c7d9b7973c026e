"""The repeated-benchmark report lists every run and the spread across them."""

from bench.repeat import markdown


def run(p95: float, rate: float, check: float) -> dict:
    return {"concurrent_20": {"p50_ms": p95 / 2, "p95_ms": p95, "messages_per_second": rate,
                              "cpu_ms_per_message_rasa": 12.0, "cpu_ms_per_message_actions": 2.5,
                              "machine_check_cpu_ms": check}}


def test_report_has_each_run_and_min_median_max():
    report = {"date": "2026-11-21T12:00:00+00:00",
              "machine": {"cpu": "AMD EPYC", "cores": 2, "memory_gib": 23.5, "python": "3.10.13"},
              "settings": {"concurrency": 20, "turns": 10, "rounds": 3, "runs": 3},
              "runs": [run(280.0, 100.0, 310.0), run(240.0, 120.0, 290.0), run(310.0, 90.0, 400.0)]}
    lines = markdown(report).splitlines()
    assert "| 3 | 155.0 | 310.0 | 90.0 | 12.0 | 2.5 | 400.0 |" in lines
    assert "| min | 120.0 | 240.0 | 90.0 | 12.0 | 2.5 | 290.0 |" in lines
    assert "| median | 140.0 | 280.0 | 100.0 | 12.0 | 2.5 | 310.0 |" in lines
    assert "| max | 155.0 | 310.0 | 120.0 | 12.0 | 2.5 | 400.0 |" in lines
