"""provider.host through the real Pulumi CLI: selected by Pulumi.yaml (the repo's own, relative path included), it
runs a teardown's deletions at once and reports a bad setting as a message without a Python traceback."""

from __future__ import annotations

import shutil

import pytest
import yaml

from provider.host.parallel import CONFIG_KEY
from support.project import FAILED, STACK, Project, project_yaml, upload_entry
from support.pulumi_cli import REPO, wait_until

pytestmark = pytest.mark.e2e

NEVER = 3600  # emulator seconds a deletion task runs: it ends only when the test moves the clock
COUNT = 10


def test_destroy_waits_on_every_deletion_task_at_once(project: Project) -> None:
    for i in range(COUNT):
        project.make_cert(f"c{i}", f"c{i}.example.com")
    project.write_stack("certificates:\n" + "".join(upload_entry(f"c{i}", f"c{i}") for i in range(COUNT)))
    project.up()
    assert len(project.certificates()) == COUNT
    emu = project.emu
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": NEVER, "SignatureClock": "real"})

    destroy = project.start("destroy", "--yes", "--skip-preview", "--parallel", str(COUNT))
    # Under Pulumi's stock host (4 calls at a time) the fifth DeleteCertificate would never come.
    wait_until(
        f"{COUNT} DeleteCertificate calls",
        lambda: sum(c["Action"] == "DeleteCertificate" for c in emu.calls()) == COUNT,
        destroy,
    )
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": NEVER + 1})
    out, _ = destroy.communicate(timeout=300)
    assert destroy.returncode == 0, out
    assert project.certificates() == {}


def test_the_repos_pulumi_yaml_selects_the_host_and_a_bad_setting_is_a_plain_message(project: Project) -> None:
    # The repo's own plugins entry, with its relative path (resolved by the CLI against the project directory).
    plugins = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))["plugins"]
    (path,) = {p["path"] for p in plugins["providers"] if p["name"] == "pulumi-python"}
    assert not path.startswith("/")
    shutil.copytree(REPO / path, project.dir / path)
    (project.dir / "Pulumi.yaml").write_text(project_yaml("stock") + yaml.safe_dump({"plugins": plugins}))
    project.write_www_stack()
    project.pulumi.run("config", "set", CONFIG_KEY, "lots", "--stack", STACK, cwd=project.dir)

    # Pulumi's stock host ignores the key, so only provider.host can fail this preview.
    proc = project.pulumi.run("preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED, proc.stdout
    assert f"stack config's {CONFIG_KEY}" in proc.stdout and "'lots'" in proc.stdout
    assert "Traceback" not in proc.stdout, proc.stdout

    project.pulumi.run("config", "set", CONFIG_KEY, "32", "--stack", STACK, cwd=project.dir)
    project.up()
    assert [c["Alias"] for c in project.certificates().values()] == ["www"]


def test_a_superscript_digit_as_the_parallelism_is_a_plain_message(project: Project) -> None:
    # "²" is a digit to str.isdigit but not to int(): it used to end in a traceback from the host.
    project.write_www_stack()
    project.pulumi.run("config", "set", CONFIG_KEY, "²", "--stack", STACK, cwd=project.dir)
    proc = project.pulumi.run("preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED, proc.stdout
    assert f"stack config's {CONFIG_KEY}" in proc.stdout and "from 1 to" in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stdout and "invalid literal" not in proc.stdout, proc.stdout
    assert project.emu.calls() == []
