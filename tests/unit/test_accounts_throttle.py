"""The sign-in throttle's policy over flask-limiter's in-memory storage, with the clock moved by hand."""

from __future__ import annotations

import time

import pytest
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from service.accounts.throttle import SignInThrottle


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture()
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture()
def gate(clock):  # noqa: ANN001
    storage = MemoryStorage()
    yield SignInThrottle(MovingWindowRateLimiter(storage))
    storage.reset()


def test_five_failures_for_an_account_lock_it_for_15_minutes(gate, clock):
    for attempt in range(1, 5):
        assert not gate.record_failure("ana@example.org", f"10.0.0.{attempt}").locked
        assert not gate.is_locked("ana@example.org", "10.0.0.99")
    assert gate.record_failure("ana@example.org", "10.0.0.5").locked_now == ("account",)
    assert gate.is_locked("ana@example.org", "10.0.0.99")  # from any address
    assert gate.is_locked("ANA@example.org ", "10.0.0.99")  # however the address is typed
    assert not gate.is_locked("bob@example.org", "10.0.0.5")  # other accounts are not locked
    clock.advance(14.9)
    assert gate.is_locked("ana@example.org", "10.0.0.99")
    clock.advance(0.2)
    assert not gate.is_locked("ana@example.org", "10.0.0.99")
    # After the lock the count starts afresh: one more failure does not lock again.
    assert not gate.record_failure("ana@example.org", "10.0.0.5").locked


def test_failures_older_than_15_minutes_do_not_count(gate, clock):
    for _ in range(4):
        gate.record_failure("ana@example.org", "10.0.0.1")
    clock.advance(16)
    assert not gate.record_failure("ana@example.org", "10.0.0.1").locked


def test_twenty_failures_from_one_address_lock_that_address(gate, clock):
    for n in range(19):
        assert not gate.record_failure(f"user{n}@example.org", "10.0.0.7").locked
    assert gate.record_failure("user19@example.org", "10.0.0.7").locked_now == ("address",)
    assert gate.is_locked("someone-new@example.org", "10.0.0.7")
    assert not gate.is_locked("someone-new@example.org", "10.0.0.8")
    clock.advance(15.1)
    assert not gate.is_locked("someone-new@example.org", "10.0.0.7")


def test_a_success_forgets_the_accounts_failures(gate, clock):
    for _ in range(4):
        gate.record_failure("ana@example.org", "10.0.0.1")
    gate.record_success("ana@example.org")
    for _ in range(4):
        assert not gate.record_failure("ana@example.org", "10.0.0.1").locked


def test_reset_lifts_a_lock(gate, clock):
    for _ in range(5):
        gate.record_failure("ana@example.org", "10.0.0.1")
    assert gate.is_locked("ana@example.org", "")
    gate.reset(email="ana@example.org")
    assert not gate.is_locked("ana@example.org", "")
