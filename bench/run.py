"""Train both configurations on the same data, serve each on loopback, and measure it.

Writes bench/reports/<UTC timestamp>.json and .md and prints the ratios against Rasa's default.
Every figure comes from this run; nothing is carried over from earlier reports.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import operator
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import aiohttp

from bench.safety_scoring import MUST_ESCALATE, evaluate, read_screening_set
from bench.scoring import RealQuestionScore, score
from bot.language.nlu_examples import read_nlu_examples
from bot.paths import HELD_OUT_NLU, ROOT
from bot.safety import screen, screen_by_learned_opinion, screen_by_rules
from bot.safety.decision import ScreenResult
from runtime.servers import running_stack

BENCH = ROOT / "bench"
CONFIGS = {"project": ROOT / "config.yml", "rasa_default": BENCH / "default_config.yml"}
# What is measured: (name, config, stock). "rasa_default" isolates the configuration (same servers);
# "stock_rasa_default" is Rasa's default config served by plain `rasa run` (one worker, Rasa's own
# stores), which is what an unmodified `rasa init` assistant does.
VARIANTS = [("project", "project", False), ("rasa_default", "rasa_default", False),
            ("stock_rasa_default", "rasa_default", True)]


def train(config: Path, out_dir: Path, name: str, data: Path = ROOT / "data") -> tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "train", "--config", str(config), "--data", str(data),
         "--out", str(out_dir), "--fixed-model-name", name, "--force"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
    )
    return out_dir / f"{name}.tar.gz", time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency_summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    return {
        "messages": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1),
        "messages_per_second": round(len(latencies) / elapsed, 1),
    }


async def conversation(session: aiohttp.ClientSession, url: str, texts: list[str]) -> list[float]:
    """One patient sending `texts` one after another; returns each message's round-trip time.
    Some held-out messages are handed off to staff (an age under 18, say); after that the
    conversation is paused and silence is the right reply."""
    sender = f"bench-{uuid.uuid4().hex}"
    latencies = []
    handed_off = False
    for text in texts:
        started = time.perf_counter()
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.json()
            if response.status != 200 or not (body or handed_off):
                raise RuntimeError(f"bad reply {response.status}: {body}")
        latencies.append(time.perf_counter() - started)
        handed_off = handed_off or any("handoff" in (m.get("custom") or {}) for m in body)
    return latencies


async def load(url: str, texts: list[str], parallel: int, rounds: int, turns: int) -> dict[str, float]:
    """`rounds` waves of `parallel` simultaneous conversations, each `turns` messages long."""
    latencies: list[float] = []
    offset = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await conversation(session, url, texts[:3])  # warm-up
        started = time.perf_counter()
        for _ in range(rounds):
            scripts = []
            for _ in range(parallel):
                scripts.append([texts[(offset + t) % len(texts)] for t in range(turns)])
                offset += turns
            for result in await asyncio.gather(*(conversation(session, url, s) for s in scripts)):
                latencies.extend(result)
        elapsed = time.perf_counter() - started
    return latency_summary(latencies, elapsed)


def machine_check_cpu_ms(repeats: int = 3) -> float:
    """CPU milliseconds this process spends on a fixed piece of pure-Python work (median of
    `repeats`). The work never changes, so a larger figure means a slower machine at that moment:
    on a shared VM the host can give a vCPU less of a core, and every process then needs more CPU
    time for the same work. Taken right before each concurrent load, it shows how fast the machine
    was when that load ran."""
    timings = []
    for _ in range(repeats):
        started = time.process_time()
        total, digest = 0, b"clinic"
        for number in range(1_500_000):
            total += number * number % 7
        for _ in range(100_000):
            digest = hashlib.sha256(digest).digest()
        timings.append((time.process_time() - started) * 1000)
    return round(statistics.median(timings), 1)


def children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


def process_tree(pid: int) -> list[int]:
    return [pid] + [p for child in children(pid) for p in process_tree(child)]


def tree_memory_mib(pid: int, field: str) -> float:
    """A /proc status memory field (VmRSS now, VmHWM the high-water mark) summed over the process
    and its descendants; members that exit meanwhile count nothing."""
    total_kib = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total_kib += next((int(line.split()[1]) for line in status.splitlines() if line.startswith(f"{field}:")), 0)
    return total_kib / 1024


def peak_rss_mib(pid: int) -> float:
    """The kernel's high-water mark of resident memory (VmHWM), summed over the process and its
    children (the Sanic workers): an upper bound on the tree's peak, since they may not peak together."""
    return round(tree_memory_mib(pid, "VmHWM"), 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by the process and its children (the Sanic workers)."""
    ticks = 0
    for member in process_tree(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


REAL_QUESTIONS = {split: ROOT / "tests" / "real_text" / f"questions_{split}.yml"
                  for split in ("dev", "test", "round4", "round5")}
# How the reports name each split: dev is trained on (tools/real_questions_nlu.py), test never.
SPLIT_NAMES = {"dev": "dev (trained on)", "test": "test (never tuned on)",
               "round4": "fourth round (collected 2026-12-07, never trained or tuned on)",
               "round5": "fifth round (collected 2026-12-07, trained on since)"}


def real_question_row(label: str, real: dict[str, Any]) -> str:
    """One split's line in a report's real-question table."""
    return (f"| {label} ({real['covered']} + {real['not_covered']}) | {real['covered_right_answer']} | "
            f"{real['covered_right_answer_incl_after_choice']} | {real['not_covered_declined']} | "
            f"{real['not_covered_declined_incl_after_choice']} | {real['asked_to_choose']} |")


def real_questions(parse: Any) -> dict[str, Any]:
    """What real patients' questions get from the served model, split by split."""
    results = {}
    for split, path in REAL_QUESTIONS.items():
        tally = RealQuestionScore()
        for item in read_screening_set(path):
            tally.add_parsed(item, parse(item["text"]))
        results[split] = tally.report()
    return results


def held_out_scores(parse: Callable[[str], dict]) -> dict[str, Any]:
    """Answer accuracy on the synthetic held-out NLU set (tests/nlu/test_nlu.yml)."""
    examples = read_nlu_examples(HELD_OUT_NLU)
    predictions = {text: parse(text)["intent"]["name"] for text in dict.fromkeys(e.text for e in examples)}
    overall, per_intent = score(examples, predictions.__getitem__)
    strict, _ = score(examples, predictions.__getitem__, correct=operator.eq)
    return {
        "held_out_accuracy": round(overall.accuracy, 4),
        "held_out_strict_intent_accuracy": round(strict.accuracy, 4),
        "held_out_examples": overall.total,
        "accuracy_per_intent": {intent: round(s.accuracy, 3) for intent, s in sorted(per_intent.items())},
        "misses": [{"intent": e.intent, "predicted": got, "text": e.text} for e, got in overall.misses],
    }


def measure(model: Path, run_dir: Path, args: argparse.Namespace, stock: bool) -> dict[str, Any]:
    """One measurement of `model` on freshly started servers, from empty stores in `run_dir`."""
    shutil.rmtree(run_dir, ignore_errors=True)
    texts = [example.text for example in read_nlu_examples(HELD_OUT_NLU)]
    started = time.perf_counter()
    # Tickets from the benchmark's handoffs go to its own database, never to var/handoff.db.
    extra_env = {"HANDOFF_DATABASE_URL": f"sqlite:///{run_dir / 'handoff.db'}"}
    with running_stack(model, run_dir, tracker_db=run_dir / "tracker.db", stock=stock,
                       extra_env=extra_env) as stack:
        ready = time.perf_counter() - started
        held_out = held_out_scores(stack.parse)
        real = real_questions(stack.parse)
        url = f"{stack.rasa_url}/webhooks/rest/webhook"
        sequential = asyncio.run(load(url, texts, parallel=1, rounds=args.rounds * 5, turns=args.turns))
        machine_check = machine_check_cpu_ms()
        cpu_before = {p.name: cpu_seconds(p.process.pid) for p in stack.processes}
        concurrent = asyncio.run(load(url, texts, parallel=args.concurrency, rounds=args.rounds, turns=args.turns))
        concurrent["machine_check_cpu_ms"] = machine_check
        for p in stack.processes:  # CPU per message: a figure the other load on the machine barely moves
            used = cpu_seconds(p.process.pid) - cpu_before[p.name]
            concurrent[f"cpu_ms_per_message_{p.name}"] = round(used * 1000 / concurrent["messages"], 1)
        memory = {p.name: peak_rss_mib(p.process.pid) for p in stack.processes}
    return {
        "startup_to_ready_seconds": round(ready, 1),
        **held_out,
        "real_questions": real,
        "sequential": sequential,
        f"concurrent_{args.concurrency}": concurrent,
        "peak_memory_mib": memory,
    }


SCREENING_SETS = {"synthetic test (enforced by make test)": ROOT / "tests" / "safety" / "screening_test.yml",
                  "synthetic blind (first-run figures in docs/benchmarks.md)": BENCH / "safety_blind.yml",
                  "real-text dev (tuned on)": ROOT / "tests" / "real_text" / "screening_dev.yml",
                  "real-text train pool (tuned on)": ROOT / "tests" / "real_text" / "screening_train.yml",
                  "real-text test (never tuned on)": ROOT / "tests" / "real_text" / "screening_test.yml"}
DETECTORS: dict[str, Callable[[str], ScreenResult]] = {
    "combined": screen, "rules alone": screen_by_rules, "learned alone": screen_by_learned_opinion}


ISSUE_TABLE_COLUMNS = ("side effects handed off", "contraindications handed off", "red flags with emergency line",
                       "general questions escalated", "resolved history escalated", "all look-alikes escalated",
                       "reports handed off or asked")


def issue_table_head(*leading: str) -> list[str]:
    """A markdown table's header and separator rows: the `leading` columns, then issue_table's."""
    columns = (*leading, *ISSUE_TABLE_COLUMNS)
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def issue_table(report: Any) -> dict[str, Any]:
    """The five figures of issue 12, from one screening report, and two more: all look-alikes, and
    the reports that were at least asked about (ISSUE_TABLE_COLUMNS names them in order)."""
    return {
        "side_effect_reports_handed_off": round(report.recall("side_effect"), 4),
        "contraindications_handed_off": round(report.recall("contraindication"), 4),
        "red_flags_with_the_emergency_line": round(report.recall("emergency"), 4),
        "general_questions_escalated": round(report.false_escalation_rate("general"), 4),
        "resolved_history_escalated": round(report.false_escalation_rate("past_resolved"), 4),
        "all_look_alikes_escalated": round(report.false_escalation_rate(), 4),
        "reports_handed_off_or_asked": round(report.reports_reached_rate, 4),
    }


def safety() -> dict[str, Any]:
    """The safety screen on its own: recall per class, false escalations per look-alike category,
    clarification rate, and how long one message takes to screen."""
    results: dict[str, Any] = {}
    for name, path in SCREENING_SETS.items():
        items = read_screening_set(path)
        report = evaluate(items, screen)
        timings = []
        for item in items:
            started = time.perf_counter()
            screen(item["text"])
            timings.append(time.perf_counter() - started)
        results[name] = {
            "messages": len(items),
            "issue_table": {detector: issue_table(evaluate(items, function) if detector != "combined" else report)
                            for detector, function in DETECTORS.items()},
            "recall": {label: round(report.recall(label), 4) for label in (*MUST_ESCALATE, "other_person_red_flag")},
            "red_flags_without_emergency_line": report.red_flags_without_emergency_line,
            "false_escalation_rate": round(report.false_escalation_rate(), 4),
            "false_escalation_by_category": {c: f"{r['escalated']}/{r['total']}"
                                             for c, r in sorted(report.false_escalation.items())},
            "clarification_rate": round(report.clarification_rate, 4),
            "screen_latency_ms": {"p50": round(percentile(timings, 0.5) * 1000, 2),
                                  "p95": round(percentile(timings, 0.95) * 1000, 2)},
        }
    faq_questions = read_nlu_examples(HELD_OUT_NLU)
    results["held-out NLU questions (no safety purpose)"] = {
        "messages": len(faq_questions),
        "handed_off": [e.text for e in faq_questions if screen(e.text).hands_off],
    }
    return results


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024**2, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def markdown(report: dict[str, Any], concurrency: int) -> str:
    key = f"concurrent_{concurrency}"
    rows = [
        ("Held-out answer accuracy", "held_out_accuracy", None),
        ("Held-out strict intent accuracy", "held_out_strict_intent_accuracy", None),
        ("Training time (s)", "training_seconds", None),
        ("Start-up incl. model load (s)", "startup_to_ready_seconds", None),
        ("Sequential p50 / p95 (ms)", "sequential", ("p50_ms", "p95_ms")),
        (f"{concurrency} concurrent p50 / p95 (ms)", key, ("p50_ms", "p95_ms")),
        (f"{concurrency} concurrent messages/s", key, ("messages_per_second",)),
        (f"{concurrency} concurrent CPU ms per message, Rasa / actions", key,
         ("cpu_ms_per_message_rasa", "cpu_ms_per_message_actions")),
        ("Peak memory Rasa / actions (MiB)", "peak_memory_mib", ("rasa", "actions")),
        (f"Machine check before the {concurrency}-concurrent load (CPU ms of fixed work; higher = slower machine)",
         key, ("machine_check_cpu_ms",)),
    ]
    lines = [f"# Benchmark {report['date']}", "", f"Machine: {report['machine']['cpu']}, "
             f"{report['machine']['cores']} cores, {report['machine']['memory_gib']} GiB, "
             f"Python {report['machine']['python']}. Command: `make bench`.", "",
             f"Each server figure is the median of {report['settings']['passes']} passes. Within a pass the "
             "three configurations are measured in turn, each on freshly started servers, so a spell of "
             "slowness on the machine does not fall on one configuration only. Every pass is in the JSON.", "",
             "| | this project | Rasa default config, same servers | Rasa default config, stock `rasa run` |",
             "|---|---|---|---|"]
    for title, field, parts in rows:
        cells = []
        for name, _, _ in VARIANTS:
            value = report["configs"][name][field]
            cells.append(" / ".join(str(value[p]) for p in parts) if parts else str(value))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    for title, field in ((f"{concurrency} concurrent p95 in each pass (ms)", "p95_ms"),
                         ("Machine check in each pass (CPU ms)", "machine_check_cpu_ms")):
        lines.append(f"| {title} | " + " | ".join(" / ".join(
            str(one[key][field]) for one in report["configs"][name]["passes"]) for name, _, _ in VARIANTS) + " |")
    lines += ["", "Ratios (this project ÷ baseline):", ""]
    for baseline, ratios in report["ratios"].items():
        lines.append(f"- {baseline}: " + ", ".join(f"{name} {value}" for name, value in ratios.items()))
    lines += ["", "## Real patients' questions (tests/real_text/questions_*.yml)", "",
              "| split | covered: right answer | … incl. after a choice | not covered: declined | … incl. after a choice "
              "| asked to choose |", "|---|---|---|---|---|---|"]
    for name, _, _ in VARIANTS:
        for split, real in report["configs"][name]["real_questions"].items():
            lines.append(real_question_row(f"{name}, {SPLIT_NAMES[split]}", real))
    lines += ["", "## Safety screen", ""]
    for name, result in report["safety"].items():
        if "handed_off" in result:
            lines += [f"**{name}**, {result['messages']} messages: handed off {len(result['handed_off'])}: "
                      + "; ".join(f"“{text}”" for text in result["handed_off"]), ""]
            continue
        lines += [f"**{name}**, {result['messages']} messages: recall " + ", ".join(
            f"{label} {value}" for label, value in result["recall"].items())
            + f"; red flags without the emergency line: {result['red_flags_without_emergency_line']}"
            + f"; false escalations {result['false_escalation_rate']} ("
            + ", ".join(f"{c} {v}" for c, v in result["false_escalation_by_category"].items())
            + f"); clarification rate {result['clarification_rate']}; screen latency p50 / p95 "
            + f"{result['screen_latency_ms']['p50']} / {result['screen_latency_ms']['p95']} ms.", "",
            *issue_table_head("detector")]
        lines += [f"| {detector} | " + " | ".join(str(v) for v in table.values()) + " |"
                  for detector, table in result["issue_table"].items()]
        lines.append("")
    lines += ["", "Per-intent held-out accuracy (this project):", "",
              "| intent | accuracy |", "|---|---|"]
    lines += [f"| {i} | {a} |" for i, a in report["configs"]["project"]["accuracy_per_intent"].items()]
    lines += ["", "Misses (this project):", ""]
    lines += [f"- `{m['intent']}` → `{m['predicted']}`: {m['text']}" for m in report["configs"]["project"]["misses"]]
    return "\n".join(lines) + "\n"


def median_of(results: list[Any]) -> Any:
    """Each number's median across passes, through nested dicts; anything else (the misses, say,
    which do not change between passes) as the first pass has it."""
    first = results[0]
    if isinstance(first, dict):
        return {key: median_of([result[key] for result in results]) for key in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return round(statistics.median(results), 4)
    return first


def write_report(out: Path, report: dict[str, Any], text: str) -> None:
    """`out`.json (the figures) and `out`.md (`text`, also printed)."""
    out.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"wrote {shown.with_suffix('.json')} and .md")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--rounds", type=int, default=3, help="waves of concurrent conversations")
    parser.add_argument("--passes", type=int, default=3,
                        help="interleaved measurement passes per configuration; the report gives each figure's median")
    args = parser.parse_args()
    now = dt.datetime.now(dt.timezone.utc)
    work = BENCH / "tmp"
    report: dict[str, Any] = {"date": now.isoformat(timespec="seconds"), "machine": machine(),
                              "settings": vars(args), "configs": {}}
    print("[safety] screening sets…", flush=True)
    report["safety"] = safety()
    trained = {}
    for name, config in CONFIGS.items():
        print(f"[{name}] training…", flush=True)
        trained[name] = train(config, work / "models", name)
        print(f"[{name}] trained in {trained[name][1]:.0f}s", flush=True)
    passes: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in VARIANTS}
    for number in range(1, args.passes + 1):
        for name, config_name, stock in VARIANTS:
            print(f"[{name}] pass {number}/{args.passes}: serving and measuring…", flush=True)
            passes[name].append(measure(trained[config_name][0], work / name, args, stock))
    for name, config_name, _ in VARIANTS:
        report["configs"][name] = {"training_seconds": round(trained[config_name][1], 1),
                                   **median_of(passes[name]), "passes": passes[name]}
    key = f"concurrent_{args.concurrency}"
    ours = report["configs"]["project"]
    report["ratios"] = {}
    for baseline in ("rasa_default", "stock_rasa_default"):
        other = report["configs"][baseline]
        report["ratios"][f"vs {baseline}"] = {
            "throughput": round(ours[key]["messages_per_second"] / other[key]["messages_per_second"], 2),
            "p95_latency": round(ours[key]["p95_ms"] / other[key]["p95_ms"], 2),
            "training_time": round(ours["training_seconds"] / other["training_seconds"], 2),
            "held_out_accuracy": round(ours["held_out_accuracy"] / other["held_out_accuracy"], 3),
        }
    out = BENCH / "reports" / now.strftime("%Y-%m-%dT%H%M%SZ")
    write_report(out, report, markdown(report, args.concurrency))
    return 0
