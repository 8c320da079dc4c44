"""The product through the real engine: the on-disk project, `stacks/<stack>.yaml`, the emulator over HTTP.

Each test runs the real `pulumi` CLI in a copy of this project (the repo's own `__main__.py`) whose stack file it
edits between runs, and asserts on what the emulator holds and on its log of API calls.
"""

from __future__ import annotations

import pytest

from support.certs import make_cert
from support.project import WRITE_ACTIONS, Project, upload_entry
from support.raw_api import RawApi

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(project: Project) -> Project:
    """The shared ``project`` with two certificates on disk: www (also example.com) and api."""
    project.make_cert("www", "www.example.com", ("example.com",))
    project.make_cert("api", "api.example.com")
    return project


def two_certificates(project: Project, www_alias: str = "www") -> None:
    project.write_stack(
        "defaults: {tags: {team: web}}\ncertificates:\n"
        + upload_entry("www", www_alias)
        + upload_entry("api", "api")
    )


def test_up_creates_then_removing_an_entry_deletes_it_through_the_checked_task(project: Project) -> None:
    two_certificates(project)
    project.up()
    certs = project.certificates()
    assert sorted(c["Alias"] for c in certs.values()) == ["api", "www"]
    ids = {name: out["id"] for name, out in project.outputs().items()}
    assert set(ids.values()) == set(certs)
    assert certs[ids["www"]]["Domain"] == "www.example.com"

    project.emu.admin("DELETE", "/_emulator/calls")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()

    assert set(project.certificates()) == {ids["www"]}
    calls = [c for c in project.emu.calls() if c["ErrorCode"] is None]
    deletes = [c for c in calls if c["Action"] == "DeleteCertificate"]
    assert [(d["Params"]["CertificateId"], d["Params"].get("IsCheckResource")) for d in deletes] == [
        (ids["api"], True)
    ]
    polls = [c for c in calls if c["Action"] == "DescribeDeleteCertificatesTaskResult"]
    assert polls and all(p["Seq"] > deletes[0]["Seq"] for p in polls)
    tasks = project.emu.admin("GET", "/_emulator/tasks")["Tasks"]
    assert [(t["CertId"], t["Status"]) for t in tasks] == [(ids["api"], 1)]
    assert set(project.state_resources()) == {"www"}


def test_bound_certificate_is_refused_kept_and_deleted_after_unbinding(project: Project) -> None:
    two_certificates(project)
    project.up()
    api_id = project.outputs()["api"]["id"]
    binding = {"CertificateId": api_id, "ResourceType": "clb", "ResourceId": "lb-7x3kq2"}
    project.emu.admin("POST", "/_emulator/bindings", binding)

    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    out = project.up_refused()
    assert "api" in out and api_id in out
    assert "lb-7x3kq2" in out  # the bound resource is named
    assert "still" in out.lower() and "bound" in out.lower()
    assert "Traceback" not in out  # an expected refusal: provider.host reports the message alone
    assert api_id in project.certificates()
    assert "api" in project.state_resources()

    project.emu.admin("DELETE", "/_emulator/bindings", binding)
    project.up()
    assert api_id not in project.certificates()
    assert set(project.state_resources()) == {"www"}


def test_alias_edit_updates_in_place_and_new_body_replaces(project: Project) -> None:
    two_certificates(project)
    project.up()
    before = project.outputs()

    two_certificates(project, www_alias="www-renamed")
    preview = project.cli("preview", "--diff")
    # Exactly the one field that changes, old value to new, on www alone (the stack outputs follow "--outputs:--").
    resources = preview.split("--outputs:--")[0]
    changed = [line.strip() for line in resources.splitlines() if "=>" in line or line.strip().startswith("[urn=")]
    assert changed[-2:] == [
        "[urn=urn:pulumi:e2e::tencent-ssl-e2e::pulumi-python:dynamic/tencentcloud:Certificate::www]",
        '~ alias: "www" => "www-renamed"',
    ], preview
    assert [line for line in changed if "=>" in line] == ['~ alias: "www" => "www-renamed"'], preview
    assert "~ 1 to update" in preview and "replace" not in preview, preview
    project.up()
    after = project.outputs()
    assert after["www"]["id"] == before["www"]["id"]  # same certificate, updated in place
    assert project.certificates()[after["www"]["id"]]["Alias"] == "www-renamed"

    old_body = (project.certs / "api.pem").read_text(encoding="utf-8")
    project.make_cert("api", "api.example.com")  # a new body and key
    new_body = (project.certs / "api.pem").read_text(encoding="utf-8")
    preview = project.cli("preview", "--diff")
    # api alone is replaced, for its body and key: the body's lines old to new, the key never shown.
    lines = [line.strip() for line in preview.split("--outputs:--")[0].splitlines()]
    start = lines.index("+-pulumi-python:dynamic/tencentcloud:Certificate: (replace)")
    assert lines[start + 1 : start + 4] == [
        f"[id={before['api']['id']}]",
        "[urn=urn:pulumi:e2e::tencent-ssl-e2e::pulumi-python:dynamic/tencentcloud:Certificate::api]",
        "~ certificate:",
    ], preview
    assert [line for line in lines if "(replace)" in line or line.startswith("~ ")] == [
        "+-pulumi-python:dynamic/tencentcloud:Certificate: (replace)",
        "~ certificate:",
        "~ private_key: [secret] => [secret]",
    ], preview
    assert [line[2:] for line in lines if line.startswith("- ")] == old_body.splitlines()[1:-1], preview
    assert [line[2:] for line in lines if line.startswith("+ ")] == new_body.splitlines()[1:-1], preview
    assert "+-1 to replace" in preview and "to update" not in preview, preview
    project.up()
    replaced = project.outputs()
    assert replaced["api"]["id"] != before["api"]["id"]
    assert set(project.certificates()) == {replaced["www"]["id"], replaced["api"]["id"]}


