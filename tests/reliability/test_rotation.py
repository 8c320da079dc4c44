"""Renewing a certificate that is in use, through the real CLI: its deployments move to the new one, then it goes.

The old certificate is bound to a CLB listener and a CDN domain (the emulator's admin bindings). A new body for the
same entry is a replacement; the checked delete of the old certificate is refused while it is bound, so the provider
moves the bindings with Tencent's deploy record (UpdateCertificateInstance) and deletes it again.
"""

from __future__ import annotations

import pytest

from provider.rules import REPLACES_TAG
from provider.ssl import SslService
from provider.tencentcloud.client import Client
from provider.tencentcloud.config import ClientSettings
from provider.tencentcloud.credentials import Credentials
from support.certs import make_cert
from support.project import CHANGES_PROPOSED, FAILED, Project, upload_entry
from support.raw_api import RawApi

pytestmark = pytest.mark.e2e

CLB = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80"}
CDN = {"ResourceType": "cdn", "ResourceId": "www.example.com"}


def rotation(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="rotation", tried=tried, held=held)


def deployed(project: Project, certificate_id: str) -> set[str]:
    """The resource types bound to a certificate, as the emulator's admin API lists them."""
    rows = project.emu.admin("GET", "/_emulator/bindings")["Bindings"]
    return {row["ResourceType"] for row in rows if row["CertificateId"] == certificate_id}


def in_use(project: Project, extra: str = "") -> str:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www", extra))
    project.up()
    old = str(project.outputs()["www"]["id"])
    for binding in (CLB, CDN):
        project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **binding})
    project.make_cert("www", "www.example.com")  # the renewal: a new body and key for the same entry
    return old


@rotation(
    "a new body for an entry whose certificate is bound to a CLB listener and a CDN domain",
    "one up moves both to the new certificate through a deploy record, deletes the old one through the checked "
    "task, and the next preview shows no change",
)
def test_renewing_a_certificate_in_use_moves_its_deployments(project: Project) -> None:
    old = in_use(project)
    out = project.up()
    new = str(project.outputs()["www"]["id"])
    assert new != old
    assert old not in project.certificates()
    assert deployed(project, new) == {"clb", "cdn"}
    assert "moved 2 resource(s) from certificate" in out, out
    calls = [c["Action"] for c in project.emu.calls() if c["ErrorCode"] is None]
    assert "UpdateCertificateInstance" in calls
    deletes = [c for c in project.emu.calls() if c["Action"] == "DeleteCertificate"]
    assert all(c["Params"].get("IsCheckResource") is True for c in deletes)
    project.cli("preview", "--expect-no-changes")


@rotation(
    "the same renewal with CDN deploys failing (DeployFailures), then the fault cleared",
    "up fails naming the CDN resource and Tencent's message; the old certificate stays, still bound to the CDN; the "
    "next preview says it is waiting to be deleted and why; the next up retries the same deploy record and completes",
)
def test_a_failed_deploy_keeps_the_old_certificate_and_the_next_up_finishes(project: Project) -> None:
    old = in_use(project)
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    out = project.up_refused()
    assert "failed for 1 resource(s)" in out and "CDN www.example.com" in out and "domain not verified" in out, out
    assert old in project.certificates()
    assert "cdn" in deployed(project, old)
    records = project.emu.admin("GET", "/_emulator/deploys")["Records"]
    assert len(records) == 1
    # Nothing hidden: the engine alone would call the stack unchanged; the provider says what is pending and why.
    preview = project.cli("preview")
    assert f"certificate {old}" in preview and "still waiting to be deleted" in preview, preview
    assert "CDN www.example.com: domain not verified" in preview

    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    out = project.up()
    assert "retrying the failed resources of deploy record" in out, out
    new = str(project.outputs()["www"]["id"])
    assert old not in project.certificates() and deployed(project, new) == {"clb", "cdn"}
    assert len(project.emu.admin("GET", "/_emulator/deploys")["Records"]) == 1  # the same record, retried
    project.cli("preview", "--expect-no-changes")


