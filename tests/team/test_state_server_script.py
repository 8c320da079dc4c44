"""scripts/state-server as a person runs it (`make state-server`, `make state-server-down`): the URL it prints, its
credentials, a second start, a clean stop that leaves no process and keeps the data."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from support.state_server import SCRIPT, find_weed

pytestmark = pytest.mark.e2e

URL = re.compile(
    r"^s3://pulumi-state\?endpoint=127\.0\.0\.1:(\d+)&disableSSL=true&s3ForcePathStyle=true&region=us-east-1$"
)


def script(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STATE_SERVER_DIR": str(folder), "WEED_BIN": str(find_weed())}
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_start_prints_the_backend_url_and_stop_ends_the_server(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    started = script(folder, "start")
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        match = URL.match(url)
        assert match, started.stdout  # stdout is the URL alone, progress went to stderr
        pid = int((folder / "weed.pid").read_text())
        assert Path(f"/proc/{pid}").exists()

        credentials = (folder / "credentials.env").read_text()
        assert re.search(r"^AWS_ACCESS_KEY_ID=\S+$", credentials, re.M)
        assert re.search(r"^AWS_SECRET_ACCESS_KEY=\S{30,}$", credentials, re.M)
        assert stat.S_IMODE((folder / "credentials.env").stat().st_mode) == 0o600
        secret = credentials.split("AWS_SECRET_ACCESS_KEY=", 1)[1].split()[0]
        assert secret not in started.stdout + started.stderr  # never printed

        again = script(folder, "start")  # already running: the same server and URL
        assert again.returncode == 0 and again.stdout.strip() == url and "already running" in again.stderr
        assert script(folder, "url").stdout.strip() == url
        bucket = script(folder, "bucket", "second-bucket")
        assert bucket.returncode == 0, bucket.stderr
        assert bucket.stdout.strip() == url.replace("s3://pulumi-state?", "s3://second-bucket?")
    finally:
        stopped = script(folder, "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stderr, stopped.stderr
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]
    assert (folder / "data").is_dir() and not (folder / "weed.pid").exists()

    after = script(folder, "url")
    assert after.returncode == 1 and "no state server of this folder is running" in after.stderr
    assert "no state server" in script(folder, "stop").stderr  # stopping twice is harmless
