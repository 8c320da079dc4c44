"""Fixtures: ``make_client`` builds our ``Client`` pointed at the session emulator; backoff waits are recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from provider.tencentcloud import Client, ClientSettings, Credentials
from support.emulator import RunningEmulator


class RecordedSleep:
    """Stands in for ``time.sleep``: records each wait and returns at once, so backoff costs no test time."""

    def __init__(self) -> None:
        # Threads share it; list.append is atomic, so no lock is needed.
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def recorded_sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def make_client(emu: RunningEmulator, recorded_sleep: RecordedSleep) -> Iterator[Callable[..., Client]]:
    """``make_client(secret_key=..., sleep=..., **ClientSettings options)``; closed after the test.

    The client-side rate limiter is off unless ``rate_per_action`` is given, so the recorded waits are backoff only.
    """
    clients: list[Client] = []

    def make(*, secret_key: str | None = None, sleep: Callable[[float], None] | None = None, **options: Any) -> Client:
        options.setdefault("rate_per_action", None)
        credentials = Credentials(emu.secret_id, secret_key if secret_key is not None else emu.secret_key)
        client = Client(
            credentials,
            ClientSettings(endpoint=emu.url, **options),
            sleep=sleep if sleep is not None else recorded_sleep,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
