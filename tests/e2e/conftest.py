"""Fixtures for tests that drive the real Pulumi CLI on a local file backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.pulumi_cli import PulumiEnv, find_pulumi, make_pulumi_env


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The directory holding the Pulumi CLI."""
    return find_pulumi()


@pytest.fixture
def pulumi_env(tmp_path: Path, pulumi_bin: Path) -> PulumiEnv:
    """A fresh Pulumi home and file backend for this test."""
    return make_pulumi_env(tmp_path, pulumi_bin)
