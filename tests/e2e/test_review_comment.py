"""`python -m provider.review` through the real CLI: the review of a pull request that removes certificates.

The review runs `pulumi preview --json` itself and asks the emulator (read-only) whether each planned deletion will
be allowed; the emulator's call log shows it made no write call.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support.emulator import RunningEmulator
from support.project import STACK, WRITE_ACTIONS, Project, upload_entry
from support.pulumi_cli import PulumiEnv, make_pulumi_env

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
    # Details, deployments, the ownership marks up reads before a delete, and the entry's certificates by its owner
    # mark (a replacement recording that it replaces the one deleted).
    assert {c["Action"] for c in calls} <= {
        "DescribeCertificates",
        "DescribeCertificateDetail",
        "DescribeDeployedResources",
        "DescribeResourceTagsByResourceIds",
    }
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
    refused = project.up_refused()  # the replacement's delete was refused: the old certificate is still bound
    assert f"certificate {old_id}" in refused and "still bound to cloud resources" in refused, refused
    assert old_id in project.certificates()

    pending = review(project)
    assert pending.returncode == 2, pending.stdout + pending.stderr
    assert "#### Deletions pending from an earlier run" in pending.stdout
    new_id = project.outputs()["www"]["id"]
    assert f"- `www`: certificate `{old_id}` was replaced by `{new_id}` but not deleted" in pending.stdout
    assert f"| `www` | **delete** (pending) | `{old_id}` |" in pending.stdout
    assert "still bound to CLB" in pending.stdout and "Unbind" in pending.stdout  # rotate: false: up is refused


@pytest.mark.reliability(
    area="deletion",
    tried="an entry with protect: true removed from the stack file, then reviewed (`pulumi preview --json` fails)",
    held="the review exits 2 with the protect verdict on that entry, no error; up is then refused and the certificate "
    "stays",
)
def test_removing_a_protected_entry_is_judged_refused_by_pulumi_not_an_error(project: Project) -> None:
    for name in ("keep", "guarded"):
        project.make_cert(name, f"{name}.example.com")
    project.write_stack(
        "certificates:\n" + upload_entry("keep", "keep") + upload_entry("guarded", "guarded", "protect: true\n")
    )
    project.up()
    guarded = project.outputs()["guarded"]["id"]
    project.write_stack("certificates:\n" + upload_entry("keep", "keep"))

    judged = review(project)
    assert judged.returncode == 2, judged.stdout + judged.stderr
    assert "Traceback" not in judged.stderr
    rows = [line for line in judged.stdout.splitlines() if line.startswith("| `")]
    assert rows == [line for line in rows if line.startswith("| `guarded` | **delete** |")] and len(rows) == 1, rows
    assert f"`{guarded}`" in rows[0] and "protect" in rows[0] and rows[0].endswith("**refused** |")
    assert "protected: Pulumi refuses to delete" in judged.stdout
    # What `up` then does: refused, and the certificate stays.
    assert "protect" in project.up_refused() and guarded in project.certificates()


@pytest.mark.reliability(
    area="ownership",
    tried="an adopt entry of a CLB-bound certificate renamed without renamed_from (legacy -> legacy-api), reviewed",
    held="the review exits 0 saying the new entry adopts the certificate, with no write call; up then moves it to "
    "the new entry and it stays in the cloud",
)
def test_the_documented_adopt_rename_of_a_bound_certificate_is_judged_as_up_does_it(project: Project) -> None:
    project.make_cert("legacy", "legacy.example.com")
    project.write_stack("certificates:\n" + upload_entry("legacy", "legacy"))
    project.up()
    legacy = project.outputs()["legacy"]["id"]
    project.write_stack(f"certificates:\n  legacy:\n    adopt: {legacy}\n")
    project.up()
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": legacy, "ResourceType": "clb", "ResourceId": CLB}
    )
    project.write_stack(f"certificates:\n  legacy-api:\n    adopt: {legacy}\n")
    before = len(project.emu.calls())

    judged = review(project)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert "nothing will be refused" in judged.stdout
    assert f"entry legacy-api adopts {legacy} in this change" in judged.stdout, judged.stdout
    assert not [c["Action"] for c in project.emu.calls()[before:] if c["Action"] in WRITE_ACTIONS]
    # What `up` then does: the certificate moves to the new entry and stays bound.
    project.up()
    assert legacy in project.certificates() and set(project.state_resources()) == {"legacy-api"}


@pytest.mark.reliability(
    area="rotation",
    tried="a renewal of a CLB-bound certificate whose deploy failed, reviewed after the fault is cleared",
    held="the review lists the old certificate as a pending deletion, says the rotation will be retried onto the "
    "replacement the state records, and exits 0; the next up moves the CLB and deletes the old certificate",
)
def test_a_deletion_pending_after_a_failed_rotation_is_judged_as_a_retried_rotation(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old_id = project.outputs()["www"]["id"]
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": old_id, "ResourceType": "clb", "ResourceId": CLB}
    )
    project.make_cert("www", "www.example.com", ("new.example.com",))
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"clb": "listener busy"}})
    assert "listener busy" in project.up_refused() and old_id in project.certificates()
    new_id = project.outputs()["www"]["id"]
    export = json.loads(project.cli("stack", "export"))["deployment"]["resources"]
    assert [r["outputs"].get("replaces") for r in export if r.get("id") == new_id] == [old_id]
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})

    judged = review(project)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert f"| `www` | **delete** (pending) | `{old_id}` |" in judged.stdout
    assert "the rotation will be retried" in judged.stdout and new_id in judged.stdout
    assert "Unbind" not in judged.stdout
    # What `up` then does: the rotation completes and the old certificate is deleted.
    project.up()
    assert old_id not in project.certificates()


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


@pytest.fixture
def other(tmp_path: Path, pulumi_bin: Path, emu: RunningEmulator) -> Project:
    """A second stack of the same project and stack names, on another backend (another team's state)."""
    root = tmp_path / "other"
    root.mkdir()
    env: PulumiEnv = make_pulumi_env(root, pulumi_bin)
    return Project(root / "project", env, emu)


def test_a_renewal_that_misses_a_bound_domain_is_refused_as_up_refuses_it(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old_id = project.outputs()["www"]["id"]
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": old_id, "ResourceType": "cdn", "ResourceId": "www.example.com"}
    )
    project.make_cert("www", "other.example.com")
    before = len(project.emu.calls())

    judged = review(project)
    assert judged.returncode == 2, judged.stdout + judged.stderr
    assert "does not cover CDN www.example.com" in judged.stdout and "**1 will be refused**" in judged.stdout
    assert not [c["Action"] for c in project.emu.calls()[before:] if c["Action"] in WRITE_ACTIONS]
    # What `up` then does: refuses the deploy, and the old certificate stays.
    out = project.up_refused()
    assert "refusing to deploy certificate" in out and "does not cover CDN www.example.com" in out, out
    assert old_id in project.certificates()


def test_a_failed_preview_given_with_preview_json_is_an_error_naming_its_diagnostics(project: Project) -> None:
    project.write_stack("certificates:\n  www: {upload: {certificate: certs/missing.pem}}\n")
    preview = project.refused("preview", "--json")
    (project.dir / "pv.json").write_text(preview, encoding="utf-8")

    failed = review(project, "--preview-json", "pv.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout == "" and "error: the preview failed: " in failed.stderr and "missing.pem" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_a_certificate_another_stack_took_over_is_judged_left_in_place_as_up_leaves_it(
    project: Project, other: Project
) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    taken = project.outputs()["www"]["id"]
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": taken, "ResourceType": "cdn", "ResourceId": "www.example.com"}
    )
    other.write_stack(f"certificates:\n  www:\n    adopt: {{id: {taken}, take_over: true}}\n")
    other.up()
    project.make_cert("www", "www.example.com", ("new.example.com",))  # a renewal on the first stack

    judged = review(project)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert f"{taken} is not deleted: it is now managed by another stack" in judged.stdout, judged.stdout
    assert "then deletes" not in judged.stdout and "moves them" not in judged.stdout
    # What `up` then does: the new certificate is made, the taken one stays where it is, still bound.
    out = project.up()
    assert "managed by another stack" in out and taken in project.certificates()


