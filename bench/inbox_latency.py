"""Inbox latency benchmark: how long a patient's message takes to appear in the staff inbox, and a
staff reply to reach the patient's chat widget, on loopback with the real servers.

`make bench-inbox` (`python -m bench.inbox_latency`) starts the action and Rasa servers as `make run`
does (a Sanic worker per core, SQLite stores) and the staff inbox (`python -m bot inbox`), signs a
staff member in, and connects `--conversations` patients over socket.io, as the web widget does.
Each patient reports a side effect, which hands the conversation to staff (the time until the
ticket is in the inbox's live list is recorded too); then patients and the staff member take turns,
`--messages` of each in all, each after a random pause of 0 to `--pause` s, so that they land at every
phase of the servers' polls:
- patient -> inbox: from the message leaving the patient's socket until the ticket page's live
  stream (the event stream the page's script reads) carries it;
- staff -> patient: from posting the ticket page's reply form until the patient's socket has it.
Then the inbox's CPU use, with one list page and one ticket page open for `--idle` s: fed by the
live streams, by polling the JSON every 0.2 s (the same freshness) and every 2 s (the old pages),
and with no page open.
Writes bench/reports/inbox-<UTC time>.json and .md (`--out` for another place). Not a test:
nothing here passes or fails; it stops with an error if a message never arrives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import random
import secrets
import shutil
import statistics
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import socketio

from bench.run import BENCH, cpu_seconds, machine, percentile, write_report
from bot.paths import MODEL, ROOT
from runtime.channels import CHANNEL_VARIABLES
from runtime.servers import running_stack
from tools.inbox import EventStream, StaffClient, add_user, first_arrival, inbox_process

SIDE_EFFECT = "I had mesotherapy yesterday and now my face is very swollen and hot"
STAFF_NAME, STAFF_DISPLAY_NAME = "bench.staff", "Bench Staff"
TIMEOUT = 30.0
DELAYS = {"patient_to_inbox": "patient's message -> ticket page (live stream)",
          "staff_to_patient": "staff reply posted -> patient's widget (socket.io)",
          "new_ticket_to_list": "handoff message -> ticket in the live list"}


class Patient:
    """A widget's socket.io session: every bot message it receives, with its arrival time."""

    def __init__(self, url: str) -> None:
        self.session_id = uuid.uuid4().hex
        self.received: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.client = socketio.Client()
        confirmed = threading.Event()
        self.client.on("session_confirm", lambda *_: confirmed.set())
        self.client.on("bot_uttered", lambda message: self.received.put((time.perf_counter(), message)))
        self.client.connect(url, transports=["websocket"], socketio_path="/socket.io")
        self.client.emit("session_request", {"session_id": self.session_id, "staff_after": 0})
        if not confirmed.wait(TIMEOUT):
            raise RuntimeError("no session_confirm")

    def say(self, text: str) -> float:
        """Send a message; returns when it left."""
        sent = time.perf_counter()
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return sent

    def wait_for(self, condition: Callable[[dict[str, Any]], bool]) -> tuple[float, dict[str, Any]]:
        return first_arrival(self.received, condition, TIMEOUT, "the patient's widget did not get the message in time")


@dataclass
class Ticket:
    patient: Patient
    id: int
    csrf: str
    transcript: EventStream


@dataclass
class Samples:
    patient_to_inbox: list[float] = field(default_factory=list)
    staff_to_patient: list[float] = field(default_factory=list)
    new_ticket_to_list: list[float] = field(default_factory=list)


def hand_off(url: str, staff: StaffClient, tickets: EventStream, samples: Samples) -> Ticket:
    """A new patient reports a side effect; the ticket appears in the live list."""
    patient = Patient(url)
    sent = patient.say(SIDE_EFFECT)
    _, message = patient.wait_for(lambda message: "handoff" in message)
    ticket_id = message["handoff"]["ticket"]
    listed = tickets.wait_for(lambda data: any(row["id"] == ticket_id for row in data["tickets"]), TIMEOUT)
    samples.new_ticket_to_list.append(listed - sent)
    page = f"/tickets/{ticket_id}"
    return Ticket(patient, ticket_id, staff.csrf(page), staff.events(f"/api/tickets/{ticket_id}/transcript/stream"))


