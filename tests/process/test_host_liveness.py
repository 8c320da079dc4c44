"""provider.host stops when the engine that started it is gone: its gRPC address stops answering, or its parent
process (the engine) exits. Checked on the real process; the CLI version is in tests/e2e/test_engine_gone.py."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from provider_harness import start_engine, start_provider, stop_provider

from provider.host.liveness import engine_address
from support.emulator import REPO_ROOT
from support.host import environ_without

pytestmark = pytest.mark.process

SOON = 10.0  # seconds: a check every second, two misses; generous for a loaded machine


def exits_within(process: subprocess.Popen[str], seconds: float) -> bool:
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def test_the_engine_address_is_the_first_argument_that_is_not_a_flag() -> None:
    assert engine_address(["127.0.0.1:4242"]) == "127.0.0.1:4242"
    assert engine_address(["--logtostderr", "-v=9", "127.0.0.1:4242"]) == "127.0.0.1:4242"
    assert engine_address(["--logflow"]) is None and engine_address([]) is None


def test_the_host_serves_while_the_engine_answers_and_stops_when_it_is_gone() -> None:
    provider = start_provider({})
    try:
        assert provider.engine is not None
        assert not exits_within(provider.process, 3.0)  # health checks answered UNIMPLEMENTED: alive
        provider.engine.stop(0)
        started = time.monotonic()
        assert exits_within(provider.process, SOON), "the host kept running after the engine went away"
        assert provider.process.returncode == 1
        assert time.monotonic() - started < SOON
        assert "no longer answers" in provider.text(), provider.text()
    finally:
        stop_provider(provider)


def test_the_host_stops_when_its_parent_process_is_killed() -> None:
    engine = start_engine()
    try:
        # A parent that starts the host (not exec) and is then killed, as `pulumi` is by SIGKILL; the engine's
        # address still answers, so only the parent check can notice.
        parent = subprocess.Popen(
            [sys.executable, "-c",
             # The host's stderr is a pipe to the parent, as it is to the engine: it breaks with the parent.
             "import subprocess, sys; print(subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE).pid, flush=True);"
             " input()",
             sys.executable, "-u", "-m", "provider.host", f"127.0.0.1:{engine.port}"],
            cwd=REPO_ROOT, env=environ_without("TENCENTCLOUD_", "PULUMI_PARALLEL"), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert parent.stdout is not None
        host_pid = int(parent.stdout.readline())
        port = parent.stdout.readline().strip()  # the host's own port line: it is serving
        assert port.isdigit(), port
        parent.kill()
        parent.wait(10)
        parent.stdout.close()
        assert parent.stdin is not None
        parent.stdin.close()
        deadline = time.monotonic() + SOON
        while time.monotonic() < deadline and _alive(host_pid):
            time.sleep(0.1)
        assert not _alive(host_pid), "the host kept running after its parent was killed"
    finally:
        engine.server.stop(0)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
