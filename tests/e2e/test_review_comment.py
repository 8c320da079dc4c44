"""`python -m provider.review` through the real CLI: the review of a pull request that removes certificates.

The review runs `pulumi preview --json` itself and asks the emulator (read-only) whether each planned deletion will
be allowed; the emulator's call log shows it made no write call.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from support.project import STACK, WRITE_ACTIONS, Project, upload_entry

pytestmark = [pytest.mark.e2e]

CLB = "lb-7x3kq2"


def review(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m provider.review --stack e2e ARGS` in the project, as CI runs it."""
    return project.review("--stack", STACK, *args)


def three_entries_up_api_bound(project: Project) -> dict[str, str]:
    """Entries keep, api and old, up; api's certificate bound to a CLB; the stack file then keeps only ``keep``."""
    for name in ("keep", "api", "old"):
        project.make_cert(name, f"{name}.example.com")
    project.write_stack("certificates:\n" + "".join(upload_entry(n, n) for n in ("keep", "api", "old")))
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": ids["api"], "ResourceType": "clb", "ResourceId": CLB}
    )
    project.write_stack("certificates:\n" + upload_entry("keep", "keep"))
    return ids


def test_a_removal_of_a_bound_certificate_is_flagged_as_refused_without_a_write_call(project: Project) -> None:
    ids = three_entries_up_api_bound(project)
    before = len(project.emu.calls())

    first = review(project)
    assert first.returncode == 2, first.stderr
    comment = first.stdout
    rows = [line for line in comment.splitlines() if line.startswith("| `")]
    assert [r.split(" | ")[:3] for r in rows] == [
        ["| `api`", "**delete**", f"`{ids['api']}`"],
        ["| `old`", "**delete**", f"`{ids['old']}`"],
    ]
    assert rows[0].endswith("**refused** |") and rows[1].endswith("| ok |")
    assert f"**refused**: still bound to CLB: {CLB}" in comment
    assert "2 to delete" in comment and "**1 will be refused**" in comment
    assert "BEGIN" not in comment and "\x1b" not in comment

    second = review(project)
    assert second.returncode == 2
    assert second.stdout == comment  # byte-identical for the same input

    as_json = review(project, "--format", "json")
    assert as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert document["refused"] == ["api"]
    assert document["rows"][0]["preflight"]["bound"] == [f"CLB: {CLB}"]

    calls = project.emu.calls()[before:]
    assert calls, "the pre-flight asked nothing"
    assert not [c["Action"] for c in calls if c["Action"] in WRITE_ACTIONS]
    assert {c["Action"] for c in calls} <= {"DescribeCertificateDetail", "DescribeDeployedResources"}
    assert ids["api"] in project.certificates() and ids["old"] in project.certificates()

    project.emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": ids["api"]})
    unbound = review(project)
    assert unbound.returncode == 0, unbound.stdout + unbound.stderr
    assert "nothing will be refused" in unbound.stdout and "2 to delete" in unbound.stdout


def test_a_failing_preview_exits_1_with_the_reason_and_no_traceback(project: Project) -> None:
    project.write_stack("certificates:\n  www: {upload: {certificate: certs/missing.pem}}\n")
    failed = review(project)
    assert failed.returncode == 1
    assert "pulumi preview --json` exited" in failed.stderr and "missing.pem" in failed.stderr
    assert "Traceback" not in failed.stderr and failed.stdout == ""


def test_a_deletion_left_by_a_failed_replacement_is_listed_as_pending(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www", "rotate: false\n"))
    project.up()
    old_id = project.outputs()["www"]["id"]
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": old_id, "ResourceType": "clb", "ResourceId": CLB}
    )
    project.make_cert("www", "www.example.com", ("new.example.com",))
    assert project.up(check=False) and old_id in project.certificates()  # the replacement's delete was refused

    pending = review(project)
    assert pending.returncode == 2, pending.stdout + pending.stderr
    assert "#### Deletions pending from an earlier run" in pending.stdout
    assert f"- `www`: certificate `{old_id}` was replaced but not deleted" in pending.stdout
    assert f"| `www` | **delete** (pending) | `{old_id}` |" in pending.stdout


def test_the_removal_of_an_issued_paid_certificate_is_flagged_as_refused(project: Project) -> None:
    ids = three_entries_up_api_bound(project)
    project.emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": ids["api"]})
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": ids["old"], "Paid": True, "Status": 1})

    result = review(project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "**1 will be refused**" in result.stdout
    assert "issued paid certificate" in result.stdout and "CannotBeDeletedIssued" in result.stdout
    assert "`release:`" in result.stdout
    document = json.loads(review(project, "--format", "json").stdout)
    assert document["refused"] == ["old"]
