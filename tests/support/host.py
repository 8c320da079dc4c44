"""This machine, for tests that start processes: an environment without our variables, a free loopback port."""

from __future__ import annotations

import os
import socket

__all__ = ["environ_without", "free_port"]


def environ_without(*prefixes: str) -> dict[str, str]:
    """A copy of this process's environment minus every variable whose name starts with one of ``prefixes``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def free_port() -> int:
    """A loopback port that was free a moment ago (nothing listens on it once this returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
