"""Rotation from recorded facts (provider.rotation, provider.handover) against the emulator, in-process: the engine's
calls made in its order (check, diff, create of the replacement, delete of the old certificate).

A replacement names the certificate it replaces (``pulumi:replaces``); the old one's delete moves what is bound to it
only to that certificate, resuming the deploy record its rotation wrote on it, read with its status.
"""

from __future__ import annotations

from typing import Any

import pytest

from provider.certificate import CertificateError, CertificateProvider, input_names
from provider.rules import DEPLOY_TAG, OWNER_TAG, REPLACES_TAG
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, checked, create, upload_inputs

pytestmark = pytest.mark.emulator

CLB = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80"}
CDN = {"ResourceType": "cdn", "ResourceId": "www.example.com"}


def renewal(
    provider: CertificateProvider, old: str, old_outs: dict[str, Any], **extra: Any
) -> tuple[str, dict[str, Any]]:
    """A new body for entry ``www``, as the engine runs it: check, diff (replace), then the replacement's create.

    Returns the new id and its state as the host hands it back: the inputs beneath the outputs.
    """
    cert, key = make_cert("www.example.com")
    news = checked(provider, upload_inputs(cert, key, **extra))
    assert provider.diff(old, old_outs, news).replaces
    result = provider.create(news)
    assert result.outs is not None
    return str(result.id), {**news, **result.outs}


def bind(emu: RunningEmulator, certificate_id: str, *bindings: dict[str, str]) -> None:
    for binding in bindings:
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": certificate_id, **binding})


def bound(emu: RunningEmulator, certificate_id: str) -> set[str]:
    rows = emu.admin("GET", "/_emulator/bindings")["Bindings"]
    return {row["ResourceType"] for row in rows if row["CertificateId"] == certificate_id}


def ids(emu: RunningEmulator) -> set[str]:
    return {str(c["CertificateId"]) for c in emu.certificates()}


def records(emu: RunningEmulator) -> list[dict[str, Any]]:
    return list(emu.admin("GET", "/_emulator/deploys")["Records"])


def called(emu: RunningEmulator, action: str) -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["Action"] == action]


def failed_rotation(
    emu: RunningEmulator, provider: CertificateProvider
) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    """A (bound to a CLB and a CDN) renewed into B while CDN deploys fail: the delete of A fails, A stays."""
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CLB, CDN)
    new, new_state = renewal(provider, old, old_outs)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    with pytest.raises(CertificateError, match="failed for 1 resource"):
        provider.delete(old, old_outs)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    assert bound(emu, old) == {"cdn"} and bound(emu, new) == {"clb"}
    return old, old_outs, new, new_state


def test_a_replacement_records_what_it_replaces_and_the_delete_moves_there(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    assert "replaces" not in old_outs and REPLACES_TAG not in ssl.get_tags(old)  # a first create replaces nothing
    bind(emu, old, CLB)
    new, new_state = renewal(provider, old, old_outs)
    assert new_state["replaces"] == old
    assert ssl.get_tags(new)[REPLACES_TAG] == old and ssl.get_tags(new)[OWNER_TAG] == OWNER
    provider.delete(old, old_outs)
    assert ids(emu) == {new}
    assert bound(emu, new) == {"clb"}
    [record] = records(emu)
    assert any(f"moved 1 resource(s) from certificate {old} to {new}" in line for line in lines), lines
    assert record["DeployRecordId"] > 0


def test_a_diff_that_does_not_replace_leaves_the_next_create_without_a_predecessor(
    ssl: SslService, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    news = checked(provider, upload_inputs(cert, key, alias="renamed"))
    assert not provider.diff(old, old_outs, news).replaces
    # A create of the same entry that no replacing diff announced (a preview's, a plain create) names nothing.
    other, other_key = make_cert("www.example.com")
    new, outs = create(provider, upload_inputs(other, other_key))
    assert "replaces" not in outs and REPLACES_TAG not in ssl.get_tags(new)


def test_a_removal_never_moves_resources_to_an_older_certificate_of_the_entry(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    # A was retained (removed from the stack, still marked with the entry's owner); B is the entry's new certificate,
    # created plainly. Removing B must not move B's load balancer to A.
    cert, key = make_cert("www.example.com")
    retained, _ = create(provider, upload_inputs(cert, key))
    cert, key = make_cert("www.example.com")
    current, outs = create(provider, upload_inputs(cert, key))
    bind(emu, current, CLB)
    with pytest.raises(CertificateError) as caught:
        provider.delete(current, outs)
    assert "still bound to cloud resources" in str(caught.value) and "lb-7x3kq2" in str(caught.value)
    assert not called(emu, "UpdateCertificateInstance")
    assert bound(emu, current) == {"clb"} and bound(emu, retained) == set()
    # A removal is not a replacement: nothing is said about a missing link to one.
    assert not any("no certificate records that it replaces" in line for line in lines), lines


def test_a_rolled_back_record_is_not_retried_and_what_is_bound_now_gets_a_new_record(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new, _ = failed_rotation(emu, provider)
    [first] = records(emu)
    assert ssl.get_tags(old)[DEPLOY_TAG] == f"{new}/{first['DeployRecordId']}"
    # What the failure message advises: roll the record back (the CLB returns to the old certificate).
    rollback = ssl.roll_back_deploy(first["DeployRecordId"])
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 10})
    assert all(d.status == 4 for d in ssl.deploy_details(rollback))  # rolled back (an API call brings time in)
    assert bound(emu, old) == {"clb", "cdn"}
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert not called(emu, "UpdateCertificateRecordRetry")
    assert bound(emu, new) == {"clb", "cdn"} and ids(emu) == {new}
    assert any(f"deploy record {first['DeployRecordId']}" in line and "rolled back" in line for line in lines)


def test_a_failed_record_is_retried_and_a_binding_added_since_gets_its_own_record(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN)
    new, _ = renewal(provider, old, old_outs)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    with pytest.raises(CertificateError, match="failed for 1 resource"):
        provider.delete(old, old_outs)
    [first] = records(emu)
    bind(emu, old, CLB)  # bound after the failed rotation
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert [c["Params"]["DeployRecordId"] for c in called(emu, "UpdateCertificateRecordRetry")] == [
        first["DeployRecordId"]
    ]
    # Only the CLB bound since gets a new record (UpdateCertificateInstance answers 0 once: "still creating").
    assert {tuple(c["Params"]["ResourceTypes"]) for c in called(emu, "UpdateCertificateInstance")} == {("clb",)}
    assert len(records(emu)) == 2
    assert bound(emu, new) == {"clb", "cdn"} and ids(emu) == {new}


def test_a_record_superseded_by_a_later_one_is_not_retried(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new, _ = failed_rotation(emu, provider)
    [first] = records(emu)
    # Someone tries the CDN again in the console, which fails too: a second record for the same pair.
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "still not verified"}})
    started = ssl.start_deploy(old, new, ["cdn"])
    while not started.record_id:  # DeployRecordId 0: "still creating, call again"
        started = ssl.start_deploy(old, new, ["cdn"])
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 10})
    assert not any(d.succeeded for d in ssl.deploy_details(started.record_id))
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    # Neither record is retried (the later one is not this stack's); the CDN still bound gets a record of its own.
    assert not called(emu, "UpdateCertificateRecordRetry")
    assert {tuple(c["Params"]["ResourceTypes"]) for c in called(emu, "UpdateCertificateInstance")} == {("cdn",)}
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn"}
    assert any(
        f"deploy record {first['DeployRecordId']}" in line and f"superseded by record {started.record_id}" in line
        for line in lines
    ), lines


