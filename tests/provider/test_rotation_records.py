"""Rotation from recorded facts (provider.rotation, provider.handover) against the emulator, in-process: the engine's
calls made in its order (check, diff, create of the replacement, delete of the old certificate).

A replacement names the certificate it replaces (``pulumi:replaces``); the old one's delete moves what is bound to it
only to that certificate, resuming the deploy record its rotation wrote on it, read with its status.
"""

from __future__ import annotations

from typing import Any

import pytest

from provider.certificate import CertificateError, CertificateProvider, input_names
from provider.ownership import names_identity, owner_token
from provider.rules import DEPLOY_TAG, NO_RECORD, OWNER_TAG, REPLACES_TAG, WAITING_TAG, waiting_mark
from provider.ssl import SslService
from provider.waiting import Timing
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, FakeTime, bound, called, checked, create, ids, records, renewal, upload_inputs

pytestmark = pytest.mark.emulator

CLB = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80"}
CDN = {"ResourceType": "cdn", "ResourceId": "www.example.com"}


def bind(emu: RunningEmulator, certificate_id: str, *bindings: dict[str, str]) -> None:
    for binding in bindings:
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": certificate_id, **binding})


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
    emu: RunningEmulator, ssl: SslService, fake_time: FakeTime, provider: CertificateProvider, lines: list[str]
) -> None:
    # A was retained (removed from the stack, still marked with the entry's owner); B is the entry's new certificate,
    # created plainly. Removing B must not move B's load balancer to A.
    cert, key = make_cert("www.example.com")
    retained, _ = create(provider, upload_inputs(cert, key))
    cert, key = make_cert("www.example.com")
    current, outs = create(provider, upload_inputs(cert, key))
    bind(emu, current, CLB)
    # The removal's run is another process, which never checked the entry (the file no longer declares it).
    timing = fake_time.timing()
    removal = CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)
    with pytest.raises(CertificateError) as caught:
        removal.delete(current, outs)
    assert "still bound to cloud resources" in str(caught.value) and "lb-7x3kq2" in str(caught.value)
    assert not called(emu, "UpdateCertificateInstance")
    assert bound(emu, current) == {"clb"} and bound(emu, retained) == set()
    # A removal is not a replacement: nothing is said about a missing link to one, and no certificate (the retained
    # one least of all) is offered as a link.
    assert not any("records that it replaces" in line for line in lines), lines
    assert "records that it replaces" not in str(caught.value) and retained not in str(caught.value)


