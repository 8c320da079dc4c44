"""The project's policy pack (policy/) through the real CLI: `pulumi preview --policy-pack policy`.

The pack runs in the project's language host (scripts/pulumi-language-python, RunPlugin) with the project's
virtualenv. A mandatory violation fails the preview, naming the entry and the rule; an advisory one is a warning; a
compliant stack passes. The rules themselves are tested in process (tests/provider/test_policies.py).
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from support.certs import make_cert
from support.project import Project, upload_entry
from support.pulumi_cli import REPO

pytestmark = pytest.mark.e2e

PACK = REPO / "policy"


def preview(project: Project, config: dict[str, object] | None = None, *args: str) -> subprocess.CompletedProcess[str]:
    """`pulumi preview --policy-pack policy [--policy-pack-config FILE]`: its exit status and output."""
    extra: list[str] = ["--policy-pack", str(PACK)]
    if config is not None:
        path = project.dir / "policy-config.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        extra += ["--policy-pack-config", str(path)]
    return project.pulumi.run("preview", *extra, *args, "--stack", project.stack, cwd=project.dir, check=False)


def test_a_compliant_stack_passes(project: Project) -> None:
    project.write_www_stack()

    proc = preview(project)

    assert proc.returncode == 0, proc.stdout
    assert "tencent-ssl-certificates" in proc.stdout, proc.stdout  # the pack ran
    assert "mandatory" not in proc.stdout and "advisory" not in proc.stdout, proc.stdout


def test_a_mandatory_violation_fails_the_preview_naming_entry_and_rule(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www", "check_resources: false\n"))

    proc = preview(project)

    assert proc.returncode == 1, (proc.returncode, proc.stdout)
    assert "checked-deletions" in proc.stdout, proc.stdout
    assert "www: check_resources: false" in proc.stdout, proc.stdout
    assert "mandatory" in proc.stdout, proc.stdout
    assert project.emu.certificates() == []


def test_an_advisory_violation_warns_and_the_preview_passes(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www", "check_resources: false\n"))

    proc = preview(project, {"checked-deletions": "advisory"})

    assert proc.returncode == 0, proc.stdout
    assert "advisory" in proc.stdout and "checked-deletions" in proc.stdout, proc.stdout
    assert "www: check_resources: false" in proc.stdout, proc.stdout


def test_each_rule_of_a_stack_config_names_its_entries(project: Project) -> None:
    """A stack's own config (policy/config/<stack>.json in a repository): levels and values per rule."""
    project.make_cert("www", "www.example.com")
    short_pem, short_key = make_cert("short.example.com", days=5)
    (project.certs / "short.pem").write_text(short_pem, encoding="utf-8")
    (project.certs / "short.key").write_text(short_key, encoding="utf-8")
    project.make_cert("other", "www.example.org")
    key = project.keys["www"]
    inline = textwrap.indent(key.strip(), " " * 8)
    stack = (
        "certificates:\n"
        "  www:\n"
        "    upload:\n"
        "      certificate: certs/www.pem\n"
        f"      private_key: |\n{inline}\n"
        "    protect: true\n"
        "  short:\n"
        "    upload: {certificate: certs/short.pem, private_key: {file: certs/short.key}}\n"
        "    protect: true\n"
        "  other:\n"
        "    upload: {certificate: certs/other.pem, private_key: {file: certs/other.key}}\n"
    )
    (project.dir / "stacks" / f"{project.stack}.yaml").write_text(stack, encoding="utf-8")
    config = {
        "protect-required": {"stacks": [project.stack]},
        "allowed-domains": {"enforcementLevel": "advisory", "suffixes": ["example.com"]},
        "minimum-remaining-validity": {"min_days": 14},
    }

    proc = preview(project, config)

    assert proc.returncode != 0, proc.stdout
    out = proc.stdout
    assert "no-inline-private-key" in out and "www: upload.private_key is written inline" in out, out
    assert "protect-required" in out and f"other: stack {project.stack} requires protect: true" in out, out
    assert "www: stack" not in out and "short: stack" not in out, out
    assert "minimum-remaining-validity" in out and "short: the certificate is valid for 4 more days" in out, out
    assert "[advisory]  allowed-domains" in out and "other: www.example.org not under" in out, out
    assert "PRIVATE KEY" not in out and key.splitlines()[1] not in out
    assert project.emu.certificates() == []


def test_the_review_lists_what_the_pack_reports(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.make_cert("other", "www.example.org")
    project.write_stack(
        "certificates:\n" + upload_entry("www", "www", "check_resources: false\n") + upload_entry("other", "o")
    )
    # One config file per stack, as the CI examples keep them; {stack} picks the reviewed stack's.
    config = {"allowed-domains": {"enforcementLevel": "advisory", "suffixes": ["example.com"]}}
    (project.dir / f"policy-{project.stack}.json").write_text(json.dumps(config), encoding="utf-8")
    per_stack = str(project.dir / "policy-{stack}.json")
    args = ("--stack", project.stack, "--policy-pack", str(PACK), "--policy-pack-config", per_stack)

    refused = project.review(*args)

    assert refused.returncode == 2, refused.stderr
    assert "#### Policies" in refused.stdout
    assert "- `www`: **mandatory** `checked-deletions`: www: check\\_resources: false" in refused.stdout
    assert "- `other`: **advisory** `allowed-domains`: other: www.example.org not under" in refused.stdout
    assert "PRIVATE KEY" not in refused.stdout

    project.write_stack("certificates:\n" + upload_entry("www", "www") + upload_entry("other", "o"))
    advised = project.review(*args, "--format", "json")
    assert advised.returncode == 0, advised.stderr
    assert [(p["level"], p["policy"], p["entry"]) for p in json.loads(advised.stdout)["policies"]] == [
        ("advisory", "allowed-domains", "other")
    ]
