"""Drive the real Pulumi CLI in tests: an isolated home and file backend per test, and a runner with clear failures."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pulumi import automation as auto

from support.host import REPO, environ_without, installed, spawn

__all__ = ["REPO", "PulumiEnv", "find_pulumi", "make_pulumi_env", "wait_until"]



def find_pulumi() -> Path:
    """The directory holding the CLI: from `make test` (PULUMI_BIN_DIR) or found/built by scripts/install-pulumi."""
    return installed("PULUMI_BIN_DIR", "install-pulumi")


@dataclass
class PulumiEnv:
    """An isolated Pulumi home and file backend, and the environment that points the CLI at them."""

    root: Path
    bin_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def command(self) -> auto.PulumiCommand:
        """The CLI for the Automation API (it expects ``<root>/bin/pulumi``)."""
        return auto.PulumiCommand(root=str(self.bin_dir.parent))

    def run(
        self, *args: str, cwd: Path, check: bool = True, timeout: float = 600, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the real `pulumi` CLI (``input`` on its stdin); an unexpected failure raises with its whole output."""
        proc = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=cwd,
            env=self.env,
            input=input,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}")
        return proc

    def start(self, *args: str, cwd: Path, new_session: bool = False) -> subprocess.Popen[str]:
        """The real `pulumi` CLI in the background, its output on ``stdout``; with ``new_session``, in a session of
        its own."""
        return spawn(["pulumi", *args, "--non-interactive"], cwd=cwd, env=self.env, new_session=new_session)


def make_pulumi_env(root: Path, bin_dir: Path, backend_url: str | None = None) -> PulumiEnv:
    """A fresh home under ``root`` and a file backend there, or the backend at ``backend_url`` (an ``s3://`` URL:
    set its credentials in ``env``); update checks and plugin downloads off; this venv's Python."""
    backend, home = root / "backend", root / "pulumi-home"
    backend.mkdir()
    home.mkdir()
    env = environ_without("PULUMI_", "TENCENTCLOUD_")
    env.update(
        {
            "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            "PULUMI_BACKEND_URL": backend_url or backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(16),
            "PULUMI_HOME": str(home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            # The repo root for `provider`, tests/ for the test-only provider modules (e2e.smoke_provider).
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")]),
        }
    )
    return PulumiEnv(root=root, bin_dir=bin_dir, env=env)


def wait_until(
    what: str, condition: Callable[[], bool], proc: subprocess.Popen[str] | None = None, limit: float = 120
) -> None:
    """Poll ``condition`` (an event, not a duration) every 50 ms; fail if ``proc`` (the CLI) ends first or after
    ``limit`` seconds, killing ``proc``."""
    deadline = time.monotonic() + limit
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the CLI exited {proc.returncode} before {what}:\n{proc.communicate()[0]}")
        if time.monotonic() > deadline:
            if proc is not None:
                proc.kill()
                proc.communicate()
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)
