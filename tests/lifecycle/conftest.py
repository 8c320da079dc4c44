"""Fixtures of the lifecycle state machines: the CLI tier's ``project`` (the real Pulumi CLI on the emulator)."""

from __future__ import annotations

from support.cli_fixtures import project, pulumi_bin, pulumi_env  # noqa: F401 - fixtures, found by name
