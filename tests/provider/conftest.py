"""Fixtures: ``CertificateProvider`` against the (reset) emulator over real HTTP, with a fake clock (``fake_time``)
that also moves the emulator's clock, and its progress lines collected in ``lines``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provider.certificate import CertificateProvider
from provider.ssl import SslService
from provider.tencentcloud import Client, ClientSettings, Credentials
from support.emulator import RunningEmulator
from support.provider_calls import FakeTime


@pytest.fixture
def fake_time(emu: RunningEmulator) -> Iterator[FakeTime]:
    # Signatures keep using real time while the emulator clock jumps ahead. Minutes of polling run in milliseconds
    # of real time here, faster than any real client could, so the emulator's per-second rate limit is off (it is
    # exercised by tests/client_http and the reliability load tests).
    emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real", "RateLimit": False})
    fake = FakeTime(emu)
    yield fake
    fake.close()


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[Client]:
    settings = ClientSettings(endpoint=emu.url, rate_per_action=None)
    # The client's own backoff must not wait on real time either.
    with Client(Credentials(emu.secret_id, emu.secret_key), settings, sleep=lambda _s: None) as api:
        yield api


@pytest.fixture
def ssl(client: Client) -> SslService:
    return SslService(client)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def provider(ssl: SslService, fake_time: FakeTime, lines: list[str]) -> CertificateProvider:
    timing = fake_time.timing()
    return CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)
