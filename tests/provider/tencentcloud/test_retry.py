"""The retry classification table (codes, HTTP statuses, transport errors) and the capped, jittered backoff."""

from __future__ import annotations

import pytest

from provider.tencentcloud import errors
from provider.tencentcloud.errors import ApiError
from provider.tencentcloud.retry import (
    RETRYABLE_CODES,
    RETRYABLE_STATUSES,
    RetryPolicy,
    is_retryable_code,
    is_retryable_status,
)

RETRYABLE = [
    "RequestLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    "LimitExceeded.RateLimitExceeded",
    "InternalError",
    "FailedOperation.NetworkError",
]
NOT_RETRYABLE = [
    "AuthFailure.SignatureFailure",
    "AuthFailure.SignatureExpire",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.UnauthorizedOperation",
    "AuthFailure.TokenFailure",
    "InvalidParameter",
    "InvalidParameter.MissMatchPrivateKey",
    "InvalidParameterValue",
    "MissingParameter",
    "UnknownParameter",
    "UnauthorizedOperation",
    "InvalidAction",
    "LimitExceeded",
    "FailedOperation",
    "FailedOperation.CertificateNotFound",
    "FailedOperation.BoundResources",
    "FailedOperation.DeleteResourceFailed",
    "FailedOperation.CannotBeDeletedWithinHour",
    "ResourceNotFound",
    "RequestLimitExceededX",
    "InternalError.BackendResponseEmpty",
]


@pytest.mark.parametrize("code", RETRYABLE)
def test_retryable_codes(code: str) -> None:
    assert is_retryable_code(code)
    assert RetryPolicy().is_retryable(ApiError("A", code, "m"))


@pytest.mark.parametrize("code", NOT_RETRYABLE)
def test_never_retried_codes(code: str) -> None:
    assert not is_retryable_code(code)
    assert not RetryPolicy().is_retryable(ApiError("A", code, "m"))
    assert RetryPolicy().backoff(ApiError("A", code, "m"), attempt=1, elapsed=0.0) is None


def test_table_is_exactly_the_contract() -> None:
    assert RETRYABLE_CODES == {
        "RequestLimitExceeded",
        "LimitExceeded.RateLimitExceeded",
        "InternalError",
        "FailedOperation.NetworkError",
    }


@pytest.mark.parametrize(
    "error",
    [
        errors.TransportError("x"),
        errors.ConnectError("x"),
        errors.ConnectTimeout("x"),
        errors.ReadTimeout("x"),
        errors.RequestTimeout("x"),
        errors.ConnectionLost("x"),
        errors.InvalidResponse("x"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transport_errors_without_a_status_are_retryable(error: errors.TransportError) -> None:
    assert RetryPolicy().is_retryable(error)
    assert RetryPolicy(rng=lambda: 1.0).backoff(error, attempt=1, elapsed=0.0) == 0.5


def test_status_table_is_exactly_the_gateway_and_server_faults() -> None:
    assert RETRYABLE_STATUSES == {500, 502, 503, 504}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_gateway_and_server_faults_are_retryable(status: int) -> None:
    assert is_retryable_status(status)
    assert RetryPolicy().is_retryable(errors.HttpStatusError(status))


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 405, 408, 413, 429, 501, 505])
def test_other_statuses_are_never_retried(status: int) -> None:
    # Tencent answers API errors with HTTP 200: a 4xx comes from a proxy or a wrong endpoint and would repeat.
    assert not is_retryable_status(status)
    assert not RetryPolicy().is_retryable(errors.HttpStatusError(status))
    assert RetryPolicy().backoff(errors.HttpStatusError(status), attempt=1, elapsed=0.0) is None


def test_other_exceptions_are_not_retryable() -> None:
    assert not RetryPolicy().is_retryable(ValueError("programming error"))


def test_delay_is_exponential_and_capped_at_the_top_of_the_jitter() -> None:
    policy = RetryPolicy(base=0.5, cap=10.0, rng=lambda: 1.0)
    assert [policy.delay(n) for n in range(1, 9)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert policy.delay(10_000) == 10.0


def test_full_jitter_scales_the_whole_interval() -> None:
    assert RetryPolicy(base=0.5, rng=lambda: 0.0).delay(5) == 0.0
    assert RetryPolicy(base=0.5, rng=lambda: 0.25).delay(3) == 0.5


def test_backoff_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, rng=lambda: 1.0)
    error = ApiError("A", "InternalError", "m")
    assert policy.backoff(error, attempt=1, elapsed=0.0) == 0.5
    assert policy.backoff(error, attempt=2, elapsed=0.0) == 1.0
    assert policy.backoff(error, attempt=3, elapsed=0.0) is None


def test_backoff_gives_up_when_the_wait_would_cross_the_deadline() -> None:
    policy = RetryPolicy(deadline=10.0, rng=lambda: 1.0)
    error = errors.ConnectionLost("x")
    assert policy.backoff(error, attempt=2, elapsed=8.9) == 1.0
    assert policy.backoff(error, attempt=2, elapsed=9.0) is None
