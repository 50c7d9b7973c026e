"""The staff inbox as a real process on loopback, for tests and the inbox benchmark: `python -m bot
inbox` on a free port, staff accounts made with `python -m bot staff add-user` as staff would, and
one staff member's HTTP client (cookies kept, the CSRF token read from a page, the live streams read
on a thread with each event's arrival time)."""

from __future__ import annotations

import http.client
import json
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

from runtime.servers import HOST, ManagedProcess, free_port, spawn, wait_until


def add_user(database_url: str, name: str, display_name: str, password: str) -> None:
    command = [sys.executable, "-m", "bot", "staff", "--database-url", database_url, "add-user", name,
               "--display-name", display_name, "--password-stdin"]
    subprocess.run(command, input=password + "\n", text=True, check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class RunningInbox:
    port: int
    process: ManagedProcess


@contextmanager
def inbox_process(log_dir: Path, database_url: str, tracker_url: str, rasa_url: str,
                  rasa_token: str) -> Iterator[RunningInbox]:
    """The inbox while the `with` block runs; its log is `log_dir/inbox.log`."""
    port = free_port()
    command = [sys.executable, "-m", "bot", "inbox", "--port", str(port), "--database-url", database_url,
               "--tracker-database-url", tracker_url]
    process = spawn("inbox", command, log_dir, {"RASA_URL": rasa_url, "RASA_AUTH_TOKEN": rasa_token})
    try:
        wait_until(process, f"http://{HOST}:{port}/login", timeout=30)
        yield RunningInbox(port, process)
    finally:
        process.stop()


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None
    body: str


class StaffClient:
    """One staff member's browser, as far as HTTP goes: cookies kept (Secure ones too, as a browser
    does on loopback), redirects not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Answer:
        headers = self.cookie_header()
        if fields is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=None if fields is None else urlencode(fields), headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers.get("Location"), response.read().decode())
            self.keep_cookies(response.headers.get_all("Set-Cookie") or [])
        finally:
            connection.close()
        return answer

    def keep_cookies(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def csrf(self, path: str) -> str:
        """The CSRF token of the forms on the page at `path`."""
        found = re.search(r'name="csrf" value="([^"]+)"', self.request("GET", path).body)
        if not found:
            raise RuntimeError(f"no form on {path}")
        return found.group(1)

    def sign_in(self, name: str, password: str) -> None:
        answer = self.request("POST", "/login", {"csrf": self.csrf("/login"), "name": name, "password": password})
        if answer.location != "/":
            raise RuntimeError(f"signing in as {name} failed: HTTP {answer.status}")

    def events(self, path: str) -> EventStream:
        return EventStream(self.port, path, self.cookie_header())


class EventStream:
    """A server-sent event stream read on its own thread: each event's data, decoded, with the
    time.perf_counter() at which it arrived."""

    def __init__(self, port: int, path: str, headers: dict[str, str],
                 connection: http.client.HTTPConnection | None = None) -> None:
        """`connection`: another way to the inbox (HTTPS through nginx, say) than plain loopback HTTP."""
        self.connection = connection or http.client.HTTPConnection(HOST, port, timeout=30)
        self.connection.request("GET", path, headers={**headers, "Accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        if self.response.status != 200:
            raise RuntimeError(f"{path} answered HTTP {self.response.status}")
        self.received: queue.Queue[tuple[float, Any]] = queue.Queue()
        self.ended = threading.Event()  # the server closed the stream
        self.connection.sock.settimeout(None)  # an idle stream only sends a comment every 15 s
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while line := self.response.readline():
                if line.startswith(b"data: "):
                    self.received.put((time.perf_counter(), json.loads(line[len(b"data: "):])))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed here (http.client raises AttributeError when closed from another thread)
        self.ended.set()

    def wait_for(self, condition: Callable[[Any], bool], timeout: float = 30.0) -> float:
        """When the first event whose data meets `condition` arrived (events already read count)."""
        return first_arrival(self.received, condition, timeout, "no such event in time")[0]

    def close(self) -> None:
        if self.connection.sock is not None:
            try:
                self.connection.sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread
            except OSError:
                pass
        self.connection.close()


def first_arrival(received: queue.Queue, condition: Callable[[Any], bool], timeout: float,
                  what: str) -> tuple[float, Any]:
    """(arrival time, item) of the first queued (arrival time, item) whose item meets `condition`,
    taking the ones before it off the queue; TimeoutError(`what`) if none comes within `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            arrived, item = received.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(what) from None
        if condition(item):
            return arrived, item