def patient_turn(ticket: Ticket, text: str) -> float:
    sent = ticket.patient.say(text)
    shown = ticket.transcript.wait_for(
        lambda data: any(entry["speaker"] == "patient" and entry["text"] == text for entry in data["entries"]), TIMEOUT)
    return shown - sent


def staff_turn(staff: StaffClient, ticket: Ticket, text: str) -> float:
    sent = time.perf_counter()
    answer = staff.request("POST", f"/tickets/{ticket.id}/reply", {"csrf": ticket.csrf, "text": text})
    if answer.location != f"/tickets/{ticket.id}?done=replied":
        raise RuntimeError(f"the reply was refused: HTTP {answer.status}")
    arrived, _ = ticket.patient.wait_for(lambda message: str(message.get("text", "")).endswith(f": {text}"))
    return arrived - sent


def exchange(url: str, staff: StaffClient, args: argparse.Namespace) -> tuple[Samples, list[Ticket]]:
    samples, pause = Samples(), lambda: time.sleep(random.uniform(0.0, args.pause))
    tickets = staff.events("/api/tickets/stream")
    try:
        handed_off = [hand_off(url, staff, tickets, samples) for _ in range(args.conversations)]
    finally:
        tickets.close()
    nonce = secrets.token_hex(3)
    for number in range(args.messages):
        ticket = handed_off[number % len(handed_off)]
        pause()
        samples.patient_to_inbox.append(patient_turn(ticket, f"patient message {number} {nonce}"))
        pause()
        samples.staff_to_patient.append(staff_turn(staff, ticket, f"staff reply {number} {nonce}"))
    return samples, handed_off


def poll_json(staff: StaffClient, paths: list[str], every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        for path in paths:
            staff.request("GET", path)


def inbox_cpu_percent(pid: int, seconds: float, watch: Callable[[threading.Event], None] | None) -> float:
    """The inbox process's CPU use (% of one core) over `seconds` while `watch` runs on a thread."""
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(stop,), daemon=True) if watch else None
    if thread:
        thread.start()
    time.sleep(1.0)  # streams opened, first answers sent
    before = cpu_seconds(pid)
    time.sleep(seconds)
    used = cpu_seconds(pid) - before
    stop.set()
    if thread:
        thread.join(TIMEOUT)
    return round(100 * used / seconds, 2)


def idle_cost(pid: int, staff: StaffClient, ticket: Ticket, seconds: float) -> dict[str, float]:
    """CPU of the inbox with a list page and a ticket page open, fed each way."""
    list_json, transcript_json = "/api/tickets", f"/api/tickets/{ticket.id}/transcript"

    def streams(stop: threading.Event) -> None:
        opened = [staff.events(list_json + "/stream"), staff.events(transcript_json + "/stream")]
        stop.wait()
        for stream in opened:
            stream.close()

    return {
        "no page open": inbox_cpu_percent(pid, seconds, None),
        "live streams (server checks every 0.2 s)": inbox_cpu_percent(pid, seconds, streams),
        "pages polling the JSON every 0.2 s": inbox_cpu_percent(
            pid, seconds, lambda stop: poll_json(staff, [list_json, transcript_json], 0.2, stop)),
        "pages polling the JSON every 2 s (before)": inbox_cpu_percent(
            pid, seconds, lambda stop: poll_json(staff, [list_json, transcript_json], 2.0, stop)),
    }


