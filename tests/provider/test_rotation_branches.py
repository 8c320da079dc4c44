"""provider.rotation's branches in-process, against the emulator over HTTP: a deploy record Tencent never creates
(UpdateCertificateInstance answering ``DeployRecordId 0`` until the rotation gives up), a failed record whose retry
fails again, a record Tencent refuses to retry, a rollback still running when the next run resumes, and a fault on
each of the rotation's own API actions (retried by the client, so the rotation carries on).

The engine's calls are made in its order (check, diff, the replacement's create, the old certificate's delete), on a
fake clock that also moves the emulator's (``tests/provider/conftest.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from provider.certificate import CertificateError, CertificateProvider
from provider.rules import DEPLOY_TAG
from provider.ssl import SslService
from provider.tencentcloud import Client
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import FakeTime, bound, called, create, ids, records, renewal, upload_inputs

pytestmark = pytest.mark.emulator

CLB = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80"}
CDN = {"ResourceType": "cdn", "ResourceId": "www.example.com"}


def in_use(emu: RunningEmulator, provider: CertificateProvider, *bindings: dict[str, str], **extra: Any) -> tuple[
    str, dict[str, Any], str
]:  # fmt: skip
    """Entry ``www``'s certificate bound to ``bindings``, then renewed: (old id, old outputs, new id)."""
    cert, key = make_cert("www.example.com")
    old, old_outs = create(provider, upload_inputs(cert, key, **extra))
    for binding in bindings:
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **binding})
    new, _ = renewal(provider, old, old_outs, **extra)
    return old, old_outs, new


def deletes(emu: RunningEmulator) -> list[dict[str, Any]]:
    return called(emu, "DeleteCertificate")


# -- UpdateCertificateInstance answering DeployRecordId 0: the record is "still being created" ------------------------


def test_a_deploy_record_never_created_gives_up_after_the_allowed_calls_and_deletes_nothing(
    emu: RunningEmulator, ssl: SslService, fake_time: FakeTime, provider: CertificateProvider
) -> None:
    old, old_outs, new = in_use(emu, provider, CLB)
    # Tencent keeps answering DeployRecordId 0 for longer than the rotation asks.
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 1000})
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError) as caught:
        provider.delete(old, old_outs)
    message = str(caught.value)
    assert message.startswith(f"www: Tencent Cloud did not create the deploy record moving certificate {old}'s")
    assert "kept answering DeployRecordId 0" in message and "Nothing was deleted; run `pulumi up` again" in message
    starts = called(emu, "UpdateCertificateInstance")
    # 30 calls: the rotation's own limit on "still being created" answers (provider/rotation.py, written here by hand
    # so that a changed limit shows up; Tencent documents none).
    assert len(starts) == 30, len(starts)
    assert all(c["Params"]["OldCertificateId"] == old and c["Params"]["CertificateId"] == new for c in starts)
    # Between the calls the rotation backed off, up to 10 s (the 30 calls fit well within the 600 s delete_timeout).
    assert max(fake_time.sleeps) == 10.0
    # Nothing deleted or moved, and no record written on the old certificate for a later run to resume.
    assert ids(emu) == {old, new} and bound(emu, old) == {"clb"} and records(emu) == []
    assert len(deletes(emu)) == 1  # the checked delete that was refused, never one after the failed rotation
    assert ssl.get_tags(old).get(DEPLOY_TAG) in (None, "none")

    # Once Tencent creates records again, the next run moves the CLB and deletes the old certificate.
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 1})
    provider.delete(old, old_outs)
    assert ids(emu) == {new} and bound(emu, new) == {"clb"}


def test_a_deploy_record_not_created_by_the_delete_timeout_gives_up_at_the_timeout(
    emu: RunningEmulator, fake_time: FakeTime, provider: CertificateProvider
) -> None:
    old, old_outs, new = in_use(emu, provider, CLB, delete_timeout=30.0)
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 1000})
    started = fake_time.now
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError, match="kept answering DeployRecordId 0"):
        provider.delete(old, old_outs)
    # The timeout ends the calls before the rotation's own limit does, and nothing waits past it.
    assert 2 <= len(called(emu, "UpdateCertificateInstance")) < 30  # the rotation's own limit, as above
    assert fake_time.now - started <= 30.0
    assert ids(emu) == {old, new} and bound(emu, old) == {"clb"}


