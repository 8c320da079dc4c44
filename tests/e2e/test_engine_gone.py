"""`pulumi` killed with SIGKILL (a cancelled CI job) while `up` waits on a deletion task: the project's provider host
and its language host notice that the engine is gone and stop within seconds; no API call follows.

Only the `pulumi` process is killed: the plugins sit in process groups of their own, so nothing else reaches them.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from support.host import descendants
from support.project import Project
from support.pulumi_cli import wait_until

pytestmark = pytest.mark.e2e

NEVER = 3600  # emulator seconds the deletion task runs: `up` polls it until killed
SOON = 10.0  # seconds the hosts may take: a check every second, generous for a loaded machine
QUIET = 5.0  # seconds after that in which no API call may arrive (the provider polls a task every few seconds)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.reliability(
    area="crash",
    tried="`pulumi` alone killed with SIGKILL while `up` polls a deletion task (the plugins, in process groups of "
    "their own, are not signalled)",
    held="the provider host, the language host and the program exit within seconds; no API call reaches the "
    "emulator after that",
)
def test_the_hosts_stop_when_pulumi_is_killed(project: Project) -> None:
    project.write_www_stack()
    project.up()
    emu = project.emu
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": NEVER, "SignatureClock": "real"})
    project.write_stack("certificates: {}\n")

    up = project.start("up", "--yes", "--skip-preview")
    wait_until(
        "the deletion task is polled",
        lambda: any(c["Action"] == "DescribeDeleteCertificatesTaskResult" for c in emu.calls()),
        up,
    )
    below = {pid: _cmdline(pid) for pid in descendants(up.pid)[1:]}
    providers = [pid for pid, cmd in below.items() if "provider.host" in cmd]
    language = [pid for pid, cmd in below.items() if "pulumi-language-python " in cmd + " "]
    programs = [pid for pid, cmd in below.items() if "pulumi-language-python-exec" in cmd]
    assert providers and language, below

    os.kill(up.pid, signal.SIGKILL)
    up.communicate(timeout=30)
    deadline = time.monotonic() + SOON
    watched = providers + language + programs
    while time.monotonic() < deadline and any(_alive(pid) for pid in watched):
        time.sleep(0.1)
    still = {pid: below[pid] for pid in watched if _alive(pid)}
    assert not still, f"still running {SOON:g} s after pulumi was killed: {still}"

    last = max(c["Seq"] for c in emu.calls())
    time.sleep(QUIET)
    after = [(c["Seq"], c["Action"]) for c in emu.calls() if c["Seq"] > last]
    assert after == [], after
