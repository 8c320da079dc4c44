"""The command line: --help, credentials from flags or the environment, and the units behind it."""

from __future__ import annotations

import sys

import pytest

from emulator.clock import gmt8
from emulator.server import _credentials, parse_args
from support.emulator import REPO_ROOT, run_emulator
from support.host import environ_without, spawn

pytestmark = pytest.mark.emulator


def test_help_documents_flags_and_the_admin_api():
    result = run_emulator("--help")
    assert result.returncode == 0
    for text in ("--port", "--db", "--secret-id", "--secret-key", "--region", "--host", "TENCENTCLOUD_SECRET_ID",
                 "/_emulator/reset", "/_emulator/bindings", "/_emulator/settings", "/_emulator/clock",
                 "/_emulator/faults", "/_emulator/calls", "/_emulator/certificates", "lose_reply",
                 "DeleteTaskOutcome", "loopback"):  # fmt: skip
        assert text in result.stdout, text


def test_it_refuses_to_start_without_a_key_pair():
    result = run_emulator("--port", "0", "--secret-id", "AKIDonly")
    assert result.returncode == 1 and "TENCENTCLOUD_SECRET_KEY" in result.stderr
    assert "listening" not in result.stdout


def test_a_port_in_use_is_a_clear_error():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_emulator("--port", str(port), "--secret-id", "AKIDx", "--secret-key", "k")
    assert result.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_credentials_come_from_flags_or_the_environment():
    env = {"TENCENTCLOUD_SECRET_ID": "AKIDenv", "TENCENTCLOUD_SECRET_KEY": "env-key"}
    assert _credentials(parse_args(["--port", "0"]), env) == {"AKIDenv": "env-key"}
    flags = parse_args(["--port", "0", "--secret-id", "AKIDflag", "--secret-key", "flag-key"])
    assert _credentials(flags, env) == {"AKIDflag": "flag-key"}
    with pytest.raises(SystemExit) as excinfo:
        _credentials(parse_args(["--port", "0"]), {})
    assert "--secret-id" in str(excinfo.value)


def test_times_are_gmt8():
    assert gmt8(0) == "1970-01-01 08:00:00"
    assert gmt8(1551113065) == "2019-02-26 00:44:25"
    assert gmt8(None) is None


def test_the_emulator_starts_with_environment_credentials():
    env = {"TENCENTCLOUD_SECRET_ID": "AKIDenv", "TENCENTCLOUD_SECRET_KEY": "env-key", "PYTHONUNBUFFERED": "1"}
    process = spawn(
        [sys.executable, "-m", "emulator", "--port", "0"],
        cwd=REPO_ROOT,
        env={**environ_without("TENCENTCLOUD_"), **env},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("emulator listening on http://127.0.0.1:")
        assert "env-key" not in line
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()