def test_a_record_created_after_a_few_calls_is_the_one_recorded_and_waited_for(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new = in_use(emu, provider, CLB)
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 4})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert len(called(emu, "UpdateCertificateInstance")) == 5  # four "still creating" answers, then the record
    [record] = records(emu)
    assert any(f"moved 1 resource(s) from certificate {old} to {new} (deploy record {record['DeployRecordId']})"
               in line for line in lines), lines  # fmt: skip
    assert ids(emu) == {new} and bound(emu, new) == {"clb"}


# -- a failed (partly failed) record on the next run -------------------------------------------------------------------


def failed_rotation(emu: RunningEmulator, provider: CertificateProvider) -> tuple[str, dict[str, Any], str, int]:
    """A bound to a CLB and a CDN, renewed into B while CDN deploys fail: the record moves the CLB only (partly
    failed), the delete of A fails. (old, old outputs, new, record id)."""
    old, old_outs, new = in_use(emu, provider, CLB, CDN)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cdn": "domain not verified"}})
    with pytest.raises(CertificateError, match="failed for 1 resource"):
        provider.delete(old, old_outs)
    [record] = records(emu)
    assert bound(emu, old) == {"cdn"} and bound(emu, new) == {"clb"}
    return old, old_outs, new, int(record["DeployRecordId"])


def test_a_failed_record_whose_retry_fails_again_is_retried_again_by_the_next_run(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new, record = failed_rotation(emu, provider)
    assert ssl.get_tags(old)[DEPLOY_TAG] == f"{new}/{record}"
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError) as caught:
        provider.delete(old, old_outs)  # the CDN still fails
    message = str(caught.value)
    assert f"failed for 1 resource(s) (deploy record {record})" in message, message
    assert "CDN" in message and "domain not verified" in message and "retries the same deploy record" in message
    assert [c["Params"]["DeployRecordId"] for c in called(emu, "UpdateCertificateRecordRetry")] == [record]
    assert not called(emu, "UpdateCertificateInstance") and len(deletes(emu)) == 1  # the refused checked delete
    assert any(f"retrying the failed resources of deploy record {record}" in line for line in lines), lines
    assert ids(emu) == {old, new} and bound(emu, old) == {"cdn"} and bound(emu, new) == {"clb"}

    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert [c["Params"]["DeployRecordId"] for c in called(emu, "UpdateCertificateRecordRetry")] == [record]
    assert not called(emu, "UpdateCertificateInstance") and len(records(emu)) == 1
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn"}


def test_a_record_tencent_will_not_retry_gets_a_new_one(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new, record = failed_rotation(emu, provider)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    code = "FailedOperation.CertificateDeployRetryStatusInvalid"
    emu.admin("POST", "/_emulator/faults", {"Action": "UpdateCertificateRecordRetry", "Kind": "error", "Code": code})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert any(f"deploy record {record} cannot be retried ({code}); starting a new one" in line for line in lines)
    [start] = called(emu, "UpdateCertificateInstance")[-1:]
    assert start["Params"]["ResourceTypes"] == ["cdn"]  # only what the failed record left behind
    assert len(records(emu)) == 2
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn"}


def test_a_retry_refused_for_another_reason_fails_the_delete_naming_it(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    old, old_outs, new, record = failed_rotation(emu, provider)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    code = "FailedOperation.CertificateDeployHasPendingRecord"
    emu.admin("POST", "/_emulator/faults", {"Action": "UpdateCertificateRecordRetry", "Kind": "error", "Code": code})
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError) as caught:
        provider.delete(old, old_outs)
    message = str(caught.value)
    assert f"moving the resources bound to certificate {old} to its replacement failed" in message, message
    assert f"UpdateCertificateRecordRetry failed: {code}" in message and "Nothing was deleted" in message
    assert not called(emu, "UpdateCertificateInstance") and len(deletes(emu)) == 1  # the refused checked delete
    assert ids(emu) == {old, new} and bound(emu, old) == {"cdn"}
    # Nothing lost: the next run retries the same record.
    provider.delete(old, old_outs)
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn"} and len(records(emu)) == 1


# -- a rollback started after the record, still running when the next run resumes ---------------------------------


def test_a_rollback_still_running_is_waited_for_then_what_it_moved_back_gets_a_new_record(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    old, old_outs, new, record = failed_rotation(emu, provider)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}, "DeploySeconds": 40})
    rollback = ssl.roll_back_deploy(record)
    assert not any(d.finished for d in ssl.deploy_details(rollback))  # the CLB is on its way back
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    said = "\n".join(lines)
    assert f"waiting for deploy record {rollback}, started after record {record}" in said, said
    assert f"deploy record {record} ({old} -> {new}) was rolled back (record {rollback})" in said, said
    assert not called(emu, "UpdateCertificateRecordRetry")
    # Both resources were on the old certificate once the rollback ended: one new record moves them.
    [start] = {tuple(c["Params"]["ResourceTypes"]) for c in called(emu, "UpdateCertificateInstance")}
    assert start == ("cdn", "clb")
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn"}