def test_a_rolled_back_record_is_not_retried_and_what_is_bound_now_gets_a_new_record(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new, _ = failed_rotation(emu, provider)
    [first] = records(emu)
    assert ssl.get_tags(old)[DEPLOY_TAG] == f"{new}/{first['DeployRecordId']}"
    # With the record, the stack's waiting mark, which preview's one read filters on exactly.
    assert ssl.get_tags(old)[WAITING_TAG] == waiting_mark(str(old_outs["owner"]))
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
    # A state without the recorded link (before it existed: a guessed `predecessor`) names no successor for it; the
    # failed deletion the certificate is marked with is still reported, and still a change.
    lines.clear()
    legacy = {**{k: v for k, v in state.items() if k != "replaces"}, "predecessor": old}
    assert provider.diff(new, legacy, news).changes is True
    assert not any(f"replaced by {new}" in line for line in lines), lines
    assert any(f"certificate {old}, an earlier certificate of this entry, is still waiting" in line for line in lines)


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


def test_a_replacement_replaced_while_its_predecessor_is_pending_hands_the_pending_link_on(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # A's rotation onto B failed (A keeps its CDN); the entry is renewed again before A could be deleted: C replaces B
    # and takes A's pending deletion over, so A's CDN moves onto C, the entry's current certificate.
    old, old_outs, middle, middle_state = failed_rotation(emu, provider)
    current, current_state = renewal(provider, middle, middle_state)
    assert current_state["replaces"] == f"{middle},{old}"
    assert ssl.get_tags(current)[REPLACES_TAG] == f"{middle},{old}"
    provider.delete(middle, middle_state)  # B's CLB moves to C
    provider.delete(old, old_outs)  # A's CDN moves to C too
    assert ids(emu) == {current} and bound(emu, current) == {"clb", "cdn"}
    assert any(f"from certificate {old} to {current}" in line for line in lines), lines


def test_a_gone_predecessor_is_not_handed_on(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    middle, middle_state = renewal(provider, old, old_outs)
    provider.delete(old, old_outs)  # nothing bound: deleted at once
    current, current_state = renewal(provider, middle, middle_state)
    assert current_state["replaces"] == middle and ssl.get_tags(current)[REPLACES_TAG] == middle


def test_a_pending_deletion_whose_replacement_was_lost_says_how_to_link_the_current_certificate(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # B, which replaced A, is deleted outside Pulumi; a refresh drops it and the next run creates C with no diff, so
    # no link: A's delete says exactly how to record one, and once recorded by hand the CDN moves to C.
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN)
    middle, _ = renewal(provider, old, old_outs)
    ssl.delete_certificate(middle, check_resources=False)
    cert, key = make_cert("www.example.com")
    current, _ = create(provider, upload_inputs(cert, key))
    with pytest.raises(CertificateError) as caught:
        provider.delete(old, old_outs)
    message = str(caught.value)
    assert "still bound to cloud resources" in message and "CDN: www.example.com" in message, message
    assert f"the entry's newest certificate is {current}" in message, message
    assert f"tag that certificate pulumi:replaces={old}" in message, message
    assert bound(emu, old) == {"cdn"} and not called(emu, "UpdateCertificateInstance")
    ssl.change_tags(current, replace={REPLACES_TAG: old})  # what the message advises
    provider.delete(old, old_outs)
    assert bound(emu, current) == {"cdn"} and old not in ids(emu)


def test_the_pending_deletion_warning_reads_a_rolled_back_record_as_up_does(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, _, new, state = failed_rotation(emu, provider)
    [first] = records(emu)
    rollback = ssl.roll_back_deploy(first["DeployRecordId"])
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 10})
    assert all(d.status == 4 for d in ssl.deploy_details(rollback))
    news = {k: v for k, v in state.items() if k in input_names("upload") or k == "__provider"}
    lines.clear()
    assert provider.diff(new, state, news).changes is True
    warning = " ".join(line for line in lines if "waiting to be deleted" in line)
    assert f"deploy record {first['DeployRecordId']} was rolled back (record {rollback})" in warning, lines
    assert "failed for" not in warning, lines


def test_the_pending_deletion_warning_reads_details_rolled_back_in_place_as_up_does(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    # The record's own deployed detail reported rolled back (UpdateRecordDetail.Status 4), no rollback record.
    old, _, new, state = failed_rotation(emu, provider)
    [first] = records(emu)
    emu.admin("POST", "/_emulator/deploys", {"DeployRecordId": first["DeployRecordId"], "DetailStatus": 4})
    news = {k: v for k, v in state.items() if k in input_names("upload") or k == "__provider"}
    lines.clear()
    assert provider.diff(new, state, news).changes is True
    warning = " ".join(line for line in lines if "waiting to be deleted" in line)
    assert f"deploy record {first['DeployRecordId']} was rolled back: what is bound to {old} now gets" in warning, lines
    assert "failed for" not in warning and len(records(emu)) == 1, lines


def test_a_deploy_tag_naming_another_pairs_record_is_ignored_and_said_so(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # Another pair's record (X -> Y), forged into A's tag as if it were A's rotation onto B.
    cert, key = make_cert("www.example.com")
    other, _ = create(provider, upload_inputs(cert, key))
    bind(emu, other, CLB)
    cert, key = make_cert("www.example.com")
    target, _ = create(provider, upload_inputs(cert, key))
    started = ssl.start_deploy(other, target, ["clb"], {"clb": ["ap-guangzhou"]})
    while not started.record_id:
        started = ssl.start_deploy(other, target, ["clb"], {"clb": ["ap-guangzhou"]})
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN)
    new, state = renewal(provider, old, old_outs)
    ssl.change_tags(old, replace={DEPLOY_TAG: f"{new}/{started.record_id}"})
    news = {k: v for k, v in state.items() if k in input_names("upload") or k == "__provider"}
    lines.clear()
    provider.diff(new, state, news)
    assert any(f"deploy record {started.record_id} is not one moving {old} to {new}" in line for line in lines), lines
    lines.clear()
    provider.delete(old, old_outs)
    said = " ".join(lines)
    assert f"deploy record {started.record_id}, recorded on {old}, is not one moving {old} to {new}" in said, lines
    assert "belongs to other certificates" in said and "no longer exists;" not in said, lines
    assert bound(emu, new) == {"cdn"} and bound(emu, target) == {"clb"}


def later_run(
    provider: CertificateProvider, ssl: SslService, fake_time: FakeTime, lines: list[str]
) -> CertificateProvider:
    """A fresh provider process, as the next ``pulumi up`` starts one: nothing of ``provider``'s run is carried."""
    timing = Timing(sleep=fake_time.sleep, clock=fake_time.clock)
    return CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)


def test_up_replace_records_the_link_and_the_delete_moves_the_bindings(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # `pulumi up --replace`: the engine creates C without a diff (C's create learns no predecessor), then deletes A in
    # the same run: the delete records on C that it replaces A, moves A's CDN and CLB there and deletes A.
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN, CLB)
    news = checked(provider, upload_inputs(cert, key))  # the same files: only the forced replace
    made = provider.create(news)
    assert made.outs is not None and "replaces" not in made.outs
    current = str(made.id)
    assert current != old
    provider.delete(old, old_outs)
    assert old not in ids(emu)
    assert bound(emu, current) == {"cdn", "clb"}
    assert ssl.get_tags(current)[REPLACES_TAG] == old
    assert any(f"certificate {current} replaces {old}" in line for line in lines), lines


def test_up_replace_whose_delete_fails_leaves_the_link_for_the_next_run(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, fake_time: FakeTime, lines: list[str]
) -> None:
    # The delete after `up --replace` fails (the CDN deploy fails): the link stays on C, so the next run, which
    # creates nothing for the entry (no handover), still moves A's resources to C and deletes A.
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN)
    made = provider.create(checked(provider, upload_inputs(cert, key)))
    current = str(made.id)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    with pytest.raises(CertificateError, match="failed for 1 resource"):
        provider.delete(old, old_outs)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    assert ssl.get_tags(current)[REPLACES_TAG] == old
    later_run(provider, ssl, fake_time, lines).delete(old, old_outs)
    assert old not in ids(emu) and bound(emu, current) == {"cdn"}


def test_a_removal_in_the_run_that_creates_another_entry_links_nothing(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # One run removes www (bound) and creates api: different entries, so www's delete is a plain removal.
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN)
    cert, key = make_cert("api.example.com")
    api_owner = owner_token(names_identity("proj", "dev"), "api")
    api = checked(provider, {**upload_inputs(cert, key), "entry": "api", "alias": "api", "owner": api_owner})
    made = provider.create(api)
    with pytest.raises(CertificateError, match="still bound"):
        provider.delete(old, old_outs)
    assert REPLACES_TAG not in ssl.get_tags(str(made.id)) and bound(emu, old) == {"cdn"}


def test_a_failed_deletion_no_link_names_is_still_reported_and_a_change(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, fake_time: FakeTime, lines: list[str]
) -> None:
    # A replacement that recorded no link (made before links existed, or created afresh after a refresh dropped a
    # replacement deleted outside Pulumi): C names nothing, and A's delete, in a later run, is refused.
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key))
    bind(emu, old, CDN)
    cert, key = make_cert("www.example.com")
    news = checked(provider, upload_inputs(cert, key))
    made = provider.create(news)
    assert made.outs is not None and "replaces" not in made.outs
    current, state = str(made.id), {**news, **made.outs}
    provider = later_run(provider, ssl, fake_time, lines)
    with pytest.raises(CertificateError, match="still bound"):
        provider.delete(old, old_outs)
    tags = ssl.get_tags(old)
    assert tags[DEPLOY_TAG] == NO_RECORD and tags[WAITING_TAG] == waiting_mark(str(old_outs["owner"])) != ""
    lines.clear()
    assert provider.diff(current, state, news).changes is True  # `preview --expect-no-changes` fails
    assert any(f"certificate {old}, an earlier certificate of this entry, is still waiting" in line for line in lines)
    # Once it is gone, the next run (a new provider process) reports nothing any more.
    ssl.delete_certificate(old, check_resources=False)
    lines.clear()
    provider = CertificateProvider(service_factory=lambda: ssl, timing=Timing(), progress=lines.append)
    assert provider.diff(current, state, news).changes is False
    assert not any("waiting to be deleted" in line for line in lines), lines