@rotation(
    "the same renewal with rotate: false",
    "the old behaviour: the checked delete is refused naming the bound resources; nothing is moved",
)
def test_rotate_false_refuses_while_bound(project: Project) -> None:
    old = in_use(project, "rotate: false\n")
    out = project.up_refused()
    assert "still bound to cloud resources" in out and "lb-7x3kq2" in out, out
    assert old in project.certificates() and deployed(project, old) == {"clb", "cdn"}
    assert not [c for c in project.emu.calls() if c["Action"] == "UpdateCertificateInstance"]


@rotation(
    "a free certificate 20 days from expiry with renew_before: 30d, then a plain up",
    "preview plans a replacement and says why; up applies for a new certificate, moves the CLB binding to it and "
    "deletes the old one; the next preview shows no change",
)
def test_a_free_certificate_inside_its_renewal_window_is_renewed_by_up(project: Project) -> None:
    emu = project.emu
    # Sign with real time while the emulator's clock moves, so the application can be dated 70 days ago.
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0, "SignatureClock": "real"})
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": -70 * 86400})
    entry = "certificates:\n  shop:\n    free: shop.example.com\n    renew_before: 30d\n"
    project.write_stack(entry)
    project.up()
    old = str(project.outputs()["shop"]["id"])
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 70 * 86400})
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CLB})

    preview = project.cli("preview")
    assert "replace" in preview and f"the free certificate {old} expires on" in preview, preview
    project.up()
    new = str(project.outputs()["shop"]["id"])
    assert new != old and old not in project.certificates()
    assert deployed(project, new) == {"clb"}
    project.cli("preview", "--expect-no-changes")


def test_deploy_regions_move_a_clb_outside_the_stacks_region(project: Project) -> None:
    """A CLB in another region than the stack's is moved only where the entry lists that region."""
    project.make_cert("www", "www.example.com")
    regions = "deploy_regions: {clb: [ap-shanghai]}\n"
    project.write_stack("certificates:\n" + upload_entry("www", "www", regions))
    project.up()
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CLB, "Region": "ap-shanghai"})
    project.make_cert("www", "www.example.com")
    project.up()
    new = str(project.outputs()["www"]["id"])
    assert old not in project.certificates() and deployed(project, new) == {"clb"}
    [record] = project.emu.admin("GET", "/_emulator/deploys")["Records"]
    assert [d["Region"] for d in record["Details"]] == ["ap-shanghai"]


def test_an_uploaded_certificate_inside_its_renewal_window_is_warned_about(project: Project) -> None:
    """Preview names the entry and the expiry date; nothing is replaced (only a new body renews an upload)."""
    cert_pem, key_pem = make_cert("www.example.com", days=20)
    (project.certs / "www.pem").write_text(cert_pem, encoding="utf-8")
    (project.certs / "www.key").write_text(key_pem, encoding="utf-8")
    project.write_stack("certificates:\n" + upload_entry("www", "www", "renew_before: 30d\n"))
    project.up()
    cert_id = project.outputs()["www"]["id"]
    preview = project.cli("preview", "--expect-no-changes")
    assert f"warning: www: certificate {cert_id} expires on" in preview and "within renew_before (30d)" in preview


def up_status(project: Project, *args: str) -> tuple[int, str]:
    """`pulumi up` (or ARGS) with its exit status and output."""
    proc = project.pulumi.run(*(args or ("up", "--yes", "--skip-preview")), "--stack", project.stack, cwd=project.dir,
                              check=False)  # fmt: skip
    return proc.returncode, proc.stdout


def updates(project: Project) -> list[dict[str, object]]:
    return [c for c in project.emu.calls() if c["Action"] == "UpdateCertificateInstance"]


