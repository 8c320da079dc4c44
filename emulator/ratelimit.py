"""Tencent's per-API frequency limit (10 requests/s per action per SecretId) as token buckets."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """One token bucket per (SecretId, action): refills ``rate`` tokens per second, holds ``max(rate, 1)``.

    A bucket rather than a fixed window, so that a client which itself paces with a 10/s token bucket is never
    refused; refused requests take no token.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, secret_id: str, action: str, rate: float) -> bool:
        """Take a token for one request; ``False`` means answer ``LimitExceeded.RateLimitExceeded``."""
        now = self._clock()
        with self._lock:
            capacity = max(rate, 1.0)
            tokens, last = self._buckets.get((secret_id, action), (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            # The epsilon forgives float rounding for a client pacing at exactly 1/rate intervals.
            if tokens < 1.0 - 1e-9:
                self._buckets[(secret_id, action)] = (tokens, now)
                return False
            self._buckets[(secret_id, action)] = (tokens - 1.0, now)
            return True

    def reset(self) -> None:
        """Refill every bucket."""
        with self._lock:
            self._buckets.clear()
