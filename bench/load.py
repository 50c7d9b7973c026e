"""Load benchmark: the embedded set-up against the production layout, under the same bounded load.

`make bench-load` (`python -m bench.load`) serves the model twice: (1) the single-machine
embedded set-up of `make run` (one Rasa server with a Sanic worker per core, SQLite stores) and
(2) the production layout of deploy/ (two Rasa replicas behind nginx, PostgreSQL, Redis; tools/cluster.py).
Against each it runs:
- paced: `--conversations` patients at once, `--turns` messages each, pausing `--think` seconds
  (uniform) between a reply and their next message, like people typing; the side-effect report
  comes last, so every conversation ends in a handoff;
- saturation: `--saturation` patients sending without pause, to find the messages/s ceiling.
It reports messages/s, latency p50/p95/p99, failed requests, events lost or stored twice (read
back from the stores), ticket problems, the peak resident memory of each process tree (sampled from
/proc), and the load average when each scenario started: other work on the machine shows there.
Writes bench/reports/load-<UTC time>.json and .md. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import bindparam, create_engine, text

from bench.run import BENCH, children, machine, percentile, tree_memory_mib, write_report
from bot.paths import MODEL, ROOT
from runtime.servers import running_stack
from tools.cluster import running_cluster
from tools.loadtest import Conversation, kept, run_conversations, script, stored_events, told, verify

SETUPS = ("embedded", "cluster")


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants now, from /proc."""
    try:
        return tree_memory_mib(pid, "VmRSS")
    except OSError:  # the process itself has exited
        return 0.0


SERVERS = (("postgres", "postgres"), ("redis-server", "redis"), ("nginx", "nginx"),
           ("rasa_ext.action_server", "actions"), ("rasa_ext run", "rasa"))


