"""`python -m bench.inbox_latency` on a tiny run (the real servers and inbox): it finishes and its
report holds every delay, measured over the messages asked for, with sane figures. Timing targets
are the benchmark's business, not this test's."""

import json
import subprocess
import sys

import pytest

from bench.inbox_latency import DELAYS
from bot.paths import ROOT

pytestmark = pytest.mark.servers  # starts the servers: not part of `make test-fast`

MESSAGES, CONVERSATIONS = 4, 2


def test_a_tiny_run_reports_every_delay(tmp_path):
    out = tmp_path / "report"
    command = [sys.executable, "-m", "bench.inbox_latency", "--messages", str(MESSAGES), "--conversations",
               str(CONVERSATIONS), "--idle", "1", "--work", str(tmp_path / "work"), "--out", str(out)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-3000:]

    report = json.loads(out.with_suffix(".json").read_text())
    counts = {"patient_to_inbox": MESSAGES, "staff_to_patient": MESSAGES, "new_ticket_to_list": CONVERSATIONS}
    for name, count in counts.items():
        figures = report["delays"][name]
        assert figures["count"] == count == len(report["samples_ms"][name])
        assert 0 < min(report["samples_ms"][name]) <= figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
        assert figures["max_ms"] < 30_000  # each message did arrive, within the benchmark's own timeout
    assert all(percent >= 0 for percent in report["inbox_cpu_percent_of_a_core"].values())
    assert len(report["inbox_cpu_percent_of_a_core"]) == 4
    text = out.with_suffix(".md").read_text()
    assert all(title in text for title in DELAYS.values()) and report["machine"]["cores"] >= 1