def test_a_retried_rotation_onto_a_certificate_the_change_removes_is_refused_as_up_fails(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old_id = project.outputs()["www"]["id"]
    project.emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": old_id, "ResourceType": "clb", "ResourceId": CLB}
    )
    project.make_cert("www", "www.example.com", ("new.example.com",))
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"clb": "listener busy"}})
    assert "listener busy" in project.up_refused() and old_id in project.certificates()
    new_id = project.outputs()["www"]["id"]
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    project.write_stack("certificates: {}\n")  # the entry removed while its rotation is pending

    judged = review(project)
    assert judged.returncode == 2, judged.stdout + judged.stderr
    assert f"this change deletes {new_id} too" in judged.stdout, judged.stdout
    assert "the rotation will be retried" not in judged.stdout
    # What `up` then does: deletes the replacement, fails on the old certificate (the deletes run in parallel: the
    # move onto the replacement fails, or finds it gone and the checked delete is refused), which stays.
    out = project.up_refused()
    assert "update failed" in out, out
    assert old_id in project.certificates() and new_id not in project.certificates()


def test_a_rotation_of_a_clb_outside_the_stack_region_is_uncertain_not_ok(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old_id = project.outputs()["www"]["id"]
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old_id, "ResourceType": "clb",
                                                      "ResourceId": CLB, "Region": "ap-shanghai"})  # fmt: skip
    project.make_cert("www", "www.example.com", ("new.example.com",))

    judged = review(project)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert "**1 uncertain**" in judged.stdout and "| **uncertain** |" in judged.stdout, judged.stdout
    assert "only in ap-guangzhou" in judged.stdout and "CertificateDeployInstanceEmpty" in judged.stdout
    assert json.loads(review(project, "--format", "json").stdout)["uncertain"] == ["www"]
    # What `up` then does: the deploy in the stack's region finds nothing, and the old certificate stays.
    out = project.up_refused()
    assert "deploy_regions" in out and old_id in project.certificates(), out