def summary(seconds: list[float]) -> dict[str, float]:
    return {"count": len(seconds), "p50_ms": round(percentile(seconds, 0.50) * 1000, 1),
            "p95_ms": round(percentile(seconds, 0.95) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1),
            "mean_ms": round(statistics.mean(seconds) * 1000, 1)}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    work = args.work
    shutil.rmtree(work, ignore_errors=True)  # every figure from this run's stores only
    tickets_url, tracker_url = f"sqlite:///{work / 'handoff.db'}", f"sqlite:///{work / 'tracker.db'}"
    password = secrets.token_urlsafe(18)
    no_channels = {variable: "" for variable in CHANNEL_VARIABLES}
    with ExitStack() as running:
        print("starting the action and Rasa servers…", flush=True)
        stack = running.enter_context(running_stack(MODEL, work / "stack", tracker_db=work / "tracker.db",
                                                    extra_env={"HANDOFF_DATABASE_URL": tickets_url},
                                                    rasa_env=no_channels))
        add_user(tickets_url, STAFF_NAME, STAFF_DISPLAY_NAME, password)  # the action server has migrated it
        inbox = running.enter_context(inbox_process(work, tickets_url, tracker_url, stack.rasa_url, stack.auth_token))
        staff = StaffClient(inbox.port)
        staff.sign_in(STAFF_NAME, password)
        print(f"{args.conversations} handoffs, then {args.messages} messages each way…", flush=True)
        samples, tickets = exchange(stack.rasa_url, staff, args)
        for ticket in tickets:
            ticket.transcript.close()
        print(f"the inbox's CPU use, {args.idle} s per way of feeding its pages…", flush=True)
        cpu = idle_cost(inbox.process.process.pid, staff, tickets[0], args.idle)
        for ticket in tickets:
            ticket.patient.client.disconnect()
    return {"delays": {name: summary(getattr(samples, name)) for name in DELAYS},
            "inbox_cpu_percent_of_a_core": cpu,
            "samples_ms": {name: [round(s * 1000, 1) for s in getattr(samples, name)] for name in DELAYS}}


def markdown(report: dict[str, Any]) -> str:
    settings, box = report["settings"], report["machine"]
    lines = [f"# Inbox latency benchmark {report['date']}", "",
             f"Machine: {box['cpu']}, {box['cores']} cores, {box['memory_gib']} GiB, Python {box['python']}. "
             f"Command: `{report['command']}`. {settings['conversations']} conversations handed to staff, "
             f"{settings['messages']} messages each way, a random pause of 0–{settings['pause']} s before each. "
             f"Load average when it began: {' / '.join(map(str, report['loadavg_at_start']))}.", "",
             "| delay | messages | p50 (ms) | p95 (ms) | slowest (ms) | mean (ms) |", "|---|---|---|---|---|---|"]
    for name, title in DELAYS.items():
        figures = report["delays"][name]
        lines.append(f"| {title} | {figures['count']} | {figures['p50_ms']} | {figures['p95_ms']} | "
                     f"{figures['max_ms']} | {figures['mean_ms']} |")
    lines += ["", f"## The inbox's CPU use, one list page and one ticket page open ({settings['idle']} s each)", "",
              "| pages fed by | CPU (% of one core) |", "|---|---|"]
    lines += [f"| {way} | {percent} |" for way, percent in report["inbox_cpu_percent_of_a_core"].items()]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200, help="patient messages, and staff replies, in all")
    parser.add_argument("--conversations", type=int, default=4, help="patients handed to staff at once")
    parser.add_argument("--pause", type=float, default=0.5, help="longest random pause before each message (s)")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds per CPU measurement")
    parser.add_argument("--work", type=Path, default=BENCH / "tmp" / "inbox-latency", help="scratch folder (emptied)")
    parser.add_argument("--out", type=Path, help="report path without suffix (default bench/reports/inbox-<time>)")
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit(f"no trained model at {MODEL.relative_to(ROOT)}: run `make model` first")
    now = dt.datetime.now(dt.timezone.utc)
    report: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"), "machine": machine(),
        "command": " ".join(["python -m bench.inbox_latency", *sys.argv[1:]]),
        "loadavg_at_start": [round(value, 2) for value in os.getloadavg()],
        "settings": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
    }
    report |= measure(args)
    write_report(args.out or BENCH / "reports" / f"inbox-{now.strftime('%Y-%m-%dT%H%M%SZ')}", report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
