"""Fixtures: the provider process against the per-test emulator (``provider_process``, ``bare_provider_process``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from provider_harness import ProviderProcess, start_provider, stop_provider

from support.emulator import RunningEmulator


@pytest.fixture
def provider_process(emu: RunningEmulator) -> Iterator[ProviderProcess]:
    """The provider process with the TENCENTCLOUD_* environment pointing at the (reset) emulator."""
    running = start_provider(emu.env())
    try:
        running.configure({})
        yield running
    finally:
        stop_provider(running)


@pytest.fixture
def bare_provider_process(emu: RunningEmulator) -> Iterator[ProviderProcess]:
    """The provider process with no TENCENTCLOUD_* environment at all (config must supply everything)."""
    running = start_provider({})
    try:
        yield running
    finally:
        stop_provider(running)
