"""Helpers of the team tests: a Pulumi home on S3 state, and ending a CLI run as a killed CI job would."""

from __future__ import annotations

from pathlib import Path

from support.host import kill_tree
from support.pulumi_cli import PulumiEnv, make_pulumi_env
from support.state_server import StateServer

__all__ = ["kill_tree", "s3_pulumi_env"]  # kill_tree: support.host's, re-exported


def s3_pulumi_env(root: Path, bin_dir: Path, server: StateServer, url: str) -> PulumiEnv:
    """A Pulumi home under ``root`` whose backend is ``url`` on ``server``, with only the server's AWS key (none of
    this machine's AWS_* settings)."""
    env = make_pulumi_env(root, bin_dir, backend_url=url)
    env.env = {k: v for k, v in env.env.items() if not k.startswith("AWS_")} | server.env()
    return env