def child_processes() -> dict[str, int]:
    """The servers this process started (PostgreSQL and Redis included), by name and port."""
    servers = {}
    for child in children(os.getpid()):
        try:
            argv = [part.decode(errors="replace") for part in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")]
        except OSError:
            continue  # exited meanwhile
        name = server_name(argv)
        if name:
            servers[name] = child
    return servers


def server_name(argv: list[str]) -> str | None:
    """"rasa:5005", "actions:5055", "postgres", … or None for anything else."""
    command = " ".join(argv)
    name = next((name for marker, name in SERVERS if marker in command), None)
    if name and "--port" in argv[:-1]:
        return f"{name}:{argv[argv.index('--port') + 1]}"
    return name


class MemorySampler:
    """The highest total resident memory each child process tree reached, sampled every 0.25 s."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in child_processes().items():
                self.peaks[name] = max(self.peaks.get(name, 0.0), tree_rss_mib(pid))
            self._stop.wait(0.25)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def lost_and_duplicated(conversations: list[Conversation], tracker_url: str) -> tuple[int, int]:
    """Messages and replies exchanged but missing from the tracker store, and ones stored more
    often than they were exchanged."""
    events = stored_events(tracker_url, (c.sender for c in conversations))
    lost = duplicated = 0
    for conversation in conversations:
        exchanged, stored = Counter(told(conversation)), Counter(kept(events.get(conversation.sender, [])))
        lost += sum((exchanged - stored).values())
        duplicated += sum((stored - exchanged).values())
    return lost, duplicated


def storage_per_message(tracker_url: str, senders: list[str], messages: int) -> dict[str, float]:
    """Rows and bytes of JSON the tracker store keeps per patient message (all event types)."""
    engine = create_engine(tracker_url, future=True)
    try:
        with engine.connect() as connection:
            rows, size = connection.execute(
                text("SELECT count(*), coalesce(sum(length(data)), 0) FROM events WHERE sender_id IN :senders")
                .bindparams(bindparam("senders", expanding=True)), {"senders": senders},
            ).one()
    finally:
        engine.dispose()
    return {"event_rows_per_message": round(rows / messages, 1), "event_bytes_per_message": round(size / messages)}


def scenario(url: str, tracker_url: str, tickets_url: str, conversations: int, turns: int,
             think: tuple[float, float], name: str) -> dict[str, Any]:
    loadavg = load_average()
    scripts = [script(number, turns) for number in range(conversations)]
    started = time.perf_counter()
    results = asyncio.run(run_conversations(f"{url}/webhooks/rest/webhook", scripts, prefix=name, think=think))
    elapsed = time.perf_counter() - started
    latencies = [turn.seconds for c in results for turn in c.turns]
    verdict = verify(results, tracker_url, tickets_url)
    lost, duplicated = lost_and_duplicated(results, tracker_url)
    return {
        "conversations": conversations, "turns": turns, "think_seconds": list(think),
        "loadavg_at_start": loadavg, "seconds": round(elapsed, 1),
        "messages": len(latencies), "messages_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1), "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1), "max_ms": round(max(latencies) * 1000, 1),
        "failed_requests": len(verdict.failed_requests), "conversations_stored_wrong": len(verdict.store_problems),
        "events_lost": lost, "events_duplicated": duplicated, "ticket_problems": len(verdict.ticket_problems),
        **storage_per_message(tracker_url, [c.sender for c in results], len(latencies)),
        "examples_of_problems": (verdict.failed_requests + verdict.store_problems + verdict.ticket_problems)[:5],
    }


@contextmanager
def serve(setup: str, work: Path) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(URL patients use, tracker database URL, tickets database URL, {"rasa:PORT": role}) of a
    running set-up."""
    if setup == "embedded":
        tickets = f"sqlite:///{work / 'handoff.db'}"  # never var/handoff.db
        extra_env = {"HANDOFF_DATABASE_URL": tickets}
        with running_stack(MODEL, work, tracker_db=work / "tracker.db", extra_env=extra_env) as stack:
            roles = {f"rasa:{stack.rasa_port}": "rasa", f"actions:{stack.action_port}": "actions"}
            yield stack.rasa_url, f"sqlite:///{work / 'tracker.db'}", tickets, roles
    else:
        with running_cluster(work) as cluster:
            roles = {f"{name.split('-')[0]}:{cluster.port(name)}": name for name in cluster.commands if name != "proxy"}
            yield cluster.url, cluster.database_url, cluster.database_url, roles


def measure(setup: str, args: argparse.Namespace) -> dict[str, Any]:
    work = BENCH / "tmp" / f"load-{setup}"
    shutil.rmtree(work, ignore_errors=True)  # every figure from this run's stores only
    print(f"[{setup}] starting…", flush=True)
    started = time.perf_counter()
    with MemorySampler() as memory, serve(setup, work) as (url, tracker_url, tickets_url, roles):
        result: dict[str, Any] = {"startup_seconds": round(time.perf_counter() - started, 1)}
        print(f"[{setup}] paced: {args.conversations} conversations…", flush=True)
        result["paced"] = scenario(url, tracker_url, tickets_url, args.conversations, args.turns,
                                   (args.think[0], args.think[1]), f"{setup}-paced")
        print(f"[{setup}] saturation: {args.saturation} conversations without pauses…", flush=True)
        result["saturation"] = scenario(url, tracker_url, tickets_url, args.saturation, args.turns,
                                        (0.0, 0.0), f"{setup}-saturation")
    result["peak_rss_mib"] = {roles.get(name, name): round(mib, 1) for name, mib in sorted(memory.peaks.items())}
    result["peak_rss_mib_total"] = round(sum(memory.peaks.values()), 1)
    return result


ROWS: list[tuple[str, str | tuple[str, ...]]] = [
    ("messages/s", "messages_per_second"), ("p50 / p95 / p99 (ms)", ("p50_ms", "p95_ms", "p99_ms")),
    ("slowest (ms)", "max_ms"), ("failed requests", "failed_requests"), ("events lost", "events_lost"),
    ("events stored twice", "events_duplicated"), ("conversations stored wrong", "conversations_stored_wrong"),
    ("ticket problems", "ticket_problems"),
    ("stored per message: event rows / bytes", ("event_rows_per_message", "event_bytes_per_message")),
    ("load average at start (1/5/15 min)", "loadavg_at_start"),
]
TITLES = {"embedded": "embedded (`make run`: 1 Rasa server, 2 workers, SQLite)",
          "cluster": "production layout (2 replicas, nginx, PostgreSQL, Redis)"}


def cell(result: dict[str, Any], field: str | tuple[str, ...]) -> str:
    if isinstance(field, tuple):
        return " / ".join(str(result[f]) for f in field)
    value = result[field]
    return " / ".join(map(str, value)) if isinstance(value, list) else str(value)


def markdown(report: dict[str, Any]) -> str:
    setups = list(report["setups"])
    settings = report["settings"]
    lines = [f"# Load benchmark {report['date']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
             f"{report['machine']['memory_gib']} GiB, Python {report['machine']['python']}. "
             f"Command: `make bench-load` (`python -m bench.load`). Load average when it began: "
             f"{' / '.join(map(str, report['loadavg_at_start']))}.", ""]
    for key, title in (("paced", f"Paced: {settings['conversations']} conversations at once, {settings['turns']} "
                                 f"messages each, {settings['think'][0]}–{settings['think'][1]} s between a reply "
                                 "and the next message"),
                       ("saturation", f"Saturation: {settings['saturation']} conversations at once, "
                                      f"{settings['turns']} messages each, no pause")):
        lines += [f"## {title}", "", "| | " + " | ".join(TITLES[s] for s in setups) + " |",
                  "|---" * (len(setups) + 1) + "|"]
        lines += [f"| {label} | " + " | ".join(cell(report["setups"][s][key], field) for s in setups) + " |"
                  for label, field in ROWS]
        lines.append("")
    lines += ["## Start-up and peak resident memory (MiB, sampled from /proc, whole process trees)", "",
              "| | " + " | ".join(TITLES[s] for s in setups) + " |", "|---" * (len(setups) + 1) + "|",
              "| start-up incl. model load (s) | " + " | ".join(str(report["setups"][s]["startup_seconds"]) for s in setups)
              + " |"]
    names = sorted({name for s in setups for name in report["setups"][s]["peak_rss_mib"]})
    lines += [f"| {name} | " + " | ".join(str(report["setups"][s]["peak_rss_mib"].get(name, "–")) for s in setups) + " |"
              for name in names]
    lines.append("| total | " + " | ".join(str(report["setups"][s]["peak_rss_mib_total"]) for s in setups) + " |")
    problems = [problem for s in setups for key in ("paced", "saturation")
                for problem in report["setups"][s][key]["examples_of_problems"]]
    if problems:
        lines += ["", "## Problems seen", ""] + [f"- {problem[:300]}" for problem in problems]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100, help="paced conversations at once")
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--think", type=float, nargs=2, default=[2.0, 6.0], metavar=("MIN", "MAX"),
                        help="seconds between a reply and the next message (uniform)")
    parser.add_argument("--saturation", type=int, default=50, help="conversations at once, without pauses")
    parser.add_argument("--setups", nargs="+", choices=SETUPS, default=list(SETUPS))
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit(f"no trained model at {MODEL.relative_to(ROOT)}: run `make model` first")
    now = dt.datetime.now(dt.timezone.utc)
    report: dict[str, Any] = {"date": now.isoformat(timespec="seconds"), "machine": machine(),
                              "loadavg_at_start": load_average(), "settings": vars(args), "setups": {}}
    for setup in args.setups:
        report["setups"][setup] = measure(setup, args)
    out = BENCH / "reports" / f"load-{now.strftime('%Y-%m-%dT%H%M%SZ')}"
    write_report(out, report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
