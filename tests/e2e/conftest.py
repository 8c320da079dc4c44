"""Fixtures for tests that drive the real Pulumi CLI on a local file backend."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pulumi import automation as auto

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The directory holding the Pulumi CLI: from `make test` (PULUMI_BIN_DIR) or found/built right now."""
    given = os.environ.get("PULUMI_BIN_DIR")
    if given:
        return Path(given)
    # Never skip: without a CLI the end-to-end tests must fail, not vanish.
    out = subprocess.run(
        [str(REPO / "scripts" / "install-pulumi")], check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    return Path(out.strip().splitlines()[-1])


@dataclass
class PulumiEnv:
    """An isolated Pulumi home and file backend, and the environment that points the CLI at them."""

    root: Path
    bin_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def command(self) -> auto.PulumiCommand:
        """The CLI for the Automation API (it expects ``<root>/bin/pulumi``)."""
        return auto.PulumiCommand(root=str(self.bin_dir.parent))

    def run(self, *args: str, cwd: Path, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run the real `pulumi` CLI; on an unexpected failure the message carries its output."""
        proc = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}")
        return proc


@pytest.fixture
def pulumi_env(tmp_path: Path, pulumi_bin: Path) -> Iterator[PulumiEnv]:
    """A fresh backend per test, update checks and plugin downloads off, the project's venv for Python."""
    backend = tmp_path / "backend"
    home = tmp_path / "pulumi-home"
    backend.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "TENCENTCLOUD_"))}
    env.update(
        {
            "PATH": f"{pulumi_bin}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(16),
            "PULUMI_HOME": str(home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PYTHONPATH": str(REPO),
        }
    )
    yield PulumiEnv(root=tmp_path, bin_dir=pulumi_bin, env=env)
