"""Helpers of the team tests: a Pulumi home on S3 state, and ending a CLI run as a killed CI job would."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from support.pulumi_cli import PulumiEnv, make_pulumi_env
from support.state_server import StateServer

__all__ = ["kill_tree", "s3_pulumi_env"]


def s3_pulumi_env(root: Path, bin_dir: Path, server: StateServer, url: str) -> PulumiEnv:
    """A Pulumi home under ``root`` whose backend is ``url`` on ``server``, with only the server's AWS key (none of
    this machine's AWS_* settings)."""
    env = make_pulumi_env(root, bin_dir, backend_url=url)
    env.env = {k: v for k, v in env.env.items() if not k.startswith("AWS_")} | server.env()
    return env


def kill_tree(proc: subprocess.Popen[str]) -> str:
    """SIGKILL a CLI started in a session of its own (``new_session=True``) and everything below it, as the end of a
    CI job would; the CLI's output so far. The plugins sit in process groups of their own, so they are found by
    parent in /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [proc.pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    assert len(pids) >= 3, f"expected pulumi, its language host and the provider, found {pids}"
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    output, _ = proc.communicate(timeout=30)
    for pid in pids[1:]:  # reparented to init: wait until each is gone or a zombie
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            except OSError:
                break
            time.sleep(0.05)
    return output
