"""Which emulator process is answering: what ``GET /_emulator/identity`` reports.

A script that starts an emulator (``make demo``) must never drive one it did not start: another checkout's, a stale
one with other credentials, or an unrelated program on the port. It starts the emulator with a random
``--instance-id`` and, before using the port, checks that the answer carries that token and its child's pid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["INSTANCE_ID_PATTERN", "InstanceIdentity", "check_instance_id"]

# Printable, shell- and URL-safe, so a script can pass it on a command line and compare it byte for byte.
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9._~:-]{1,128}$")


def check_instance_id(value: str) -> str:
    """Return ``value`` if it is a valid instance id, else raise ``ValueError`` saying what one looks like."""
    if not INSTANCE_ID_PATTERN.match(value):
        raise ValueError("an instance id is 1 to 128 characters among A-Z a-z 0-9 . _ ~ : -")
    return value


@dataclass(frozen=True)
class InstanceIdentity:
    """The serving process's pid, the ``--instance-id`` it was given and its database file (``None``: memory)."""

    pid: int
    instance_id: str | None = None
    db_path: Path | None = None

    def __post_init__(self) -> None:
        if self.instance_id is not None:
            check_instance_id(self.instance_id)
        if self.db_path is not None and not self.db_path.is_absolute():
            raise ValueError(f"the database path must be absolute, not {self.db_path}")

    def to_json(self) -> dict[str, Any]:
        """``{"Pid", "InstanceId", "Db"}`` as the admin API returns it."""
        return {
            "Pid": self.pid,
            "InstanceId": self.instance_id,
            "Db": None if self.db_path is None else str(self.db_path),
        }
