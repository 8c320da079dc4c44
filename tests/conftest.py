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