@pytest.mark.parametrize("detail_status", [4, 5], ids=["rolled-back", "rollback-failed"])
def test_a_record_whose_own_details_were_rolled_back_gets_a_new_one_without_a_retry(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str], detail_status: int
) -> None:
    # Tencent reports the record's deployed CLB as rolled back (4) or rollback failed (5) on the record itself, with
    # no rollback record after it: the record is left alone, never retried, and a new one moves what is bound.
    old, old_outs, new, record = failed_rotation(emu, provider)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    rolled = emu.admin("POST", "/_emulator/deploys", {"DeployRecordId": record, "DetailStatus": detail_status})
    assert sorted(d["Status"] for d in rolled["Details"]) == [2, detail_status] and len(records(emu)) == 1
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    said = "\n".join(lines)
    assert f"deploy record {record} ({old} -> {new}) was rolled back; what is bound to {old} now gets" in said, said
    assert not called(emu, "UpdateCertificateRecordRetry")
    # A rolled-back CLB is on the old certificate again and moves with the CDN; a failed rollback left it on the new.
    moved = ("cdn", "clb") if detail_status == 4 else ("cdn",)
    assert {tuple(c["Params"]["ResourceTypes"]) for c in called(emu, "UpdateCertificateInstance")} == {moved}
    assert len(records(emu)) == 2
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn"}


# -- faults on the rotation's own actions -----------------------------------------------------------------------------

ROTATION_ACTIONS = (
    "UpdateCertificateInstance",
    "DescribeHostUpdateRecordDetail",
    "DescribeHostUpdateRecord",
    "UpdateCertificateRecordRetry",
)


@pytest.mark.parametrize("action", ROTATION_ACTIONS)
def test_a_transient_fault_on_a_rotation_action_is_retried(
    emu: RunningEmulator, ssl: SslService, client_attempts: int, provider: CertificateProvider, action: str
) -> None:
    old, old_outs, new, record = failed_rotation(emu, provider)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    bound_since = {"ResourceType": "waf", "ResourceId": "waf-1", "Region": "ap-guangzhou"}
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **bound_since})  # so a new record is started
    # On every attempt but the client's last.
    emu.admin("POST", "/_emulator/faults", {"Action": action, "Kind": "error", "Count": client_attempts - 1})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(old, old_outs)
    assert [c["Fault"] for c in called(emu, action) if c["Fault"]] == ["error"] * (client_attempts - 1)
    assert ids(emu) == {new} and bound(emu, new) == {"clb", "cdn", "waf"}
    assert [c["Params"]["DeployRecordId"] for c in called(emu, "UpdateCertificateRecordRetry") if not c["Fault"]] == [
        record
    ]


@pytest.fixture
def client_attempts(client: Client) -> int:
    """The attempts the tests' client makes per call, as its settings say (not guessed)."""
    return client.settings.max_attempts