@rotation(
    "www with retain: true uploaded (A) and removed (A stays, still marked as the entry's); www added back with a "
    "new certificate (B), B bound to a CLB, then www removed",
    "a plain removal never rotates: up exits non-zero naming the CLB, nothing is deployed, B stays bound and A "
    "untouched; no preview after B's create warns about A",
)
def test_a_removal_never_moves_resources_to_an_older_certificate(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www", "retain: true\n"))
    project.up()
    retained = str(project.outputs()["www"]["id"])
    project.write_stack("certificates: {}\n")
    project.up()
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    current = str(project.outputs()["www"]["id"])
    assert "still waiting to be deleted" not in project.cli("preview", "--expect-no-changes")
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": current, **CLB})

    project.write_stack("certificates: {}\n")
    status, out = up_status(project)
    assert status == FAILED and "still bound to cloud resources" in out and "lb-7x3kq2" in out, out
    assert not updates(project)
    assert deployed(project, current) == {"clb"} and deployed(project, retained) == set()
    assert {retained, current} <= set(project.certificates())


@rotation(
    "A bound to a CDN and a CLB renewed with CDN deploys failing (up fails naming record R), R rolled back with "
    "UpdateCertificateRecordRollback as the message advises, the fault cleared, up",
    "the rolled-back record is not retried (no CertificateDeployRetryStatusInvalid): a new record moves both "
    "resources, A is deleted, the next preview is clean",
)
def test_a_rotation_rolled_back_outside_is_finished_by_a_new_record(project: Project) -> None:
    old = in_use(project)
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    status, out = up_status(project)
    [record] = project.emu.admin("GET", "/_emulator/deploys")["Records"]
    rid = record["DeployRecordId"]
    assert status == FAILED and f"UpdateCertificateRecordRollback with DeployRecordId {rid}" in out, out
    with RawApi(project.emu) as console:
        console.ok("UpdateCertificateRecordRollback", {"DeployRecordId": rid})
    project.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 10})
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    out = project.up()
    assert "RetryStatusInvalid" not in out and "rolled back" in out, out
    new = str(project.outputs()["www"]["id"])
    assert old not in project.certificates() and deployed(project, new) == {"clb", "cdn"}
    project.cli("preview", "--expect-no-changes")


@rotation(
    "A bound to a CDN renewed with CDN deploys failing, then A bound to a CLB too, the fault cleared, up",
    "the failed record is retried for the CDN and the CLB bound since gets a record of its own: both move, A is "
    "deleted",
)
def test_a_binding_added_after_a_failed_rotation_is_moved(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CDN})
    project.make_cert("www", "www.example.com")
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    status, _ = up_status(project)
    assert status == FAILED
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CLB})
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    out = project.up()
    assert "retrying the failed resources of deploy record" in out, out
    new = str(project.outputs()["www"]["id"])
    assert old not in project.certificates() and deployed(project, new) == {"clb", "cdn"}


@rotation(
    "A bound to a CLB in ap-shanghai (stack region ap-guangzhou) renewed; then deploy_regions {clb: [ap-guangzhou, "
    "ap-shanghai]} added to the entry",
    "the first up fails naming deploy_regions, the type and the region searched; the next up deploys in both "
    "listed regions (the current stack file, not the old resource's inputs), moves the CLB and deletes A",
)
def test_deploy_regions_added_to_fix_a_failed_rotation_take_effect(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CLB, "Region": "ap-shanghai"})
    project.make_cert("www", "www.example.com")
    status, out = up_status(project)
    assert status == FAILED and "deploy_regions" in out and "clb: ap-guangzhou" in out, out
    regions = "deploy_regions: {clb: [ap-guangzhou, ap-shanghai]}\n"
    project.write_stack("certificates:\n" + upload_entry("www", "www", regions))
    project.up()
    sent = updates(project)[-1]["Params"]["ResourceTypesRegions"]
    assert sent == [{"ResourceType": "clb", "Regions": ["ap-guangzhou", "ap-shanghai"]}], sent
    new = str(project.outputs()["www"]["id"])
    assert old not in project.certificates() and deployed(project, new) == {"clb"}


@rotation(
    "a renewal whose rotation failed (CDN deploys failing), then `pulumi preview --expect-no-changes` as a CI drift "
    "check runs it",
    "the preview exits non-zero while the old certificate waits to be deleted, naming it; once up finishes the "
    "rotation it exits 0",
)
def test_expect_no_changes_fails_while_a_deletion_is_pending(project: Project) -> None:
    old = in_use(project)
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    status, _ = up_status(project)
    assert status == FAILED
    status, out = up_status(project, "preview", "--expect-no-changes")
    assert status == CHANGES_PROPOSED and f"certificate {old}" in out and "still waiting to be deleted" in out, out
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    project.up()
    project.cli("preview", "--expect-no-changes")


