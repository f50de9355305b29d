"""Sign-in throttling: after 5 failed attempts for one account, or 20 from one address, within 15 minutes,
every further attempt (for that account, or from that address) is refused for 15 minutes.

The counts live in flask-limiter's storage (the `limits` library): in memory by default (per process), in
Redis in production (RATELIMIT_STORAGE_URI=redis://...), so every worker process sees the same counts.
The policy is this module's plain class over a `limits` rate limiter, tested without Flask."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.strategies import RateLimiter

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW_MINUTES = 15
LOCKOUT_MINUTES = 15

LOCKED_MESSAGE = (
    f"Too many failed sign-in attempts. Sign-in is paused for {LOCKOUT_MINUTES} minutes; try again "
    "later, or reset your password."
)


@dataclass(frozen=True)
class Outcome:
    """What one more failure did: which scopes ('account', 'address') became locked by it."""

    locked_now: tuple[str, ...] = ()

    @property
    def locked(self) -> bool:
        return bool(self.locked_now)


def _key(scope: str, value: str) -> str:
    # Hashed: the storage (Redis) never holds the e-mail address or IP in clear.
    return f"signin:{scope}:" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class SignInThrottle:
    def __init__(
        self,
        limiter: RateLimiter,
        account_failures: int = ACCOUNT_FAILURES,
        address_failures: int = ADDRESS_FAILURES,
        window_minutes: int = WINDOW_MINUTES,
        lockout_minutes: int = LOCKOUT_MINUTES,
    ):
        self.limiter = limiter
        self.failures = {
            "account": RateLimitItemPerMinute(account_failures, window_minutes),
            "address": RateLimitItemPerMinute(address_failures, window_minutes),
        }
        # A lock is one hit on a "1 per 15 minutes" item: while it stands, test() says no.
        self.lock = RateLimitItemPerMinute(1, lockout_minutes)

    def _scopes(self, email: str, address: str) -> dict[str, str]:
        scopes = {}
        if email:
            scopes["account"] = _key("account", email)
        if address:
            scopes["address"] = _key("address", address)
        return scopes

    def is_locked(self, email: str, address: str) -> bool:
        return any(not self.limiter.test(self.lock, key, "lock") for key in self._scopes(email, address).values())

    def record_failure(self, email: str, address: str) -> Outcome:
        locked_now = []
        for scope, key in self._scopes(email, address).items():
            item = self.failures[scope]
            self.limiter.hit(item, key, "failures")
            if self.limiter.get_window_stats(item, key, "failures").remaining <= 0:
                if self.limiter.hit(self.lock, key, "lock"):
                    locked_now.append(scope)
                self.limiter.clear(item, key, "failures")  # after the lock, counting starts afresh
        return Outcome(tuple(locked_now))

    def record_success(self, email: str) -> None:
        """A right password (and code) forgets the account's earlier failures; the address keeps its count."""
        self.limiter.clear(self.failures["account"], _key("account", email), "failures")

    def reset(self, email: str = "", address: str = "") -> None:
        for scope, key in self._scopes(email, address).items():
            self.limiter.clear(self.failures[scope], key, "failures")
            self.limiter.clear(self.lock, key, "lock")
