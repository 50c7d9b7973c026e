"""`make bench-encoder` times both weight settings on the same questions and compares their vectors."""

from bench import encoder as bench_encoder


def test_it_reports_both_settings_and_how_close_their_vectors_are():
    report = bench_encoder.measure(["How many sessions do I need?", "my lips are swollen", "ok"])
    assert report["messages"] == 3
    assert set(report["cpu_ms_per_message"]) == {"float32", "int8"}
    assert all(value > 0 for value in report["cpu_ms_per_message"].values())
    cosine = report["cosine_int8_vs_float32"]
    assert 0.9 < cosine["min"] <= cosine["p1"] <= cosine["mean"] <= 1.0 + 1e-6
    text = bench_encoder.markdown({"date": "D", "machine": {"cpu": "C", "cores": 2}, **report})
    assert "| float32 |" in text and "| int8 |" in text and "`make bench-encoder`" in text
