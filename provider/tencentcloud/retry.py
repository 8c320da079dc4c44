"""Which failures are retried, and how long to wait: the only table of retryable codes.

Implementation note: Tencent's own tools disagree (the Python SDK retries nothing by default, Terraform refuses
``InternalError`` and SSL's ``LimitExceeded.RateLimitExceeded``). We retry throttling of both kinds, because the
design requires never surfacing a rate limit, and the transient server/network codes; never auth or parameter
errors, which a retry cannot fix and which would only hide a misconfiguration behind the backoff.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ApiError, TencentCloudError, TransportError

__all__ = [
    "RETRYABLE_CODES",
    "RETRYABLE_CODE_PREFIXES",
    "RetryPolicy",
    "is_retryable_code",
]

#: Exact error codes worth another attempt.
RETRYABLE_CODES: frozenset[str] = frozenset(
    {
        "RequestLimitExceeded",  # platform frequency limit
        "LimitExceeded.RateLimitExceeded",  # SSL's own per-API limit (not a RequestLimitExceeded sub-code)
        "InternalError",  # transient server fault
        "FailedOperation.NetworkError",  # "CA busy" per the SSL error-code list
    }
)
#: Code families worth another attempt, e.g. ``RequestLimitExceeded.UinLimitExceeded``.
RETRYABLE_CODE_PREFIXES: tuple[str, ...] = ("RequestLimitExceeded.",)


def is_retryable_code(code: str) -> bool:
    """Whether an API error code is transient (throttling or a passing server fault)."""
    return code in RETRYABLE_CODES or code.startswith(RETRYABLE_CODE_PREFIXES)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry classification plus capped exponential backoff with full jitter, within attempts and a deadline."""

    max_attempts: int = 8
    deadline: float = 120.0
    base: float = 0.5
    cap: float = 10.0
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` may succeed on another attempt: any TransportError, or an ApiError with a code above."""
        if isinstance(error, TransportError):
            return True
        if isinstance(error, ApiError):
            return is_retryable_code(error.code)
        return False

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): uniform in [0, min(cap, base*2^(n-1))].

        Full jitter (AWS architecture blog, "Exponential Backoff And Jitter") spreads threads throttled together.
        """
        ceiling = min(self.cap, self.base * (2.0 ** min(attempt - 1, 62)))
        return self.rng() * ceiling

    def backoff(self, error: TencentCloudError, attempt: int, elapsed: float) -> float | None:
        """The wait before the next attempt, or ``None`` to give up (not retryable, out of attempts or time)."""
        if attempt >= self.max_attempts or not self.is_retryable(error):
            return None
        wait = self.delay(attempt)
        if elapsed + wait >= self.deadline:
            return None
        return wait
