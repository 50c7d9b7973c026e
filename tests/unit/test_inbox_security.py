"""The staff inbox's login throttle and CSRF comparison (runtime/inbox/security.py), on a test clock."""

import pytest

from runtime.inbox.security import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    WINDOW_SECONDS,
    LoginThrottle,
    same_token,
)


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def throttle(clock):
    return LoginThrottle(clock=clock)


def test_an_account_is_refused_after_its_fifth_failure_until_the_window_passes(throttle, clock):
    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        assert throttle.retry_after("anna", f"10.0.0.{attempt}") == 0
        throttle.record_failure("anna", f"10.0.0.{attempt}")
        clock.now += 1
    assert throttle.retry_after("anna", "10.0.0.99") == pytest.approx(WINDOW_SECONDS - MAX_FAILURES_PER_ACCOUNT)
    assert throttle.retry_after("bob", "10.0.0.99") == 0  # other accounts, from other addresses, are not slowed
    clock.now += WINDOW_SECONDS - MAX_FAILURES_PER_ACCOUNT
    assert throttle.retry_after("anna", "10.0.0.99") == 0  # the oldest failure left the window


def test_an_address_guessing_many_names_is_refused(throttle):
    for number in range(MAX_FAILURES_PER_ADDRESS):
        throttle.record_failure(f"name-{number}", "203.0.113.7")
    assert throttle.retry_after("anna", "203.0.113.7") > 0
    assert throttle.retry_after("anna", "198.51.100.1") == 0


def test_a_right_password_clears_the_account_but_not_the_address(throttle):
    for number in range(MAX_FAILURES_PER_ACCOUNT - 1):
        throttle.record_failure("anna", "203.0.113.7")
        throttle.record_failure(f"other-{number}", "203.0.113.7")
    throttle.record_success("anna")
    throttle.record_failure("anna", "198.51.100.1")
    assert throttle.retry_after("anna", "198.51.100.1") == 0
    for number in range(MAX_FAILURES_PER_ADDRESS):
        throttle.record_failure(f"more-{number}", "203.0.113.7")
    assert throttle.retry_after("anna", "203.0.113.7") > 0


def test_old_failures_are_forgotten(throttle, clock):
    throttle.record_failure("anna", "203.0.113.7")
    clock.now += WINDOW_SECONDS + 1
    throttle.record_failure("bob", "198.51.100.1")
    assert set(throttle._failures) == {("account", "bob"), ("address", "198.51.100.1")}


@pytest.mark.parametrize(("expected", "given", "matches"), [
    ("abc", "abc", True),
    ("abc", "abd", False),
    ("abc", "", False),
    ("abc", None, False),
    (None, None, False),
    ("", "", False),
])
def test_a_csrf_token_matches_only_the_same_non_empty_token(expected, given, matches):
    assert same_token(expected, given) is matches
