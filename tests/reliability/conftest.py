"""Fixtures for the reliability suite: the real Pulumi CLI driving a copy of this project against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.emulator import RunningEmulator
from support.project import Project
from support.pulumi_cli import PulumiEnv, find_pulumi, make_pulumi_env


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
