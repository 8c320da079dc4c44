"""Tencent's per-action frequency limit: LimitExceeded.RateLimitExceeded, per SecretId and action."""

from __future__ import annotations

import pytest

from emulator.ratelimit import RateLimiter

pytestmark = pytest.mark.emulator


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ten_per_second_per_action_and_secret_id():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    assert all(limiter.allow("AKID1", "DescribeCertificates", 10) for _ in range(10))
    assert not limiter.allow("AKID1", "DescribeCertificates", 10)
    assert limiter.allow("AKID1", "UploadCertificate", 10)  # another action has its own bucket
    assert limiter.allow("AKID2", "DescribeCertificates", 10)  # another SecretId too
    clock.now += 0.1
    assert limiter.allow("AKID1", "DescribeCertificates", 10)
    assert not limiter.allow("AKID1", "DescribeCertificates", 10)
    clock.now += 5
    assert sum(limiter.allow("AKID1", "DescribeCertificates", 10) for _ in range(20)) == 10


def test_a_client_pacing_at_ten_per_second_is_never_refused():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    for _ in range(100):
        assert limiter.allow("AKID", "DeleteCertificate", 10)
        clock.now += 0.1


def test_a_rate_below_one_still_allows_a_first_request():
    clock = FakeClock()
    limiter = RateLimiter(clock)
    assert limiter.allow("AKID", "X", 0.01)
    assert not limiter.allow("AKID", "X", 0.01)
    clock.now += 100
    assert limiter.allow("AKID", "X", 0.01)


def test_over_http(api, emu):
    # One token per 100 s: deterministic whatever the machine's speed.
    emu.admin("PUT", "/_emulator/settings", {"RateLimitPerSecond": 0.01})
    api.ok("DescribeCertificates", {})
    error = api.error("DescribeCertificates", {})
    assert error["Code"] == "LimitExceeded.RateLimitExceeded" and "DescribeCertificates" in error["Message"]
    api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": ["t1"]})
    assert emu.calls()[1]["ErrorCode"] == "LimitExceeded.RateLimitExceeded"
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
    for _ in range(3):
        api.ok("DescribeCertificates", {})
