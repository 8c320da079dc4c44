"""Fixtures for tests that drive the real Pulumi CLI: ``pulumi_bin``, ``pulumi_env`` and ``project``.

Shared by tests/e2e and tests/reliability: each folder's conftest.py imports them by name (a ``pytest_plugins``
entry would have to sit in the root conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.emulator import RunningEmulator
from support.project import Project
from support.pulumi_cli import PulumiEnv, find_pulumi, make_pulumi_env

__all__ = ["project", "pulumi_bin", "pulumi_env"]


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The directory holding the Pulumi CLI."""
    return find_pulumi()


@pytest.fixture
def pulumi_env(tmp_path: Path, pulumi_bin: Path) -> PulumiEnv:
    """A fresh Pulumi home and file backend for this test."""
    return make_pulumi_env(tmp_path, pulumi_bin)


@pytest.fixture
def project(tmp_path: Path, pulumi_env: PulumiEnv, emu: RunningEmulator) -> Project:
    """A copy of this project on the reset emulator, deletion tasks finishing after 1 s; no certificates made yet."""
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 1})
    return Project(tmp_path / "project", pulumi_env, emu)
