"""The CI examples under examples/ci/ run: the commands their review, policy, plan and `up` steps hold, read from the
files, with the variables the examples set for those jobs (PULUMI_PARALLEL, PULUMI_EXPERIMENTAL).

The commands are taken from the YAML as CI would take them (GitHub's ``run`` under ``bash -eo pipefail``, GitLab's
``script`` lines under ``bash -e``) and run in a project on the emulator, through the real CLI. Posting the comment
needs GitHub's or GitLab's API and is not run here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.project import STACK, Project, upload_entry
from support.pulumi_cli import REPO

pytestmark = [pytest.mark.e2e]

EXAMPLES = REPO / "examples" / "ci"


def _github_step(name: str, example: str) -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    (step,) = [s for job in workflow["jobs"].values() for s in job["steps"] if s.get("name") == name]
    return dict(step)


def github_step(name: str, example: str = "github-actions.yml") -> str:
    """The ``run`` script of the step called ``name`` in a GitHub Actions example (whichever job holds it)."""
    script: str = _github_step(name, example)["run"]
    return script


def github_step_env(name: str, example: str = "github-actions.yml") -> dict[str, str]:
    """The variables the step called ``name`` sets itself, but the ones GitHub fills in."""
    env: dict[str, Any] = _github_step(name, example).get("env", {})
    return {k: str(v) for k, v in env.items() if "${{" not in str(v)}


def gitlab_script(job: str, example: str = "gitlab-ci.yml") -> str:
    """The ``script`` lines of ``job`` in a GitLab CI example, one command a line."""
    pipeline: dict[str, Any] = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    return "\n".join(pipeline[job]["script"]) + "\n"


def job_env(example: str, job: str | None = None) -> dict[str, str]:
    """The variables an example sets for all jobs and for ``job`` (GitHub ``env``, GitLab ``variables``), but the
    ones CI fills from its secrets and the stack name (the test sets those)."""
    doc: dict[str, Any] = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    jobs = doc.get("jobs", doc)
    found = {**doc.get("env", {}), **doc.get("variables", {})}
    if job is not None:
        found.update({**jobs[job].get("env", {}), **jobs[job].get("variables", {})})
    return {k: str(v) for k, v in found.items() if "${{" not in str(v) and k not in ("STACK", "PULUMI_VERSION")}


def with_policy_pack(project: Project, config: dict[str, Any] | None = None) -> None:
    """The checkout the examples run in: the policy pack under policy/ with ``config`` as policy/config/<stack>.json
    (default: the repository's dev.json), and the virtualenv as .venv, where the pack's PulumiPolicy.yaml finds it."""
    shutil.copytree(REPO / "policy", project.dir / "policy", ignore=shutil.ignore_patterns("__pycache__"))
    (project.dir / ".venv").symlink_to(Path(sys.prefix))
    if config is None:
        config = json.loads((REPO / "policy" / "config" / "dev.json").read_text(encoding="utf-8"))
    (project.dir / "policy" / "config" / f"{STACK}.json").write_text(json.dumps(config), encoding="utf-8")


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


def github(
    project: Project, step: str, example: str = "github-actions.yml", job: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    script = github_step(step, example)
    variables = {**job_env(example, job), **github_step_env(step, example), **env}
    return run(project, ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"], script, **variables)


def gitlab(project: Project, job: str, example: str = "gitlab-ci.yml") -> subprocess.CompletedProcess[str]:
    return run(project, ["bash", "-e", "-c"], gitlab_script(job, example), **job_env(example, job))


def test_the_examples_review_a_refused_removal_then_up_deletes_once_unbound(project: Project, tmp_path: Path) -> None:
    with_policy_pack(project)
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

    deployed = github(project, "Up", job="certificates")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert api_id not in project.certificates()
    assert gitlab(project, "up").returncode == 0  # nothing left to do: the same command succeeds again


def test_the_examples_run_the_policy_pack_on_review_and_on_up(project: Project, tmp_path: Path) -> None:
    with_policy_pack(project, {"checked-deletions": "mandatory", "allowed-domains": {"suffixes": ["example.com"]}})
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    outputs = tmp_path / "github-output"
    outputs.touch()

    assert github(project, "Review", GITHUB_OUTPUT=str(outputs)).returncode == 0
    assert outputs.read_text(encoding="utf-8") == "status=0\n"
    assert "Policies" not in (project.dir / "review.md").read_text(encoding="utf-8")
    assert gitlab(project, "review").returncode == 0

    project.make_cert("other", "www.example.org")
    project.write_stack(
        "certificates:\n" + upload_entry("www", "www", "check_resources: false\n") + upload_entry("other", "o")
    )
    assert github(project, "Review", GITHUB_OUTPUT=str(outputs)).returncode == 0
    assert outputs.read_text(encoding="utf-8") == "status=0\nstatus=2\n"
    assert github(project, "Block when up would be refused").returncode == 2
    reviewed = gitlab(project, "review")
    assert reviewed.returncode == 2, reviewed.stderr
    comment = (project.dir / "review.md").read_text(encoding="utf-8")
    assert "- `www`: **mandatory** `checked-deletions`: www: check\\_resources: false" in comment, comment
    assert "- `other`: **mandatory** `allowed-domains`: other: www.example.org not under" in comment, comment

    for proc in (github(project, "Up", job="certificates"), gitlab(project, "up")):
        assert proc.returncode != 0, proc.stdout
        assert "checked-deletions" in proc.stdout and "www: check_resources: false" in proc.stdout, proc.stdout
        assert "allowed-domains" in proc.stdout and "other: www.example.org not under" in proc.stdout, proc.stdout
    assert project.emu.certificates() == []


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_plan_examples_apply_what_was_planned_and_refuse_a_later_change(project: Project, ci: str) -> None:
    with_policy_pack(project)

    def plan() -> subprocess.CompletedProcess[str]:
        if ci == "github":
            return github(project, "Plan", "github-actions-plan.yml", job="plan")
        return gitlab(project, "plan", "gitlab-ci-plan.yml")

    def apply() -> subprocess.CompletedProcess[str]:
        if ci == "github":
            return github(project, "Apply", "github-actions-plan.yml", job="apply")
        return gitlab(project, "apply", "gitlab-ci-plan.yml")

    # A new stack: the plan made before its first `up` applies.
    project.write_www_stack()
    assert plan().returncode == 0
    applied = apply()
    assert applied.returncode == 0, applied.stdout + applied.stderr
    (cert_id,) = project.certificates()

    # An existing stack: the reviewed change applies.
    project.write_stack("certificates:\n" + upload_entry("www", "reviewed"))
    assert plan().returncode == 0
    applied = apply()
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert project.certificates()[cert_id]["Alias"] == "reviewed"

    # A change made after the plan: refused, nothing changed.
    project.write_stack("certificates:\n" + upload_entry("www", "planned"))
    assert plan().returncode == 0
    project.write_stack("certificates:\n" + upload_entry("www", "slipped-in"))
    refused = apply()
    assert refused.returncode != 0
    assert "violates plan" in refused.stdout, refused.stdout
    assert project.certificates()[cert_id]["Alias"] == "reviewed"


@pytest.mark.parametrize(
    ("example", "job", "step"),
    [
        ("github-actions.yml", "certificates", "Up"),
        ("github-actions-plan.yml", "apply", "Apply"),
        ("gitlab-ci.yml", "up", None),
        ("gitlab-ci-plan.yml", "apply", None),
    ],
)
def test_every_example_that_runs_up_sets_the_parallelism(example: str, job: str, step: str | None) -> None:
    script = github_step(step, example) if step else gitlab_script(job, example)
    assert "pulumi up" in script
    variables = {**job_env(example, job), **(github_step_env(step, example) if step else {})}
    assert variables.get("PULUMI_PARALLEL") == "64"
    assert "4 x CPUs" in (EXAMPLES / example).read_text(encoding="utf-8")  # the reason, in a comment
