"""`make demo` as a newcomer runs it: on a fresh checkout, twice, and never against an emulator it did not start.

The checkout is the repository's files as git sees them (tracked and new, nothing ignored: no .venv, no .demo, no
Pulumi.dev.yaml), so `make demo` creates its virtualenv, credentials, passphrase and stack config from scratch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from support.emulator import random_credentials, start_emulator
from support.host import environ_without, free_port
from support.pulumi_cli import REPO

pytestmark = pytest.mark.e2e


def fresh_checkout(dest: Path) -> Path:
    """The files a clone of the working tree would have (tracked and not ignored), nothing generated."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        stdout=subprocess.PIPE,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted in the working tree but still tracked is not part of it
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def make(checkout: Path, target: str, port: int, pulumi_bin: Path) -> subprocess.CompletedProcess[str]:
    env = environ_without("PULUMI_", "TENCENTCLOUD_", "DEMO_")
    env.update(DEMO_PORT=str(port), PATH=os.pathsep.join([str(pulumi_bin), os.environ.get("PATH", "")]))
    return subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=checkout,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )


def certificates(port: int) -> list[dict[str, object]]:
    reply = httpx.get(f"http://127.0.0.1:{port}/_emulator/certificates", timeout=10)
    return list(reply.json()["Certificates"])


@pytest.fixture
def checkout(tmp_path: Path, pulumi_bin: Path) -> Iterator[Path]:
    root = fresh_checkout(tmp_path / "clone")
    yield root
    make(root, "demo-down", 1, pulumi_bin)  # the port is not used to stop it


@pytest.mark.reliability(
    area="demo",
    tried="make demo twice on a fresh checkout (no venv, no .demo, no Pulumi.dev.yaml), then make demo-down",
    held="the first run creates the three certificates, the second changes nothing; no passphrase error; the stack "
    "config stays out of git; demo-down stops the emulator",
)
def test_demo_on_a_fresh_checkout_runs_twice_and_the_second_run_changes_nothing(
    checkout: Path, pulumi_bin: Path
) -> None:
    assert not (checkout / "Pulumi.dev.yaml").exists()  # nothing committed carries another machine's salt
    port = free_port()
    first = make(checkout, "demo", port, pulumi_bin)
    assert first.returncode == 0, first.stdout
    assert "incorrect passphrase" not in first.stdout
    assert "6 created" in first.stdout, first.stdout  # 3 certificates, the stack identity, retained record, stack
    certs = certificates(port)
    assert sorted(str(c["Alias"]) for c in certs) == ["api.example.com", "shop.example.com", "www.example.com"]

    second = make(checkout, "demo", port, pulumi_bin)
    assert second.returncode == 0, second.stdout
    assert "the emulator this checkout started is running" in second.stdout
    assert "6 unchanged" in second.stdout and "created" not in second.stdout.split("Resources:")[-1], second.stdout
    assert certificates(port) == certs
    # The stack config the demo wrote is not part of the checkout: git ignores it.
    ignored = subprocess.run(["git", "check-ignore", "-q", "Pulumi.dev.yaml"], cwd=REPO)
    assert ignored.returncode == 0

    down = make(checkout, "demo-down", port, pulumi_bin)
    assert "emulator stopped" in down.stdout
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/_emulator/identity", timeout=2)


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.seen.append(f"GET {self.path}")
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>not an emulator</html>")

    def do_POST(self) -> None:  # noqa: N802
        self.seen.append(f"POST {self.path}")
        self.send_response(200)
        self.end_headers()

    do_PUT = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.reliability(
    area="demo",
    tried="make demo with another HTTP server answering on its port",
    held="fails naming the port and DEMO_PORT; the server only saw the identity check",
)
def test_demo_refuses_a_port_another_program_answers_on(checkout: Path, pulumi_bin: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = make(checkout, "demo", server.server_address[1], pulumi_bin)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode != 0
    assert "is in use by a program this checkout did not start" in result.stdout, result.stdout
    assert "DEMO_PORT=" in result.stdout
    # It only asked who was there: nothing was sent to it.
    assert _Recorder.seen and all(line == "GET /_emulator/identity" for line in _Recorder.seen)


@pytest.mark.reliability(
    area="demo",
    tried="make demo with another checkout's emulator (its own instance token) on the port",
    held="fails naming the port; that emulator received no API call and holds no certificate",
)
def test_demo_never_reuses_another_checkouts_emulator(checkout: Path, pulumi_bin: Path, tmp_path: Path) -> None:
    secret_id, secret_key = random_credentials()
    other = start_emulator(
        secret_id=secret_id, secret_key=secret_key, extra_args=["--instance-id", "demo-someone-else"]
    )
    try:
        result = make(checkout, "demo", other.port, pulumi_bin)
        assert result.returncode != 0
        assert "is in use by a program this checkout did not start" in result.stdout, result.stdout
        assert other.certificates() == []
        assert [c["Action"] for c in other.calls()] == []  # not one API call reached it
        assert json.loads(httpx.get(f"{other.url}/_emulator/identity", timeout=5).text)["InstanceId"] == (
            "demo-someone-else"
        )
    finally:
        other.stop()
