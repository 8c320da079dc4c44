"""The CI examples under examples/ci/ run: the commands their review and `up` steps hold, read from the files.

The commands are taken from the YAML as CI would take them (GitHub's ``run`` under ``bash -eo pipefail``, GitLab's
``script`` lines under ``bash -e``) and run in a project on the emulator, through the real CLI. Posting the comment
needs GitHub's or GitLab's API and is not run here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.project import STACK, Project, upload_entry
from support.pulumi_cli import REPO

pytestmark = [pytest.mark.e2e]

EXAMPLES = REPO / "examples" / "ci"


def github_step(name: str) -> str:
    """The ``run`` script of the step called ``name`` in the GitHub Actions example."""
    workflow: dict[str, Any] = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("name") == name]
    script: str = step["run"]
    return script


def gitlab_script(job: str) -> str:
    """The ``script`` lines of ``job`` in the GitLab CI example, one command a line."""
    pipeline: dict[str, Any] = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    return "\n".join(pipeline[job]["script"]) + "\n"


def run(project: Project, shell: list[str], script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*shell, script],
        cwd=project.dir,
        env={**project.pulumi.env, "STACK": STACK, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def github(project: Project, step: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run(project, ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"], github_step(step), **env)


def gitlab(project: Project, job: str) -> subprocess.CompletedProcess[str]:
    return run(project, ["bash", "-e", "-c"], gitlab_script(job))


def test_the_examples_review_a_refused_removal_then_up_deletes_once_unbound(project: Project, tmp_path: Path) -> None:
    project.make_cert("www", "www.example.com")
    project.make_cert("api", "api.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www") + upload_entry("api", "api"))
    project.up()
    api_id = project.outputs()["api"]["id"]
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": api_id, "ResourceType": "clb", "ResourceId": "lb-1"}
    )
    project.write_stack("certificates:\n" + upload_entry("www", "www"))

    outputs = tmp_path / "github-output"
    outputs.touch()
    reviewed = github(project, "Review", GITHUB_OUTPUT=str(outputs))
    assert reviewed.returncode == 0, reviewed.stderr  # the step passes; a later step blocks on status 2
    assert outputs.read_text(encoding="utf-8") == "status=2\n"
    comment = (project.dir / "review.md").read_text(encoding="utf-8")
    assert comment.startswith(f"<!-- tencent-ssl-review stack={STACK} -->\n") and "lb-1" in comment
    blocked = github(project, "Block when up would be refused")
    assert blocked.returncode == 2

    (project.dir / "review.md").unlink()
    reviewed = gitlab(project, "review")
    assert reviewed.returncode == 2, reviewed.stderr
    assert (project.dir / "review.status").read_text(encoding="utf-8") == "2\n"
    assert (project.dir / "review.md").read_text(encoding="utf-8") == comment

    project.emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": api_id})
    assert gitlab(project, "review").returncode == 0

    deployed = github(project, "Up")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert api_id not in project.certificates()
    assert gitlab(project, "up").returncode == 0  # nothing left to do: the same command succeeds again