def test_the_delete_uses_deploy_regions_from_the_current_stack_file(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, {**CLB, "Region": "ap-shanghai"})
    new, new_state = renewal(provider, old, old_outs)
    with pytest.raises(CertificateError) as caught:
        provider.delete(old, old_outs)
    message = str(caught.value)
    # The fix is named: the setting, the type, the regions searched.
    assert "deploy_regions" in message and "clb: ap-guangzhou" in message and "lb-7x3kq2" in message, message
    assert bound(emu, old) == {"clb"}
    # The next run: the stack file now lists the region; check sees it before the pending delete runs.
    regions = {"clb": ["ap-guangzhou", "ap-shanghai"]}
    news = checked(provider, upload_inputs(cert, key, deploy_regions=regions))
    provider.diff(new, new_state, news)
    provider.delete(old, old_outs)  # old_outs still say no deploy_regions
    last = called(emu, "UpdateCertificateInstance")[-1]["Params"]
    assert last["ResourceTypesRegions"] == [{"ResourceType": "clb", "Regions": ["ap-guangzhou", "ap-shanghai"]}]
    assert bound(emu, new) == {"clb"}


def test_a_pending_deletion_is_a_change_and_only_a_recorded_predecessor_is_reported(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    old, _, new, state = failed_rotation(emu, provider)
    news = {k: v for k, v in state.items() if k in input_names("upload") or k == "__provider"}  # the same inputs
    lines.clear()
    assert provider.diff(new, state, news).changes is True  # the pending deletion: `--expect-no-changes` fails
    assert any(f"certificate {old}, replaced by {new}, is still waiting to be deleted" in line for line in lines)
    assert "CDN www.example.com: domain not verified" in " ".join(lines)
    # A state without the recorded link (before it existed: a guessed `predecessor`) warns of nothing.
    lines.clear()
    legacy = {**{k: v for k, v in state.items() if k != "replaces"}, "predecessor": old}
    assert provider.diff(new, legacy, news).changes is False
    assert not any("waiting to be deleted" in line for line in lines), lines


def test_a_running_record_is_waited_for_again_not_started_twice(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 50})
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CLB)
    new, _ = renewal(provider, old, old_outs, delete_timeout=30.0)
    with pytest.raises(CertificateError, match="is still running at the delete_timeout"):
        provider.delete(old, old_outs)
    [record] = records(emu)
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert not called(emu, "UpdateCertificateInstance") and not called(emu, "UpdateCertificateRecordRetry")
    assert any(f"resuming deploy record {record['DeployRecordId']}" in line for line in lines), lines
    assert ids(emu) == {new} and bound(emu, new) == {"clb"}


def test_a_retained_entry_replaces_nothing(ssl: SslService, provider: CertificateProvider) -> None:
    # retain: true drops the old certificate from the state without deleting it: nothing is pending, nothing moves.
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key, retain=True))
    new, state = renewal(provider, old, old_outs, retain=True)
    assert "replaces" not in state and REPLACES_TAG not in ssl.get_tags(new)
    news = {k: v for k, v in state.items() if k in input_names("upload") or k == "__provider"}
    assert provider.diff(new, state, news).changes is False
