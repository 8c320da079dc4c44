"""Fixtures for the team tests: the real Pulumi CLI with its state in a real S3-compatible store (SeaweedFS).

``state_server``: one SeaweedFS server for the session, started and stopped through scripts/state-server (built by
scripts/install-seaweedfs when missing: never skipped). ``s3_env``: a Pulumi home whose backend is a fresh bucket
of that server. ``project``: the usual copy of this project (``support.project``) on that backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from team_runs import s3_pulumi_env

from support.cli_fixtures import pulumi_bin  # noqa: F401 - a fixture, found by name
from support.emulator import RunningEmulator
from support.project import Project
from support.pulumi_cli import PulumiEnv
from support.state_server import StateServer, find_weed, running_state_server


@pytest.fixture(scope="session")
def state_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StateServer]:
    with running_state_server(tmp_path_factory.mktemp("state-server"), find_weed()) as server:
        yield server


@pytest.fixture
def s3_env(tmp_path: Path, pulumi_bin: Path, state_server: StateServer) -> PulumiEnv:  # noqa: F811
    """A fresh Pulumi home whose backend is a new, empty bucket of the session's state server."""
    return s3_pulumi_env(tmp_path, pulumi_bin, state_server, state_server.new_bucket())


@pytest.fixture
def project(tmp_path: Path, s3_env: PulumiEnv, emu: RunningEmulator) -> Project:
    """A copy of this project on the reset emulator, its state in S3; deletion tasks finishing after 1 s."""
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 1})
    return Project(tmp_path / "project", s3_env, emu)