def test_preview_writes_nothing_and_names_the_changed_fields(project: Project) -> None:
    two_certificates(project)
    project.up()
    project.emu.admin("DELETE", "/_emulator/calls")

    project.write_stack(
        "defaults: {tags: {team: payments}}\ncertificates:\n" + upload_entry("www", "www2") + upload_entry("api", "api")
    )
    preview = project.cli("preview")
    assert "[diff: ~alias,tags]" in preview
    assert "[diff: ~tags]" in preview
    writes = [c["Action"] for c in project.emu.calls() if c["Action"] in WRITE_ACTIONS]
    assert writes == []


def test_refresh_drops_a_certificate_deleted_out_of_band(project: Project) -> None:
    two_certificates(project)
    project.up()
    api_id = project.outputs()["api"]["id"]
    # Someone deletes it in the console (a plain, unchecked delete, synchronous).
    with RawApi(project.emu) as console:
        console.ok("DeleteCertificate", {"CertificateId": api_id})
    project.cli("refresh", "--yes")
    assert set(project.state_resources()) == {"www"}


def test_destroy_empties_the_emulator_and_state_holds_no_plain_private_key(project: Project) -> None:
    two_certificates(project)
    project.up()
    state = project.cli("stack", "export")
    for key_pem in project.keys.values():
        body = "".join(key_pem.strip().splitlines()[1:-1])
        assert body[:64] not in state.replace("\\n", "")
        assert "PRIVATE KEY" not in state
    project.cli("destroy", "--yes")
    assert project.certificates() == {}


def test_rename_with_renamed_from_keeps_the_certificate(project: Project) -> None:
    two_certificates(project)
    project.up()
    www_id = project.outputs()["www"]["id"]

    # The entry `www` becomes `www-example-com`; its files keep their names.
    entry = upload_entry("www", "www").replace("      www:\n", "      www-example-com:\n", 1)
    project.write_stack(
        "defaults: {tags: {team: web}}\ncertificates:\n"
        + entry
        + "        renamed_from: [www]\n"
        + upload_entry("api", "api")
    )
    preview = project.cli("preview")
    assert "delete" not in preview and "replace" not in preview and "create" not in preview, preview
    project.up()
    assert project.outputs()["www-example-com"]["id"] == www_id
    assert www_id in project.certificates()
    assert set(project.state_resources()) == {"www-example-com", "api"}


def test_retain_keeps_the_certificate_in_the_cloud_when_its_entry_is_removed(project: Project) -> None:
    project.write_stack(
        "certificates:\n" + upload_entry("www", "www") + upload_entry("api", "api", "retain: true\n")
    )
    project.up()
    api_id = project.outputs()["api"]["id"]

    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    assert set(project.state_resources()) == {"www"}
    assert api_id in project.certificates()  # left in the cloud, no longer managed
    assert not [c for c in project.emu.calls() if c["Action"] == "DeleteCertificate"]


def test_adopt_and_free_certificates(project: Project) -> None:
    cert_pem, key_pem = make_cert("legacy.example.com")
    with RawApi(project.emu) as console:
        legacy_id = console.upload(cert_pem, key_pem, Alias="from the console")
    project.emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    project.write_stack(
        f"""\
        certificates:
          legacy:
            adopt: {legacy_id}
            alias: legacy
          shop:
            free: {{domain: shop.example.com, validation: DNS_AUTO}}
            alias: shop
        """
    )
    project.up()
    outputs = project.outputs()
    certs = project.certificates()
    assert outputs["legacy"]["id"] == legacy_id
    assert certs[legacy_id]["Alias"] == "legacy"  # adopted, then managed
    assert outputs["shop"]["domain"] == "shop.example.com"
    assert certs[outputs["shop"]["id"]]["Status"] == 1  # issued
    uploads = [c for c in project.emu.calls() if c["Action"] == "UploadCertificate"]
    assert len(uploads) == 1  # only the console's: adopting uploads nothing


def test_forced_replace_uploads_a_new_certificate_and_deletes_the_old(project: Project) -> None:
    two_certificates(project)
    project.up()
    old_id = project.outputs()["www"]["id"]
    urn = project.state_resources()["www"]["urn"]

    project.cli("up", "--yes", "--skip-preview", "--replace", urn)
    new_id = project.outputs()["www"]["id"]
    assert new_id != old_id
    certs = project.certificates()
    assert new_id in certs and old_id not in certs
    assert certs[new_id]["Alias"] == "www"
