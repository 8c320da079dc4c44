"""A small Tencent Cloud API 3.0 client: TC3 signing, HTTP transport, errors, retries and rate limiting.

The names below load on first use (PEP 562), so importing one submodule, such as ``signer`` in the emulator,
does not pull in the client and httpx with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Client
    from .config import ClientSettings
    from .credentials import Credentials
    from .errors import (
        ApiError,
        ConnectError,
        ConnectionLost,
        ConnectTimeout,
        HttpStatusError,
        InvalidResponse,
        ReadTimeout,
        RequestTimeout,
        TencentCloudError,
        TransportError,
    )
    from .ratelimit import RateLimiter, TokenBucket
    from .retry import RETRYABLE_CODES, RetryPolicy, is_retryable_code

__all__ = [
    "RETRYABLE_CODES",
    "ApiError",
    "Client",
    "ClientSettings",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionLost",
    "Credentials",
    "HttpStatusError",
    "InvalidResponse",
    "RateLimiter",
    "ReadTimeout",
    "RequestTimeout",
    "RetryPolicy",
    "TencentCloudError",
    "TokenBucket",
    "TransportError",
    "is_retryable_code",
]

# Which submodule defines each exported name.
_SOURCES: dict[str, str] = {
    "Client": "client",
    "ClientSettings": "config",
    "Credentials": "credentials",
    "ApiError": "errors",
    "ConnectError": "errors",
    "ConnectTimeout": "errors",
    "ConnectionLost": "errors",
    "HttpStatusError": "errors",
    "InvalidResponse": "errors",
    "ReadTimeout": "errors",
    "RequestTimeout": "errors",
    "TencentCloudError": "errors",
    "TransportError": "errors",
    "RateLimiter": "ratelimit",
    "TokenBucket": "ratelimit",
    "RETRYABLE_CODES": "retry",
    "RetryPolicy": "retry",
    "is_retryable_code": "retry",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{source}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
