"""The real Pulumi engine drives a dynamic provider from an importable module: create, delete one, destroy.

Run twice: as an Automation API inline program, and as an on-disk project through the `pulumi-language-python`
host, the way users type `pulumi up` in a directory.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from pulumi import automation as auto

from e2e.smoke_provider import declare
from support.pulumi_cli import PulumiEnv

pytestmark = pytest.mark.e2e


def _events(directory: Path) -> list[str]:
    log = directory / "events.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if p.name != "events.log"}


def test_inline_program_creates_deletes_one_and_destroys(pulumi_env: PulumiEnv) -> None:
    markers = pulumi_env.root / "markers"
    markers.mkdir()
    names = ["alpha", "beta"]
    stack = auto.create_or_select_stack(
        stack_name="smoke",
        project_name="smoke-inline",
        program=lambda: declare(str(markers), names),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(pulumi_env.root),
            pulumi_home=pulumi_env.env["PULUMI_HOME"],
            env_vars=pulumi_env.env,
            pulumi_command=pulumi_env.command(),
        ),
    )

    up = stack.up()
    assert up.summary.result == "succeeded"
    assert _files(markers) == {"alpha", "beta"}
    assert up.outputs["names"].value == ["alpha", "beta"]

    names.remove("alpha")
    stack.up()
    assert _events(markers).count("delete alpha") == 1
    assert "delete beta" not in _events(markers)
    assert _files(markers) == {"beta"}

    stack.destroy()
    assert _files(markers) == set()
    assert sorted(_events(markers)) == ["create alpha", "create beta", "delete alpha", "delete beta"]


def test_on_disk_project_through_the_language_host(pulumi_env: PulumiEnv) -> None:
    project = pulumi_env.root / "project"
    markers = pulumi_env.root / "markers"
    project.mkdir()
    markers.mkdir()
    (project / "Pulumi.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: smoke-ondisk
            runtime:
              name: python
              options:
                virtualenv: {Path(sys.prefix)}
            """
        ),
        encoding="utf-8",
    )
    (project / "__main__.py").write_text(
        textwrap.dedent(
            f"""\
            import json
            from e2e.smoke_provider import declare

            with open("names.json") as fh:
                declare({str(markers)!r}, json.load(fh))
            """
        ),
        encoding="utf-8",
    )
    names_file = project / "names.json"
    names_file.write_text(json.dumps(["alpha", "beta"]), encoding="utf-8")

    pulumi_env.run("stack", "init", "smoke", cwd=project)
    up = pulumi_env.run("up", "--yes", "--skip-preview", cwd=project)
    assert _files(markers) == {"alpha", "beta"}, up.stdout

    names_file.write_text(json.dumps(["beta"]), encoding="utf-8")
    preview = pulumi_env.run("preview", cwd=project)
    assert "alpha" in preview.stdout and "delete" in preview.stdout
    assert _files(markers) == {"alpha", "beta"}  # preview changed nothing

    pulumi_env.run("up", "--yes", cwd=project)
    assert _events(markers).count("delete alpha") == 1
    assert _files(markers) == {"beta"}

    pulumi_env.run("destroy", "--yes", cwd=project)
    assert _files(markers) == set()
    assert _events(markers).count("delete beta") == 1
