"""Client-side rate limiting: a thread-safe token bucket per API action.

Implementation note: a caller *reserves* its slot under the lock (the token count may go negative) and sleeps
outside it, so threads are served in arrival order, the lock is never held while sleeping, and the bucket stays
correct however the sleeps interleave. With the default burst of 1 the calls of one action are spaced
``1/rate`` apart, so no one-second window holds more than ``rate`` starts.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TypedDict, Unpack

__all__ = ["DEFAULT_RATE", "RateLimiter", "Timing", "TokenBucket"]

#: Tencent's SSL API allows 10 requests per second per action.
DEFAULT_RATE = 10.0


class Timing(TypedDict, total=False):
    """The time hooks of a bucket (``time.monotonic`` and ``time.sleep`` unless given), for tests' fake clocks."""

    clock: Callable[[], float]
    sleep: Callable[[float], None]


class TokenBucket:
    """Admit at most ``rate`` acquisitions per second on average, with bursts of up to ``burst``; thread-safe."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: float = 1.0, **timing: Unpack[Timing]) -> None:
        if not rate > 0 or not burst >= 1:
            raise ValueError("TokenBucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = timing.get("clock", time.monotonic)
        self._sleep = timing.get("sleep", time.sleep)
        self._lock = threading.Lock()
        self._tokens = burst
        self._updated = self._clock()

    def reserve(self) -> float:
        """Take one token now and return how many seconds the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate) - 1.0
            self._updated = now
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Block until a token is available; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiter:
    """One ``TokenBucket`` per key (the API action), created on first use with these arguments; thread-safe."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: float = 1.0, **timing: Unpack[Timing]) -> None:
        self._new_bucket = functools.partial(TokenBucket, rate, burst, **timing)
        self._new_bucket()  # a bad rate or burst fails here, not at the first call
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, key: str) -> TokenBucket:
        """The bucket of ``key``."""
        bucket = self._buckets.get(key)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = self._new_bucket()
        return bucket

    def acquire(self, key: str) -> float:
        """Block until ``key`` may make another request; returns the seconds waited."""
        return self.bucket(key).acquire()
