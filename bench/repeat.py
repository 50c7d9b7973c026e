"""`make bench-repeat`: the project's own servers measured several times in a row, to show how
much one run's latency figures move.

`make bench` measures each configuration once, and a p95 over 600 messages on a shared 2-core
machine moves from run to run. This serves the trained model (models/current.tar.gz, what
`make run` serves) RUNS times, each on freshly started servers, with the same load as `make bench`,
and writes bench/reports/repeat-<UTC time>.{json,md} with every run and the spread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
from typing import Any

from bench.run import BENCH, machine, measure, write_report
from bot.paths import MODEL

FIGURES = [("p50_ms", "p50 (ms)"), ("p95_ms", "p95 (ms)"), ("messages_per_second", "messages/s"),
           ("cpu_ms_per_message_rasa", "CPU ms/message, Rasa"), ("cpu_ms_per_message_actions", "CPU ms/message, actions"),
           ("machine_check_cpu_ms", "machine check, CPU ms (higher = slower machine)")]


def markdown(report: dict[str, Any]) -> str:
    key = f"concurrent_{report['settings']['concurrency']}"
    runs = [run[key] for run in report["runs"]]
    lines = [f"# Repeated benchmark {report['date']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
             f"{report['machine']['memory_gib']} GiB, Python {report['machine']['python']}. "
             f"Command: `make bench-repeat`. Model: models/current.tar.gz. "
             f"{report['settings']['concurrency']} concurrent conversations of {report['settings']['turns']} "
             f"messages, {report['settings']['rounds']} waves, per run.", "",
             "| run | " + " | ".join(title for _, title in FIGURES) + " |",
             "|---|" + "---|" * len(FIGURES)]
    for number, run in enumerate(runs, 1):
        lines.append(f"| {number} | " + " | ".join(str(run[field]) for field, _ in FIGURES) + " |")
    for name, pick in (("min", min), ("median", statistics.median), ("max", max)):
        lines.append(f"| {name} | " + " | ".join(str(round(pick(r[f] for r in runs), 1)) for f, _ in FIGURES) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.repeat", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--rounds", type=int, default=3, help="waves of concurrent conversations")
    args = parser.parse_args()
    now = dt.datetime.now(dt.timezone.utc)
    report: dict[str, Any] = {"date": now.isoformat(timespec="seconds"), "machine": machine(),
                              "settings": vars(args), "runs": []}
    for number in range(1, args.runs + 1):
        print(f"[run {number}/{args.runs}] serving and measuring…", flush=True)
        report["runs"].append(measure(MODEL, BENCH / "tmp" / "repeat", args, stock=False))
    out = BENCH / "reports" / now.strftime("repeat-%Y-%m-%dT%H%M%SZ")
    write_report(out, report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
