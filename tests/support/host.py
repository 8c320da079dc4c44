"""This machine, for tests that start processes: an environment without our variables, a free loopback port, and
one way to start a child whose output the test reads."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["environ_without", "free_port", "spawn"]


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
