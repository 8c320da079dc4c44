"""Who may delete a certificate: adoption, renames, forced replacements and hand-overs between stacks.

Each scenario would delete a certificate that the state or another stack still manages without the ownership rule
(provider/ownership.py): every create marks its certificate with the entry's owner token and its own claim, and a
delete leaves in place a certificate whose marks name someone else. Everything runs through the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provider.rules import CLAIM_TAG
from provider.ssl import SslService
from provider.tencentcloud.client import Client
from provider.tencentcloud.config import ClientSettings
from provider.tencentcloud.credentials import Credentials
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.project import Project, upload_entry
from support.pulumi_cli import PulumiEnv, make_pulumi_env
from support.raw_api import RawApi

pytestmark = pytest.mark.e2e


def ownership(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="ownership", tried=tried, held=held)


@pytest.fixture
def console(api: RawApi) -> RawApi:
    """Someone using the API directly (the Tencent console, another tool)."""
    return api


@pytest.fixture
def other(tmp_path: Path, pulumi_bin: Path, emu: RunningEmulator) -> Project:
    """A second stack of the same project name and stack name, on another backend (another team's state)."""
    root = tmp_path / "other"
    root.mkdir()
    env: PulumiEnv = make_pulumi_env(root, pulumi_bin)
    return Project(root / "project", env, emu)


def existing_certificate(console: RawApi, cn: str = "legacy.example.com") -> str:
    cert_pem, key_pem = make_cert(cn)
    return console.upload(cert_pem, key_pem, Alias="from the console")


def deletes(project: Project) -> list[str]:
    """Certificates DeleteCertificate was called for, successfully."""
    return [
        c["Params"]["CertificateId"]
        for c in project.emu.calls()
        if c["Action"] == "DeleteCertificate" and c["ErrorCode"] is None
    ]


def adopt_entry(name: str, certificate_id: str, extra: str = "") -> str:
    return f"  {name}:\n    adopt: {certificate_id}\n" + "".join(f"    {line}\n" for line in extra.splitlines())


@ownership(
    "an upload entry switched to `adopt: <its own id>`",
    "preview says update, not replace; up keeps the certificate (no DeleteCertificate) and the state holds it as "
    "adopted, with no private key",
)
def test_switching_an_entry_to_adopt_its_own_id_is_an_update(project: Project) -> None:
    project.write_www_stack()
    project.up()
    www_id = project.outputs()["www"]["id"]

    project.write_stack("certificates:\n" + adopt_entry("www", www_id, "alias: www"))
    preview = project.cli("preview", "--diff")
    assert "replace" not in preview and "delete" not in preview, preview
    assert "update" in preview
    project.emu.admin("DELETE", "/_emulator/calls")
    project.up()
    assert www_id in project.certificates()
    assert deletes(project) == []
    state = project.state_resources()["www"]
    assert state["id"] == www_id and state["outputs"]["source"] == "adopt"
    assert "private_key" not in state["outputs"] and "certificate" not in state["outputs"]
    project.cli("preview", "--expect-no-changes")


@ownership(
    "an adopt entry renamed without renamed_from (the new name adopts the id, the old name is removed)",
    "the new entry takes the certificate over; the old entry's delete leaves it in place and says why; a later "
    "removal of the new entry deletes it",
)
def test_renaming_an_adopt_entry_without_renamed_from_keeps_the_certificate(project: Project, console: RawApi) -> None:
    legacy = existing_certificate(console)
    project.write_stack("certificates:\n" + adopt_entry("legacy", legacy))
    project.up()

    project.write_stack("certificates:\n" + adopt_entry("legacy-api", legacy))
    project.emu.admin("DELETE", "/_emulator/calls")
    out = project.up()
    assert legacy in project.certificates()
    assert deletes(project) == []
    assert set(project.state_resources()) == {"legacy-api"}
    assert "is not deleted" in out and "another entry of this stack" in out, out

    project.write_stack("certificates: {}\n")
    project.up()
    assert legacy not in project.certificates()  # the entry that manages it now can delete it


@ownership(
    "pulumi up --replace on an adopt entry (the create adopts the same id again)",
    "the old resource's delete sees the new claim and leaves the certificate in place",
)
def test_forced_replace_of_an_adoption_keeps_the_certificate(project: Project, console: RawApi) -> None:
    legacy = existing_certificate(console)
    project.write_stack("certificates:\n" + adopt_entry("legacy", legacy))
    project.up()
    urn = project.state_resources()["legacy"]["urn"]
    project.emu.admin("DELETE", "/_emulator/calls")
    out = project.cli("up", "--yes", "--skip-preview", "--replace", urn)
    assert legacy in project.certificates()
    assert deletes(project) == []
    assert "later create of this entry" in out, out
    assert project.outputs()["legacy"]["id"] == legacy


@ownership(
    "one certificate adopted by two stacks with the same project, stack and entry names on two backends",
    "the second adoption is refused naming the other stack and take_over; nothing changes in the cloud",
)
def test_a_certificate_another_stack_manages_is_not_adopted(project: Project, other: Project, console: RawApi) -> None:
    legacy = existing_certificate(console)
    project.write_stack("certificates:\n" + adopt_entry("legacy", legacy, "alias: mine"))
    project.up()

    other.write_stack("certificates:\n" + adopt_entry("legacy", legacy, "alias: theirs"))
    out = other.up_refused()
    assert "managed by another Pulumi stack" in out and "take_over: true" in out, out
    assert project.certificates()[legacy]["Alias"] == "mine"
    assert "legacy" not in other.state_resources()


@ownership(
    "a certificate released with retain: true, then adopted by another stack with take_over",
    "the hand-over works; the first stack's removal of an entry still holding it leaves it in place; only the new "
    "owner's removal deletes it",
)
def test_handing_a_certificate_to_another_stack(project: Project, other: Project, console: RawApi) -> None:
    legacy = existing_certificate(console)
    project.write_stack("certificates:\n" + adopt_entry("legacy", legacy, "retain: true"))
    project.up()
    project.write_stack("certificates: {}\n")
    project.up()  # released: out of the state, still in the cloud, still marked as this stack's
    assert legacy in project.certificates() and project.state_resources() == {}

    other.write_stack("certificates:\n" + adopt_entry("legacy", legacy))
    assert "take_over: true" in other.up_refused()
    other.write_stack(f"certificates:\n  legacy:\n    adopt: {{id: {legacy}, take_over: true}}\n    alias: moved\n")
    out = other.up()
    assert "taking over certificate" in out
    assert other.certificates()[legacy]["Alias"] == "moved"

    # The first stack adopts it again (take_over) and lets go: its delete must not remove the other's certificate.
    project.write_stack(f"certificates:\n  legacy:\n    adopt: {{id: {legacy}, take_over: true}}\n")
    project.up()
    other.write_stack("certificates: {}\n")
    out = other.up()
    assert legacy in other.certificates() and "another stack" in out, out
    project.write_stack("certificates: {}\n")
    project.up()
    assert legacy not in project.certificates()


@ownership(
    "a stack whose state was lost adopts its own certificates again, then removes one",
    "the adoption is refused without take_over (a new state is a new owner); with it, the removal deletes",
)
def test_a_new_state_is_a_new_owner(project: Project, other: Project) -> None:
    project.write_www_stack()
    project.up()
    www_id = project.outputs()["www"]["id"]
    # `other` has the same project, stack and entry names: exactly what a re-created state looks like.
    other.write_stack("certificates:\n" + adopt_entry("www", www_id))
    assert "managed by another Pulumi stack" in other.up_refused()
    other.write_stack(f"certificates:\n  www:\n    adopt: {{id: {www_id}, take_over: true}}\n")
    other.up()
    other.write_stack("certificates: {}\n")
    other.up()
    assert www_id not in other.certificates()


def edit_tag(project: Project, certificate_id: str, tag: str, value: str) -> None:
    """Change one tag of a certificate as the console does (ModifyResourceTags through the Tag API)."""
    settings = ClientSettings(endpoint=project.emu.url, rate_per_action=None)
    with Client(Credentials(project.emu.secret_id, project.emu.secret_key), settings) as api:
        SslService(api).change_tags(certificate_id, replace={tag: value})


@ownership(
    "entries www and keep up; www's pulumi:claim tag changed in the console; www removed from the file, reviewed, up; "
    "then the way out the message gives (adopt it again with take_over), then www removed once more",
    "the review (exit 0) and up agree: not deleted, counted with the kept certificates, not as a delete; both name "
    "the certificate, the entry, the changed mark and its value, and the two ways out (adopt with take_over, or "
    "delete it); up makes no DeleteCertificate call; the adoption with take_over manages it again and its removal "
    "deletes it",
)
def test_a_claim_changed_outside_the_stack_is_named_and_the_review_agrees_with_up(project: Project) -> None:
    for name in ("www", "keep"):
        project.make_cert(name, f"{name}.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www") + upload_entry("keep", "keep"))
    project.up()
    www = project.outputs()["www"]["id"]
    edit_tag(project, www, CLAIM_TAG, "c0ffee0ddba11")
    project.write_stack("certificates:\n" + upload_entry("keep", "keep"))
    project.emu.admin("DELETE", "/_emulator/calls")

    said = (
        f"{www} is not deleted: its ownership mark {CLAIM_TAG} was changed outside this stack: it is now "
        "'c0ffee0ddba11'"
    )
    advice = f"adopt: {{id: {www}, take_over: true}}"
    judged = project.review("--stack", project.stack)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert f"- `www` (retain `{www}`): {said}" in judged.stdout, judged.stdout
    # In the comment, Markdown punctuation from messages is escaped (take\_over renders as take_over).
    assert advice.replace("_", "\\_") in judged.stdout and f"DeleteCertificate --CertificateId {www}" in judged.stdout
    assert "**Plan:** 1 retained" in judged.stdout and "to delete" not in judged.stdout
    assert "This change deletes" not in judged.stdout
    reviewed = project.review("--stack", project.stack, "--format", "json")
    assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr
    document = json.loads(reviewed.stdout)
    assert (document["summary"]["delete"], document["summary"]["retain"], document["destructive"]) == (0, 1, False)
    assert advice in document["rows"][0]["preflight"]["notes"][0], document

    out = project.up()
    assert f"www: certificate {said}" in out and advice in out, out
    assert f"DeleteCertificate --CertificateId {www}" in out
    assert www in project.certificates() and deletes(project) == []
    assert set(project.state_resources()) == {"keep"}

    # The first way out: adopt it again, taking it over.
    project.write_stack(
        f"certificates:\n      www:\n        adopt: {{id: {www}, take_over: true}}\n" + upload_entry("keep", "keep")
    )
    project.up()
    assert project.outputs()["www"]["id"] == www
    project.write_stack("certificates:\n" + upload_entry("keep", "keep"))
    project.up()
    assert www not in project.certificates() and deletes(project) == [www]


