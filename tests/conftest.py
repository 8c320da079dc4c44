"""Shared fixtures: ``emulator`` (one emulator process per session) and ``emu`` (the same, reset before each test).

Put extra fixtures in a conftest.py inside your own test folder; only the emulator owner edits this file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]
# tests/emulator/ has no __init__.py; with the repo root on sys.path the real ``emulator`` package (a regular
# package) always wins over that namespace directory, however pytest is started.
if str(_ROOT) not in sys.path:
    sys.path.append(str(_ROOT))

from support.emulator import RunningEmulator, random_credentials, start_emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """One in-memory emulator for the whole session, with random credentials (``.secret_id``/``.secret_key``)."""
    secret_id, secret_key = random_credentials()
    with start_emulator(secret_id=secret_id, secret_key=secret_key) as running:
        yield running


@pytest.fixture
def emu(emulator: RunningEmulator) -> RunningEmulator:
    """The session emulator, reset (state, settings, faults, clock, call log) before the test."""
    emulator.reset()
    return emulator


#: Markers that say a test talks to the emulator (e2e and process tests drive it through the CLI or the provider).
_EMULATOR_MARKERS = {"emulator", "e2e", "process"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `-m 'not emulator'` must really leave the emulator out: a test using its fixture without a marker fails the run.
    unmarked = [
        item.nodeid
        for item in items
        if "emulator" in getattr(item, "fixturenames", ())
        and not any(item.get_closest_marker(name) for name in _EMULATOR_MARKERS)
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests using the emulator without @pytest.mark.emulator (or e2e/process): " + ", ".join(unmarked)
        )
