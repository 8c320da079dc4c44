"""This machine, for tests that start processes: an environment without our variables, a free loopback port, one
way to start a child whose output the test reads, and one way to kill a CLI run with everything below it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["REPO", "descendants", "environ_without", "free_port", "installed", "kill_tree", "spawn"]

REPO = Path(__file__).resolve().parents[2]


def environ_without(*prefixes: str) -> dict[str, str]:
    """A copy of this process's environment minus every variable whose name starts with one of ``prefixes``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def free_port() -> int:
    """A loopback port that was free a moment ago (nothing listens on it once this returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], new_session: bool = False, merge_stderr: bool = True
) -> subprocess.Popen[str]:
    """Start ``args`` with stdin closed and stdout and stderr merged into one text pipe (``.stdout``); with
    ``new_session``, in a session of its own; with ``merge_stderr=False``, stderr in a text pipe of its own."""
    return subprocess.Popen(
        list(args),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from /proc (the plugins sit in process groups of their own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def kill_tree(proc: subprocess.Popen[str]) -> str:
    """SIGKILL `pulumi`, its language host and the provider at once, as a killed CI job would; the CLI's output so
    far."""
    pids = descendants(proc.pid)
    assert len(pids) >= 3, f"expected pulumi, its language host and the provider, found {pids}"
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    output, _ = proc.communicate(timeout=30)
    for pid in pids[1:]:  # reparented to init: wait until each is gone (or a zombie) before going on
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    return output


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def installed(variable: str, script: str) -> Path:
    """The path `make test` gave in ``variable``, else the last line ``scripts/<script>`` prints (it finds or builds
    the tool). Never a skip: without the tool the tests that need it fail, not vanish."""
    given = os.environ.get(variable)
    if given:
        return Path(given)
    out = subprocess.run([str(REPO / "scripts" / script)], check=True, stdout=subprocess.PIPE, text=True).stdout
    return Path(out.strip().splitlines()[-1])
