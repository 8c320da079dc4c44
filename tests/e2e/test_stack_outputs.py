"""The stack outputs through the CLI: `tencentcloud:stackOutputs` makes the map short or empty; a bad value stops
the run before anything changes."""

from __future__ import annotations

import pytest

from provider.program import OUTPUTS_KEY
from support.project import FAILED, STACK, Project

pytestmark = [pytest.mark.e2e]


def set_mode(project: Project, value: str) -> None:
    project.pulumi.run("config", "set", OUTPUTS_KEY, value, "--stack", STACK, cwd=project.dir)


def test_the_output_map_can_be_ids_only_or_nothing(project: Project) -> None:
    project.write_www_stack()
    project.up()
    full = project.outputs()
    assert set(full["www"]) == {"id", "domain", "subject_alt_names", "not_after", "alias"}

    set_mode(project, "ids")
    project.up()
    assert project.outputs() == {"www": full["www"]["id"]}

    set_mode(project, "none")
    project.up()
    assert "certificates" not in project.cli("stack", "output", "--json")
    assert [c["CertificateId"] for c in project.certificates().values()] == [full["www"]["id"]]


def test_a_bad_output_mode_stops_the_run_and_names_the_key(project: Project) -> None:
    project.write_www_stack()
    set_mode(project, "compact")
    proc = project.pulumi.run("up", "--yes", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED
    assert OUTPUTS_KEY in proc.stdout and "'compact'" in proc.stdout and "full, ids, none" in proc.stdout
    assert project.certificates() == {}
