"""``GET /_emulator/identity`` and ``--instance-id``: a script can tell the emulator it started from any other."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.app import EmulatorConfig
from emulator.identity import InstanceIdentity
from support.emulator import RunningEmulator, random_credentials, run_emulator, start_emulator

pytestmark = pytest.mark.emulator


def test_the_session_emulator_reports_its_pid_and_no_token_or_file(emu: RunningEmulator) -> None:
    assert emu.admin("GET", "/_emulator/identity") == {"Pid": emu.process.pid, "InstanceId": None, "Db": None}


def test_an_instance_id_and_the_database_file_are_echoed(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    secret_id, secret_key = random_credentials()
    db = tmp_path / "state" / "emulator.db"
    with start_emulator(db, secret_id=secret_id, secret_key=secret_key, extra_args=["--instance-id", token]) as running:
        identity = running.admin("GET", "/_emulator/identity")
        assert identity == {"Pid": running.process.pid, "InstanceId": token, "Db": str(db.resolve())}
        assert db.exists()


def test_identity_is_read_only_and_guarded(emu: RunningEmulator) -> None:
    with httpx.Client(timeout=30.0) as http:
        url = emu.url + "/_emulator/identity"
        assert http.post(url, json={}).status_code == 405
        foreign = http.get(url, headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403 and "Pid" not in foreign.text


@pytest.fixture
def relative_db_emulator(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """``python -m emulator --db rel/emu.db --instance-id TOKEN`` started in ``tmp_path`` (not the repository)."""
    token = "demo-" + secrets.token_hex(8)
    secret_id, secret_key = random_credentials()
    extra = ["--instance-id", token]
    with start_emulator(
        Path("rel/emu.db"), secret_id=secret_id, secret_key=secret_key, extra_args=extra, cwd=tmp_path
    ) as running:
        yield running.process, running.url, token


def test_python_m_emulator_reports_the_resolved_db_path_and_its_own_pid(
    tmp_path: Path, relative_db_emulator: tuple[subprocess.Popen[str], str, str]
) -> None:
    process, url, token = relative_db_emulator
    identity = httpx.get(url + "/_emulator/identity", timeout=30.0).json()
    expected_db = (tmp_path / "rel" / "emu.db").resolve()
    assert identity == {"Pid": process.pid, "InstanceId": token, "Db": str(expected_db)}
    assert Path(identity["Db"]).is_absolute() and expected_db.exists()


@pytest.mark.parametrize("bad", ["", "has space", "x" * 129, "semi;colon", "new\nline", "é"])
def test_a_bad_instance_id_is_refused_at_startup(bad: str) -> None:
    result = run_emulator("--port", "0", "--secret-id", "AKIDx", "--secret-key", "k", "--instance-id", bad)
    assert result.returncode == 2 and "--instance-id" in result.stderr and "1 to 128" in result.stderr
    assert "listening" not in result.stdout


def test_the_help_documents_the_flag_and_the_endpoint() -> None:
    result = run_emulator("--help")
    assert "--instance-id" in result.stdout and "/_emulator/identity" in result.stdout


def test_identity_values_are_checked() -> None:
    with pytest.raises(ValueError, match="absolute"):
        InstanceIdentity(1, None, Path("relative.db"))
    with pytest.raises(ValueError, match="instance id"):
        EmulatorConfig(credentials={"AKIDx": "k"}, instance_id="two words")
    assert InstanceIdentity(7, "t:1", Path("/x/y.db")).to_json() == {"Pid": 7, "InstanceId": "t:1", "Db": "/x/y.db"}
