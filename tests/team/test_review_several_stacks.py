"""`python -m provider.review` over several stacks of one project (state in S3), as a team's pull request runs it:
a glob picks the stacks, the comment says which ones the change touches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.emulator import RunningEmulator
from support.project import Project, upload_entry
from support.pulumi_cli import PulumiEnv

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(tmp_path: Path, s3_env: PulumiEnv, emu: RunningEmulator) -> Project:
    """Stacks team-prod and team-staging in one project directory, one certificate entry each, up."""
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 1})
    project = Project(tmp_path / "project", s3_env, emu, stack="team-prod")
    staging = project.dir / "Pulumi.team-staging.yaml"
    staging.write_text((project.dir / "Pulumi.team-prod.yaml").read_text(), encoding="utf-8")
    s3_env.run("stack", "init", "team-staging", cwd=project.dir)
    for name in ("www", "api"):
        project.make_cert(name, f"{name}.example.com")
    entries = "certificates:\n" + upload_entry("www", "www") + upload_entry("api", "api")
    for stack in ("team-prod", "team-staging"):
        (project.dir / "stacks" / f"{stack}.yaml").write_text(entries, encoding="utf-8")
        s3_env.run("up", "--yes", "--skip-preview", "--stack", stack, cwd=project.dir)
    return project


def test_a_glob_reviews_every_stack_and_names_the_ones_the_change_touches(project: Project) -> None:
    project.write_stack("certificates:\n" + upload_entry("www", "www"))  # team-prod only: api removed

    comment = project.review("--stack", "team-*")
    assert comment.returncode == 0, comment.stderr
    assert comment.stdout.startswith("<!-- tencent-ssl-review stacks=team-prod,team-staging -->\n")
    assert "This change touches `team-prod`." in comment.stdout
    assert "No change on `team-staging`." in comment.stdout
    assert "### Certificates on stack `team-prod`" in comment.stdout and "| `api` | **delete** |" in comment.stdout

    reviewed = project.review("--stack", "team-staging", "--stack", "team-prod", "--format", "json")
    assert reviewed.returncode == 0, reviewed.stderr
    document = json.loads(reviewed.stdout)
    assert document["stacks"] == ["team-staging", "team-prod"] and document["touched"] == ["team-prod"]
    assert [r["operation"] for r in document["reviews"][1]["rows"]] == ["delete"]

    missing = project.review("--stack", "prod-*")
    assert missing.returncode == 1
    assert "matches no stack (the stacks: team-prod, team-staging)" in missing.stderr