@ownership(
    "entries www (retain: true) and keep up; www removed from the stack file, reviewed, up, up again; then www "
    "added back as the message says (`adopt: <id>`)",
    "the review (exit 0) and up both say that www's certificate stays in Tencent Cloud, unmanaged, with its id and how "
    "to adopt it again; no DeleteCertificate; the next up says nothing of it; the adoption manages it again",
)
def test_removing_a_retained_entry_names_the_certificate_left_and_how_to_adopt_it(project: Project) -> None:
    for name in ("www", "keep"):
        project.make_cert(name, f"{name}.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www", "retain: true\n") + upload_entry("keep", "keep"))
    project.up()
    www = project.outputs()["www"]["id"]
    project.write_stack("certificates:\n" + upload_entry("keep", "keep"))
    project.emu.admin("DELETE", "/_emulator/calls")

    judged = project.review("--stack", project.stack)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert f"- `www` (retain `{www}`): retained: {www} only leaves the stack's state and stays in Tencent Cloud" in (
        judged.stdout
    ), judged.stdout
    assert f"adopt it in an entry of this stack (`adopt: {www}`" in judged.stdout

    said = f"www: removed from the stack file with retain: true: certificate {www} stays in Tencent Cloud"
    out = project.up()
    assert said in out and f"(`adopt: {www}`;" in out, out
    assert www in project.certificates() and deletes(project) == []
    assert set(project.state_resources()) == {"keep"}
    again = project.up()
    assert said not in again, again  # told once, by the run that let it go

    project.write_stack(f"certificates:\n      www:\n        adopt: {www}\n" + upload_entry("keep", "keep"))
    project.up()
    assert project.outputs()["www"]["id"] == www and deletes(project) == []
