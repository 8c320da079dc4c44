"""A real S3-compatible store for Pulumi state in tests: SeaweedFS started and stopped through scripts/state-server.

The tests go through the same script as a person running the demo (``make state-server``), so the script is tested
too. Its folder holds the credentials (``credentials.env``) and the ports; the filer's HTTP API (loopback, no
authentication) lets tests look at the objects Pulumi wrote, such as a stack's lock, without an S3 client.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from support.host import installed
from support.pulumi_cli import REPO

__all__ = ["SCRIPT", "StateServer", "find_weed", "running_state_server"]

SCRIPT = REPO / "scripts" / "state-server"


def find_weed() -> Path:
    """The weed binary: from `make test` (WEED_BIN) or found/built by scripts/install-seaweedfs (never skipped)."""
    return installed("WEED_BIN", "install-seaweedfs")


def _script(folder: Path, weed: Path, *args: str) -> str:
    """Run scripts/state-server on ``folder``; its last stdout line (if any), or an AssertionError with what it
    said."""
    env = {**os.environ, "STATE_SERVER_DIR": str(folder), "WEED_BIN": str(weed)}
    proc = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        log = folder / "weed.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise AssertionError(f"scripts/state-server {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}\n{tail}")
    lines = proc.stdout.strip().splitlines()
    return lines[-1] if lines else ""


@dataclass
class StateServer:
    """A running state server: its folder, first bucket's backend URL and the S3 credentials it generated."""

    folder: Path
    weed: Path
    url: str
    credentials: dict[str, str] = field(repr=False)

    def env(self) -> dict[str, str]:
        """``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``, as Pulumi's S3 backend reads them."""
        return dict(self.credentials)

    def new_bucket(self, prefix: str = "state") -> str:
        """A fresh, empty bucket (made through the script); its backend URL."""
        return _script(self.folder, self.weed, "bucket", f"{prefix}-{secrets.token_hex(4)}")

    def objects(self, url: str, under: str = ".pulumi") -> list[str]:
        """The keys under ``under`` in the bucket of backend URL ``url``, recursively, read through the filer."""
        bucket = url.removeprefix("s3://").split("?", 1)[0]
        port = self._port("filer")
        found: list[str] = []
        todo = [f"/buckets/{bucket}/{under.strip('/')}/"]
        with httpx.Client(timeout=30) as http:
            while todo:
                path = todo.pop()
                reply = http.get(f"http://127.0.0.1:{port}{path}", headers={"Accept": "application/json"})
                if reply.status_code == 404:
                    continue
                reply.raise_for_status()
                for entry in reply.json().get("Entries") or []:
                    full = entry["FullPath"]
                    if entry.get("Mode", 0) & 0o20000000000:  # os.ModeDir in Go's FileMode
                        todo.append(full + "/")
                    else:
                        found.append(full.removeprefix(f"/buckets/{bucket}/"))
        return sorted(found)

    def _port(self, name: str) -> int:
        for line in (self.folder / "ports").read_text().splitlines():
            key, _, value = line.partition("=")
            if key == name:
                return int(value)
        raise AssertionError(f"no {name} port in {self.folder / 'ports'}")


@contextmanager
def running_state_server(folder: Path, weed: Path) -> Iterator[StateServer]:
    """Start the state server in ``folder`` (scripts/state-server start); stop it (scripts/state-server stop)."""
    url = _script(folder, weed, "start")
    try:
        credentials = dict(
            line.split("=", 1) for line in (folder / "credentials.env").read_text().splitlines() if "=" in line
        )
        yield StateServer(folder=folder, weed=weed, url=url, credentials=credentials)
    finally:
        _script(folder, weed, "stop")
