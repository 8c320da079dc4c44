"""Which failures are retried, and how long to wait: the one table of what is transient.

Implementation note: like botocore's standard retry mode (``botocore/retries/standard.py``), we retry only what
another attempt can fix: no reply at all (connection refused or dropped, timeouts) or a garbled one, the gateway and
server faults 500, 502, 503 and 504, and named throttling and transient codes. Tencent reports API errors inside
HTTP 200 replies, so any other status comes from something in between; a 4xx (a proxy refusing us, a wrong
endpoint path) would answer the same again and only hide the misconfiguration behind the backoff.

Tencent's own tools disagree on codes (the Python SDK retries nothing by default, Terraform refuses
``InternalError`` and SSL's ``LimitExceeded.RateLimitExceeded``). We retry throttling of both kinds, because the
design requires never surfacing a rate limit, and the transient server codes; never auth or parameter errors.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ApiError, HttpStatusError, TencentCloudError, TransportError

__all__ = [
    "RETRYABLE_ACTION_CODES",
    "RETRYABLE_CODES",
    "RETRYABLE_CODE_PREFIXES",
    "RETRYABLE_STATUSES",
    "THROTTLING_CODES",
    "THROTTLING_CODE_PREFIXES",
    "RetryPolicy",
    "is_retryable_code",
    "is_retryable_status",
    "is_throttling",
]

# --- the table: a failure is retried only when it is listed here (or is a TransportError without a reply) ---------

#: Throttling codes: the request was refused before any work, so nothing it asked for happened.
THROTTLING_CODES: frozenset[str] = frozenset(
    {
        "RequestLimitExceeded",  # platform frequency limit
        "LimitExceeded.RateLimitExceeded",  # SSL's own per-API limit (not a RequestLimitExceeded sub-code)
    }
)
#: Throttling code families, e.g. ``RequestLimitExceeded.UinLimitExceeded``.
THROTTLING_CODE_PREFIXES: tuple[str, ...] = ("RequestLimitExceeded.",)
#: Exact error codes worth another attempt.
RETRYABLE_CODES: frozenset[str] = THROTTLING_CODES | {
    "InternalError",  # transient server fault: Tencent's in-envelope counterpart of an HTTP 500
    "FailedOperation.NetworkError",  # "CA busy" per the SSL error-code list
}
#: Code families worth another attempt.
RETRYABLE_CODE_PREFIXES: tuple[str, ...] = THROTTLING_CODE_PREFIXES
#: Codes worth another attempt for one action only, where the documentation says "try again later" or the code
#: names no cause, and repeating the call is harmless: a DeleteCertificate that did go through answers the retry
#: with CertificateNotFound (already gone) or the same task. ``provider.ssl.delete_codes`` documents each.
RETRYABLE_ACTION_CODES: dict[str, frozenset[str]] = {
    "DeleteCertificate": frozenset(
        {
            "FailedOperation",  # no cause given
            "FailedOperation.CannotGetOrder",  # "could not read the order, try again later"
        }
    ),
}
#: HTTP statuses worth another attempt: gateway and server faults (botocore's ``_TRANSIENT_STATUS_CODES``).
RETRYABLE_STATUSES: frozenset[int] = frozenset({500, 502, 503, 504})


def is_retryable_code(code: str, action: str | None = None) -> bool:
    """Whether an API error code is transient (throttling or a passing server fault), for ``action`` when given."""
    if action is not None and code in RETRYABLE_ACTION_CODES.get(action, ()):
        return True
    return code in RETRYABLE_CODES or code.startswith(RETRYABLE_CODE_PREFIXES)


def is_throttling(error: BaseException) -> bool:
    """Whether ``error`` is a throttling refusal (nothing was done: a write it refused was not carried out)."""
    code = error.code if isinstance(error, ApiError) else ""
    return code in THROTTLING_CODES or code.startswith(THROTTLING_CODE_PREFIXES)


def is_retryable_status(status_code: int) -> bool:
    """Whether a non-200 HTTP status is a passing gateway or server fault (never a 4xx)."""
    return status_code in RETRYABLE_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """Retry classification plus capped exponential backoff with full jitter, within attempts and a deadline."""

    max_attempts: int = 8
    deadline: float = 120.0
    base: float = 0.5
    cap: float = 10.0
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` may succeed on another attempt, per the table above.

        A ``TransportError`` is, unless it is an ``HttpStatusError`` with a status outside ``RETRYABLE_STATUSES``;
        an ``ApiError`` is when its code is listed; nothing else is.
        """
        if isinstance(error, HttpStatusError):
            return is_retryable_status(error.status_code)
        if isinstance(error, TransportError):
            return True  # no reply, or a garbled one: connection failures, timeouts, drops, invalid envelopes
        if isinstance(error, ApiError):
            return is_retryable_code(error.code, error.action)
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
