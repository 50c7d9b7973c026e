"""The inbox's guards that need no web server: the login throttle and the CSRF comparison.

The throttle lives in the inbox process's memory: the inbox is one process (one Sanic worker), so
every login attempt passes through it; a restart forgets the counts, which only helps the staff
member who mistyped.
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from typing import Callable, Deque, Dict

MAX_FAILURES_PER_ACCOUNT = 5
# Higher than per account: behind one clinic router (or nginx without forwarded addresses) all staff
# share an address, and one person's typos must not lock everybody out.
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    """Failed logins in a sliding window, per account name and per client address. Once either has
    reached its limit, further attempts are refused without checking the password, until the oldest
    failure leaves the window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = WINDOW_SECONDS) -> None:
        self._clock = clock
        self._window = window
        self._failures: Dict[tuple[str, str], Deque[float]] = {}

    def _recent(self, key: tuple[str, str]) -> Deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= self._clock() - self._window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def retry_after(self, account: str, address: str) -> float:
        """Seconds until this account may try again from this address; 0 if it may now."""
        waits = [
            failures[0] + self._window - self._clock()
            for key, limit in self._limits(account, address)
            if len(failures := self._recent(key)) >= limit
        ]
        return max(waits, default=0.0)

    def record_failure(self, account: str, address: str) -> None:
        for stale in list(self._failures):  # forget names and addresses whose failures are all old
            self._recent(stale)
        for key, _limit in self._limits(account, address):
            self._failures.setdefault(key, deque()).append(self._clock())

    def record_success(self, account: str) -> None:
        """A right password clears the account's count (not the address's: one valid account must
        not reset an address that is guessing others)."""
        self._failures.pop(("account", account), None)

    @staticmethod
    def _limits(account: str, address: str) -> list[tuple[tuple[str, str], int]]:
        return [(("account", account), MAX_FAILURES_PER_ACCOUNT), (("address", address), MAX_FAILURES_PER_ADDRESS)]


def same_token(expected: str | None, given: str | None) -> bool:
    """A CSRF token matches, compared in constant time; a missing one never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
