"""Fixtures for tests that drive the real Pulumi CLI on a local file backend (``support.cli_fixtures``)."""

from __future__ import annotations

from support.cli_fixtures import project, pulumi_bin, pulumi_env  # noqa: F401 - fixtures, found by name
