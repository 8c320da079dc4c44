"""The token bucket with a fake clock: spacing, refill, burst, per-action buckets, thread safety. No real sleeping."""

from __future__ import annotations

import threading

import pytest

from provider.tencentcloud.ratelimit import RateLimiter, TokenBucket
from support.threads import run_together


class FakeClock:
    """A clock that only moves when told to (or when ``sleep`` is called with ``advance=True``)."""

    def __init__(self, advance: bool = True) -> None:
        self.now = 1000.0
        self.advance = advance
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            if self.advance:
                self.now += seconds


def test_calls_are_spaced_one_over_rate() -> None:
    clock = FakeClock(advance=False)
    bucket = TokenBucket(10.0, clock=clock.time, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.3, 0.4])


def test_bucket_refills_with_time_up_to_the_burst() -> None:
    clock = FakeClock(advance=False)
    bucket = TokenBucket(10.0, burst=3, clock=clock.time, sleep=clock.sleep)
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.1)
    clock.now += 60.0  # a long idle period refills only up to the burst
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.1)


def test_no_one_second_window_holds_more_than_rate_calls() -> None:
    clock = FakeClock(advance=True)
    bucket = TokenBucket(10.0, clock=clock.time, sleep=clock.sleep)
    starts = []
    for _ in range(50):
        bucket.acquire()
        starts.append(clock.now)
    for first in starts:
        assert sum(1 for t in starts if first <= t < first + 1.0 - 1e-9) <= 10


def test_limiter_keeps_one_bucket_per_action() -> None:
    clock = FakeClock(advance=False)
    limiter = RateLimiter(10.0, clock=clock.time, sleep=clock.sleep)
    assert limiter.acquire("ssl.DescribeCertificates") == 0.0
    assert limiter.acquire("ssl.DeleteCertificate") == 0.0
    assert limiter.acquire("ssl.DescribeCertificates") == pytest.approx(0.1)
    assert limiter.bucket("ssl.DeleteCertificate") is limiter.bucket("ssl.DeleteCertificate")


def test_thread_safety_every_reservation_is_a_distinct_slot() -> None:
    # The clock never moves, so N acquisitions must reserve exactly the slots 0, 0.1, ..., (N-1)/10: a lost
    # update under contention would hand two threads the same slot.
    clock = FakeClock(advance=False)
    limiter = RateLimiter(10.0, clock=clock.time, sleep=clock.sleep)
    threads, per_thread = 8, 50
    waits: list[float] = []
    waits_lock = threading.Lock()

    def worker() -> None:
        mine = [limiter.acquire("ssl.DescribeCertificates") for _ in range(per_thread)]
        with waits_lock:
            waits.extend(mine)

    assert run_together([worker] * threads) == []
    slots = sorted(round(w * 10) for w in waits)
    assert slots == list(range(threads * per_thread))


def test_thread_safety_of_bucket_creation() -> None:
    clock = FakeClock(advance=False)
    limiter = RateLimiter(10.0, clock=clock.time, sleep=clock.sleep)
    seen: list[TokenBucket] = []

    def worker() -> None:
        seen.append(limiter.bucket("ssl.UploadCertificate"))

    assert run_together([worker] * 16) == []
    assert len({id(bucket) for bucket in seen}) == 1


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (10, 0.5)])
def test_invalid_parameters(rate: float, burst: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)
    with pytest.raises(ValueError):  # at construction, not at the first call
        RateLimiter(rate, burst)


def test_limiter_buckets_share_its_arguments() -> None:
    clock = FakeClock(advance=False)
    limiter = RateLimiter(4.0, burst=2, clock=clock.time, sleep=clock.sleep)
    assert [limiter.acquire("ssl.A") for _ in range(3)] == [0.0, 0.0, 0.25]
    assert clock.sleeps == [0.25]
    bucket = limiter.bucket("ssl.B")
    assert (bucket.rate, bucket.burst) == (4.0, 2)