@rotation(
    "an entry with retain: true renewed while its certificate is bound to a CLB, then `pulumi preview "
    "--expect-no-changes`",
    "the old certificate is kept and stays bound (retain: the engine never deletes it), nothing is moved, and the "
    "preview is clean: a kept certificate is not a pending deletion",
)
def test_a_retained_entry_renewed_leaves_the_old_certificate_and_no_pending_change(project: Project) -> None:
    old = in_use(project, "retain: true\n")
    project.up()
    new = str(project.outputs()["www"]["id"])
    assert new != old and old in project.certificates() and deployed(project, old) == {"clb", "cdn"}
    assert not updates(project)
    out = project.cli("preview", "--expect-no-changes")
    assert "still waiting to be deleted" not in out, out


def expect_no_changes(project: Project) -> tuple[int, str]:
    """`pulumi preview --expect-no-changes`: its exit status and output."""
    return up_status(project, "preview", "--expect-no-changes")


def cdn_only_rotation_failed(project: Project) -> tuple[str, str]:
    """www's certificate A bound to a CDN domain, renewed into B while CDN deploys fail: up exits 1, A pending."""
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CDN})
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "busy"}})
    project.make_cert("www", "www.example.com")
    status, out = up_status(project)
    assert status == FAILED and "deploy record" in out, out
    project.emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    return old, str(project.outputs()["www"]["id"])


@rotation(
    "a renewal whose CDN move failed (the old certificate A pending, B its replacement), the fault cleared, then "
    "a second renewal before A could be deleted",
    "the second up creates C recording that it replaces B and takes over A's pending deletion "
    "(pulumi:replaces=<B>,<A>), deletes B, moves A's CDN onto C and deletes A; the next preview shows no change",
)
def test_renewing_again_while_a_rotation_is_pending_moves_the_pending_certificate_to_the_current_one(
    project: Project,
) -> None:
    old, middle = cdn_only_rotation_failed(project)
    project.make_cert("www", "www.example.com")
    out = project.up()
    current = str(project.outputs()["www"]["id"])
    assert current not in (old, middle)
    assert old not in project.certificates() and middle not in project.certificates(), out
    assert deployed(project, current) == {"cdn"}
    assert f"from certificate {old} to {current}" in out, out
    code, said = expect_no_changes(project)
    assert code == 0, said


@rotation(
    "`pulumi up --replace <urn>` of an entry whose certificate is bound to a CDN domain (the engine creates the "
    "replacement without a diff, so its create learns no predecessor)",
    "up exits 0 with no manual step: the delete of the old certificate records the link on the new one (tag "
    "pulumi:replaces=<old id>), moves the CDN there and deletes the old one; the next preview shows no change",
)
def test_up_replace_of_a_bound_certificate_moves_its_bindings_and_deletes_it(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CDN})
    urn = project.state_resources()["www"]["urn"]
    status, said = up_status(project, "up", "--yes", "--skip-preview", "--replace", urn)
    assert status == 0, said
    current = str(project.outputs()["www"]["id"])
    assert current != old and old not in project.certificates(), said
    assert deployed(project, current) == {"cdn"}, said
    assert f"certificate {current} replaces {old}" in said, said
    settings = ClientSettings(endpoint=project.emu.url, rate_per_action=None)
    with Client(Credentials(project.emu.secret_id, project.emu.secret_key), settings) as api:
        assert SslService(api).get_tags(current)[REPLACES_TAG] == old
    code, said = expect_no_changes(project)
    assert code == 0, said


@rotation(
    "a renewal refused because the new certificate (for other.example.com) does not cover the bound CDN domain, "
    "then, as the refusal advises, the entry given a covering certificate",
    "the second up creates C recording that it replaces B and takes over A's pending deletion, deletes B, moves "
    "A's CDN onto C and deletes A; the next preview shows no change",
)
def test_a_covering_certificate_after_a_coverage_refusal_takes_over_the_pending_rotation(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CDN})
    project.make_cert("www", "other.example.com")
    status, out = up_status(project)
    assert status == FAILED and "does not cover CDN www.example.com" in out, out
    middle = str(project.outputs()["www"]["id"])
    project.make_cert("www", "www.example.com")
    out = project.up()
    current = str(project.outputs()["www"]["id"])
    assert current not in (old, middle)
    assert old not in project.certificates() and middle not in project.certificates(), out
    assert deployed(project, current) == {"cdn"}, out
    code, said = expect_no_changes(project)
    assert code == 0, said
