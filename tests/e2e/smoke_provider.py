"""A tiny dynamic provider for the real-engine smoke test: each resource is a file in a directory.

It lives in an importable module (pickled by reference), and every create and delete leaves a trace the test can
read: the file itself, and a line in ``events.log``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


def _log(directory: Path, line: str) -> None:
    with open(directory / "events.log", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


class MarkerFileProvider(ResourceProvider):
    """Creates ``<dir>/<name>`` on create and removes it on delete."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        directory = Path(props["dir"])
        (directory / props["name"]).write_text(props["name"], encoding="utf-8")
        _log(directory, f"create {props['name']}")
        return CreateResult(id_=props["name"], outs=dict(props))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        directory = Path(props["dir"])
        (directory / id_).unlink(missing_ok=True)
        _log(directory, f"delete {id_}")


class MarkerFile(Resource, module="smoke", name="MarkerFile"):
    """One marker file managed by :class:`MarkerFileProvider`."""

    def __init__(self, name: str, directory: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(MarkerFileProvider(), name, {"dir": directory, "name": name}, opts)


def declare(directory: str, names: list[str]) -> None:
    """The smoke program: one marker file per name."""
    for name in names:
        MarkerFile(name, directory)
    pulumi.export("names", names)
