"""SslService against the emulator over real HTTP: every typed operation, its parsing and its exceptions."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterator

import pytest

from provider.ssl import (
    CertificateNotFound,
    CertificateStillBound,
    DeleteTask,
    DeleteTaskFailed,
    DeleteTaskStatus,
    DeletionTooSoon,
    ProjectChangeFailed,
    ResourceCheckTimedOut,
    ServiceRoleNotAuthorised,
    SslService,
    parse_tencent_time,
    tag_resource_name,
)
from provider.tencentcloud import ApiError, Client, ClientSettings, Credentials
from support.certs import fingerprint_sha1, make_ca, make_cert
from support.emulator import RunningEmulator

pytestmark = pytest.mark.emulator


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[Client]:
    # No client-side rate limit: the tests never wait on real time.
    settings = ClientSettings(endpoint=emu.url, rate_per_action=None)
    with Client(Credentials(emu.secret_id, emu.secret_key), settings) as api:
        yield api


@pytest.fixture
def ssl(client: Client) -> SslService:
    return SslService(client, region="ap-guangzhou")


def _upload(ssl: SslService, cn: str = "www.example.com", **kwargs: object) -> tuple[str, str, str]:
    cert, key = make_cert(cn, sans=[cn, "api.example.com"])
    cert_id = ssl.upload(public_key=cert, private_key=key, **kwargs).certificate_id  # type: ignore[arg-type]
    return cert_id, cert, key


def test_parse_tencent_time_is_gmt8_to_utc() -> None:
    assert parse_tencent_time("2019-08-13 11:08:20") == dt.datetime(2019, 8, 13, 3, 8, 20, tzinfo=dt.UTC)
    assert parse_tencent_time("2019-08-13 05:00:00").tzinfo is dt.UTC  # type: ignore[union-attr]
    for empty in (None, "", "0000-00-00 00:00:00", "garbage", 12):
        assert parse_tencent_time(empty) is None


def test_tag_resource_name_is_terraforms() -> None:
    assert tag_resource_name("GjTNRoK7", "ap-guangzhou") == "qcs::ssl:ap-guangzhou:uin/:certificate/GjTNRoK7"


def test_upload_and_describe_detail_are_typed(ssl: SslService, emu: RunningEmulator) -> None:
    cert_id, cert, _ = _upload(ssl, alias="www", project_id=7, tags={"env": "prod"})
    detail = ssl.describe_certificate_detail(cert_id)
    assert detail.certificate_id == cert_id
    assert detail.domain == "www.example.com"
    assert detail.domains == ("www.example.com", "api.example.com")
    assert detail.alias == "www"
    assert detail.project_id == 7 and isinstance(detail.project_id, int)  # a string in Tencent's reply
    assert detail.certificate_type == "SVR"
    assert detail.status == 1
    assert detail.source == "upload"
    assert detail.not_before is not None and detail.not_before.tzinfo == dt.UTC
    assert detail.not_after is not None and detail.not_after > detail.not_before
    assert detail.inserted_at is not None and detail.inserted_at.tzinfo == dt.UTC
    assert detail.fingerprint == fingerprint_sha1(cert)
    assert detail.public_key.strip() == cert.strip()
    assert detail.tags == {"env": "prod"}
    # The detail never carries the private key, so no repr or message can leak it.
    assert "PRIVATE KEY" not in repr(detail)
    upload = [c for c in emu.calls() if c["Action"] == "UploadCertificate"][0]
    assert upload["Params"]["Repeatable"] is True  # never adopt an identical certificate someone else uploaded
    assert upload["Params"]["CertificatePrivateKey"] == "***"


def test_upload_ca_certificate_without_key(ssl: SslService) -> None:
    ca = make_ca("Client CA")
    cert_id = ssl.upload(public_key=ca.cert_pem, private_key=None, certificate_type="CA").certificate_id
    assert ssl.describe_certificate_detail(cert_id).certificate_type == "CA"


def test_upload_rejection_is_an_api_error(ssl: SslService) -> None:
    cert, _ = make_cert("www.example.com")
    _, other_key = make_cert("other.example.com")
    with pytest.raises(ApiError) as caught:
        ssl.upload(public_key=cert, private_key=other_key)
    assert "PRIVATE KEY" not in str(caught.value)


def test_describe_missing_certificate_raises_not_found(ssl: SslService) -> None:
    with pytest.raises(CertificateNotFound) as caught:
        ssl.describe_certificate_detail("NoSuch01")
    assert caught.value.certificate_id == "NoSuch01"
    assert pickle.loads(pickle.dumps(caught.value)).certificate_id == "NoSuch01"


def test_find_certificates_by_tag_search_and_pages(ssl: SslService) -> None:
    ids = [_upload(ssl, f"h{i}.example.com", tags={"batch": "b1"})[0] for i in range(5)]
    other = _upload(ssl, "other.example.com", alias="zzz-marker", tags={"batch": "b2"})[0]
    found = ssl.find_certificates(tags={"batch": "b1"}, page_size=2)
    assert sorted(c.certificate_id for c in found) == sorted(ids)
    assert all(c.tags["batch"] == "b1" for c in found)
    assert [c.certificate_id for c in ssl.find_certificates(search_key="zzz-marker")] == [other]
    assert [c.certificate_id for c in ssl.find_certificates(certificate_ids=[ids[0]])] == [ids[0]]
    assert ssl.find_certificates(tags={"batch": "none"}) == []


def test_modify_alias_and_project(ssl: SslService) -> None:
    cert_id = _upload(ssl)[0]
    ssl.modify_alias(cert_id, "renamed")
    ssl.modify_project(cert_id, 3)
    detail = ssl.describe_certificate_detail(cert_id)
    assert (detail.alias, detail.project_id) == ("renamed", 3)
    ssl.modify_alias(cert_id, "")
    assert ssl.describe_certificate_detail(cert_id).alias == ""


def test_modify_on_missing_certificate(ssl: SslService) -> None:
    with pytest.raises(CertificateNotFound):
        ssl.modify_alias("NoSuch01", "x")
    # ModifyCertificateProject reports an unknown id in FailCertificates, with no error code.
    with pytest.raises(ProjectChangeFailed) as caught:
        ssl.modify_project("NoSuch01", 2)
    assert caught.value.project_id == 2


def test_tags_get_replace_delete(ssl: SslService, emu: RunningEmulator) -> None:
    cert_id = _upload(ssl, tags={"a": "1", "b": "2"})[0]
    assert ssl.get_tags(cert_id) == {"a": "1", "b": "2"}
    emu.admin("DELETE", "/_emulator/calls")
    ssl.replace_tags(cert_id, {"a": "1", "c": "3"})
    assert ssl.get_tags(cert_id) == {"a": "1", "c": "3"}
    modify = [c for c in emu.calls() if c["Action"] == "ModifyResourceTags"]
    assert len(modify) == 1
    assert modify[0]["Params"]["Resource"] == f"qcs::ssl:ap-guangzhou:uin/:certificate/{cert_id}"
    assert modify[0]["Params"]["ReplaceTags"] == [{"TagKey": "c", "TagValue": "3"}]
    assert modify[0]["Params"]["DeleteTags"] == [{"TagKey": "b"}]
    emu.admin("DELETE", "/_emulator/calls")
    ssl.replace_tags(cert_id, {"a": "1", "c": "3"})
    assert not [c for c in emu.calls() if c["Action"] == "ModifyResourceTags"]  # nothing to change, no call


def test_many_tags_are_changed_in_batches_of_ten(ssl: SslService, emu: RunningEmulator) -> None:
    cert_id = _upload(ssl)[0]
    wanted = {f"k{i:02}": str(i) for i in range(25)}
    ssl.replace_tags(cert_id, wanted)
    assert ssl.get_tags(cert_id) == wanted
    assert len([c for c in emu.calls() if c["Action"] == "ModifyResourceTags"]) == 3


def test_tags_of_many_certificates_are_read_fifty_ids_a_call_every_page(ssl: SslService, emu: RunningEmulator) -> None:
    # Two certificates with 30 tags each (rows past one 50-row page), and 51 ids with a missing one: two calls' worth
    # of ids, the first paged.
    tagged = [_upload(ssl, cn=f"t{i}.example.com")[0] for i in range(2)]
    for cert_id in tagged:
        ssl.replace_tags(cert_id, {f"{cert_id}-{k:02}": str(k) for k in range(30)})
    plain = [_upload(ssl, cn=f"p{i}.example.com")[0] for i in range(48)]
    emu.admin("DELETE", "/_emulator/calls")
    got = ssl.get_tags_of([*tagged, *plain, "gone0000"])
    assert got == {
        **{cert_id: {f"{cert_id}-{k:02}": str(k) for k in range(30)} for cert_id in tagged},
        **{cert_id: {} for cert_id in plain},
        "gone0000": {},
    }
    reads = [c["Params"] for c in emu.calls() if c["Action"] == "DescribeResourceTagsByResourceIds"]
    assert [len(p["ResourceIds"]) for p in reads] == [50, 50, 1] and [p["Offset"] for p in reads] == [0, 50, 0]


def test_synchronous_delete(ssl: SslService, emu: RunningEmulator) -> None:
    cert_id = _upload(ssl)[0]
    outcome = ssl.delete_certificate(cert_id, check_resources=False)
    assert outcome.deleted and outcome.task_id is None
    with pytest.raises(CertificateNotFound):
        ssl.delete_certificate(cert_id, check_resources=False)


def test_checked_delete_returns_a_task_and_reuses_a_running_one(ssl: SslService, emu: RunningEmulator) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 30, "SignatureClock": "real"})
    cert_id = _upload(ssl)[0]
    first = ssl.delete_certificate(cert_id)
    assert not first.deleted and first.task_id
    assert ssl.delete_certificate(cert_id).task_id == first.task_id  # still running: the same task
    task = ssl.describe_delete_tasks([first.task_id])[first.task_id]
    assert task.running and task.status == DeleteTaskStatus.RUNNING and task.certificate_id == cert_id
    assert task.failure() is None
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 31})
    task = ssl.describe_delete_tasks([first.task_id])[first.task_id]
    assert task.status == DeleteTaskStatus.DELETED and not task.running and task.failure() is None
    with pytest.raises(CertificateNotFound):
        ssl.describe_certificate_detail(cert_id)
    assert ssl.describe_delete_tasks(["NoTask01"]) == {}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (2, DeleteTaskFailed),
        (3, ServiceRoleNotAuthorised),
        (4, CertificateStillBound),
        (5, ResourceCheckTimedOut),
    ],
)
def test_task_failures_map_to_exceptions(ssl: SslService, emu: RunningEmulator, status: int, kind: type) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0, "DeleteTaskOutcome": status})
    cert_id = _upload(ssl)[0]
    task_id = ssl.delete_certificate(cert_id).task_id
    assert task_id
    task = ssl.describe_delete_tasks([task_id])[task_id]
    assert task.status == status
    failure = task.failure()
    assert isinstance(failure, kind)
    assert failure.task_id == task_id and failure.certificate_id == cert_id
    assert ssl.describe_certificate_detail(cert_id).certificate_id == cert_id  # still there


def test_bound_certificate_task_and_deployed_resources(ssl: SslService, emu: RunningEmulator) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    cert_id = _upload(ssl)[0]
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-1"})
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "cdn", "ResourceId": "a.com"})
    task_id = ssl.delete_certificate(cert_id).task_id
    assert task_id
    assert ssl.describe_delete_tasks([task_id])[task_id].status == DeleteTaskStatus.STILL_BOUND
    deployed = {(r.resource_type, r.resources) for r in ssl.describe_deployed_resources([cert_id])}
    assert deployed == {("clb", ("lb-1",)), ("cdn", ("a.com",))}


def test_unknown_task_status_is_a_failure() -> None:
    failure = DeleteTask("t", "c", 42, "odd", ()).failure()
    assert isinstance(failure, DeleteTaskFailed) and "42" in failure.reason


def test_free_certificate_apply_issue_and_too_soon_delete(ssl: SslService, emu: RunningEmulator) -> None:
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 60, "SignatureClock": "real"})
    cert_id = ssl.apply_certificate(domain="shop.example.com", validation="DNS", alias="shop")
    detail = ssl.describe_certificate_detail(cert_id)
    assert detail.status == 0 and detail.alias == "shop" and detail.domain == "shop.example.com"
    assert detail.dv_auths and detail.dv_auths[0].value and detail.dv_auths[0].verify_type == "DNS"
    with pytest.raises(DeletionTooSoon) as caught:
        ssl.delete_certificate(cert_id)
    assert caught.value.earliest is not None
    assert detail.inserted_at is not None
    assert caught.value.earliest == detail.inserted_at + dt.timedelta(hours=1)
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 61})
    assert ssl.describe_certificate_detail(cert_id).status == 1
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 3600})
    assert ssl.delete_certificate(cert_id, check_resources=False).deleted
