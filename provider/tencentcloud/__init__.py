"""A small Tencent Cloud API 3.0 client: TC3 signing, HTTP transport, errors, retries and rate limiting."""

from __future__ import annotations

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
