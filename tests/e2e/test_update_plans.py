"""Update plans through the real CLI: `preview --save-plan` then `up --plan` applies exactly what was reviewed.

Plans are experimental in Pulumi (PULUMI_EXPERIMENTAL=true). A plan records every input the program and the provider
produce in the preview, unknowns included; `up --plan` fails when the update would differ. So nothing the program or
the provider produces in a preview may hold a placeholder where the engine expects an unknown (the owner mark of a
new stack's first certificates is derived from the stack identity, made only by the first `up`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support.project import Project, upload_entry

pytestmark = pytest.mark.e2e

# A Python object's default repr (`<pulumi.output.Unknown object at 0x7f...>`): never a planned value.
PYTHON_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def plan(project: Project, path: Path) -> str:
    project.pulumi.env["PULUMI_EXPERIMENTAL"] = "true"
    return project.cli("preview", "--save-plan", str(path))


def apply(project: Project, path: Path) -> tuple[int, str]:
    """`up --plan PATH`: its exit status and output, never raising."""
    args = ("up", "--yes", "--plan", str(path), "--stack", project.stack)
    proc = project.pulumi.run(*args, cwd=project.dir, check=False)
    return proc.returncode, proc.stdout


def test_a_plan_made_on_a_new_stack_applies(project: Project, tmp_path: Path) -> None:
    project.write_www_stack()
    saved = tmp_path / "plan.json"
    plan(project, saved)
    assert not PYTHON_REPR.search(saved.read_text(encoding="utf-8")), saved.read_text(encoding="utf-8")

    status, out = apply(project, saved)

    assert status == 0, out
    assert "violates plan" not in out, out
    (cert,) = project.certificates().values()
    assert cert["Alias"] == "www"
    assert set(project.state_resources()) == {"www"}


def test_a_plan_on_an_existing_stack_applies_the_reviewed_change(project: Project, tmp_path: Path) -> None:
    project.write_www_stack()
    project.up()
    (cert_id,) = project.certificates()
    project.write_stack("certificates:\n" + upload_entry("www", "www-renamed"))
    saved = tmp_path / "plan.json"
    plan(project, saved)

    status, out = apply(project, saved)

    assert status == 0, out
    assert project.certificates()[cert_id]["Alias"] == "www-renamed"


@pytest.mark.parametrize("stack_is_new", [True, False], ids=["new-stack", "existing-stack"])
def test_a_change_made_after_the_review_is_refused(project: Project, tmp_path: Path, stack_is_new: bool) -> None:
    project.write_www_stack()
    if not stack_is_new:
        project.up()
    before = project.certificates()
    project.write_stack("certificates:\n" + upload_entry("www", "reviewed"))
    saved = tmp_path / "plan.json"
    plan(project, saved)
    project.write_stack("certificates:\n" + upload_entry("www", "slipped-in"))

    status, out = apply(project, saved)

    assert status != 0, out
    assert "violates plan" in out, out
    assert "alias" in out, out
    # Nothing made it to the cloud: the update stops before the changed certificate is written.
    assert {i: c["Alias"] for i, c in project.certificates().items()} == {i: c["Alias"] for i, c in before.items()}
    assert json.dumps(project.emu.certificates()).count("slipped-in") == 0
