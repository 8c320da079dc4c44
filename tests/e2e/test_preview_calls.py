"""The API calls of `pulumi preview` through the real CLI: an unchanged stack of several certificates costs one read,
the listing of the certificates waiting to be deleted that every diff of the run shares, not one read per
certificate; a pending deletion still shows, with no more reads of the listing."""

from __future__ import annotations

from typing import Any

import pytest

from provider.rules import WAITING_TAG, waiting_mark
from support.project import CHANGES_PROPOSED, Project, upload_entry

pytestmark = pytest.mark.e2e

ENTRIES = ("www", "api", "mail", "shop", "blog", "docs")
CDN = {"ResourceType": "cdn", "ResourceId": "www.example.com"}


def waiting_listing(project: Project) -> tuple[str, list[dict[str, str]]]:
    """The one read an unchanged preview makes: the stack's certificates marked pulumi:waiting = the stack part of
    its owner marks (one exact value for every entry: never an empty, wildcard one), paged."""
    owners = {str(r["outputs"]["owner"]) for r in project.state_resources().values()}
    stacks = {waiting_mark(owner) for owner in owners}
    assert len(owners) == len(ENTRIES) and len(stacks) == 1 and "" not in stacks, owners
    return ("DescribeCertificates", [{"TagKey": WAITING_TAG, "TagValue": stacks.pop()}])


def several(project: Project, www: str = "") -> None:
    """The stack's certificates, ``www`` with the options ``www``."""
    for name in ENTRIES:
        project.make_cert(name, f"{name}.example.com")
    entries = "".join(upload_entry(name, name, www if name == "www" else "") for name in ENTRIES)
    project.write_stack("certificates:\n" + entries)
    project.up()


def run(project: Project, *args: str) -> tuple[int, str]:
    proc = project.pulumi.run(*args, "--stack", project.stack, cwd=project.dir, check=False)
    return proc.returncode, proc.stdout


def calls(project: Project) -> list[dict[str, Any]]:
    return list(project.emu.calls())


def test_an_unchanged_preview_of_several_certificates_makes_one_read(project: Project) -> None:
    several(project)
    project.emu.admin("DELETE", "/_emulator/calls")
    status, out = run(project, "preview", "--expect-no-changes")
    assert status == 0, out
    made = [(c["Action"], c["Params"].get("Tags")) for c in calls(project)]
    assert made == [waiting_listing(project)], made


def test_a_pending_deletion_among_several_certificates_shows_with_one_read_of_the_listing(project: Project) -> None:
    several(project, www="rotate: false\n")
    old = str(project.outputs()["www"]["id"])
    project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **CDN})
    urn = project.state_resources()["www"]["urn"]
    # A forced replacement of a bound certificate that is not to be rotated: its checked delete is refused, it waits
    # to be deleted, and no link in the state names it (the engine replaced it without a diff).
    status, out = run(project, "up", "--yes", "--skip-preview", "--replace", urn)
    assert status == 1 and "still bound" in out, out
    project.emu.admin("DELETE", "/_emulator/calls")

    status, out = run(project, "preview", "--expect-no-changes")
    assert status == CHANGES_PROPOSED, out
    assert f"certificate {old}" in out and "still waiting to be deleted" in out, out
    made = calls(project)
    listings = [(c["Action"], c["Params"].get("Tags")) for c in made if c["Action"] == "DescribeCertificates"]
    assert listings == [waiting_listing(project)], listings
    # Any other read is about the pending certificate itself, never one per certificate of the stack.
    others = [c for c in made if c["Action"] != "DescribeCertificates"]
    assert all(old in str(c["Params"]) for c in others), others
    assert not [c for c in made if not c["Action"].startswith("Describe")], made
