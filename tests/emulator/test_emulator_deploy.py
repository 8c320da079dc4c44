"""One-click certificate updates over HTTP: records created asynchronously, deploys that take emulator time and move
the admin bindings, repeated calls, regions, failures and hangs, retry and rollback."""

from __future__ import annotations

import httpx
import pytest

from support.certs import make_cert

pytestmark = pytest.mark.emulator


def bind(emu, cert_id, kind, resource, region=None):
    body = {"CertificateId": cert_id, "ResourceType": kind, "ResourceId": resource}
    if region:
        body["Region"] = region
    emu.admin("POST", "/_emulator/bindings", body)


def bindings(emu):
    """``{(type, id): certificate id}`` of every binding."""
    return {
        (b["ResourceType"], b["ResourceId"]): b["CertificateId"]
        for b in emu.admin("GET", "/_emulator/bindings")["Bindings"]
    }


def pair(api, domain="deploy.example.com"):
    """An old and a new certificate for the same domain."""
    return api.upload(*make_cert(domain)), api.upload(*make_cert(domain))


def advance(emu, seconds):
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": seconds})


def detail(api, record_id, **params):
    return api.ok("DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id), **params})


def statuses(api, record_id):
    """``{(type, instance id): Status}`` of a record's details."""
    response = detail(api, record_id, Limit="200")
    return {(d["ResourceType"], d["InstanceId"]): d["Status"] for g in response["RecordDetailList"] for d in g["List"]}


def create(api, request):
    """Call UpdateCertificateInstance until the record exists, as Tencent asks callers to; its id."""
    for _ in range(10):
        response = api.ok("UpdateCertificateInstance", request)
        if response["DeployRecordId"]:
            return response["DeployRecordId"]
    raise AssertionError("DeployRecordId stayed 0")


@pytest.fixture
def slow(emu):
    """Deploys take 100 s of emulator time; requests are signed with the host clock while the emulator's moves."""
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 100, "SignatureClock": "real"})


def test_the_record_is_created_asynchronously_then_moves_bindings_as_time_passes(api, emu, slow):
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1|lbl-1")
    bind(emu, old, "clb", "lb-2")
    bind(emu, old, "cdn", "deploy.example.com")
    bind(emu, old, "waf", "waf-1")  # a type the update does not ask for
    request = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "cdn"]}

    first = api.ok("UpdateCertificateInstance", request)
    assert (first["DeployRecordId"], first["DeployStatus"]) == (0, 0)
    clb, cdn = first["UpdateSyncProgress"]
    assert clb == {"ResourceType": "clb", "Status": 0, "UpdateSyncProgressRegions": [
        {"Region": "ap-guangzhou", "TotalCount": 2, "OffsetCount": 0, "Status": 0}]}  # fmt: skip
    assert cdn["UpdateSyncProgressRegions"] == [{"Region": None, "TotalCount": 1, "OffsetCount": 0, "Status": 0}]
    assert api.ok("DescribeHostUpdateRecord", {})["TotalCount"] == 0

    second = api.ok("UpdateCertificateInstance", request)
    record_id = second["DeployRecordId"]
    assert record_id > 0 and second["DeployStatus"] == 1
    assert [p["Status"] for p in second["UpdateSyncProgress"]] == [1, 1]

    (info,) = api.ok("DescribeHostUpdateRecord", {"OldCertificateId": old})["DeployRecordList"]
    assert (info["Id"], info["CertId"], info["OldCertId"], info["Status"]) == (record_id, new, old, 0)
    assert info["ResourceTypes"] == ["clb", "cdn"] and info["Regions"] == ["ap-guangzhou"]
    response = detail(api, record_id)
    assert (response["TotalCount"], response["PendingTotalCount"], response["RunningTotalCount"]) == (3, 3, 0)
    (clb_group, cdn_group) = response["RecordDetailList"]
    assert clb_group["ResourceType"] == "clb" and clb_group["TotalCount"] == 2
    first_lb = clb_group["List"][0]
    assert (first_lb["InstanceId"], first_lb["ListenerId"], first_lb["Region"]) == ("lb-1", "lbl-1", "ap-guangzhou")
    assert first_lb["CertId"] == new and first_lb["OldCertId"] == old and first_lb["Domains"] == ["deploy.example.com"]
    assert cdn_group["List"][0]["Region"] is None

    advance(emu, 60)  # past half of DeploySeconds: deploying
    assert set(statuses(api, record_id).values()) == {3}
    assert detail(api, record_id)["RunningTotalCount"] == 3
    assert bindings(emu)[("clb", "lb-2")] == old

    advance(emu, 60)
    assert set(statuses(api, record_id).values()) == {1}
    assert detail(api, record_id)["SuccessTotalCount"] == 3
    assert api.ok("DescribeHostUpdateRecord", {})["DeployRecordList"][0]["Status"] == 1
    assert bindings(emu) == {("clb", "lb-1|lbl-1"): new, ("clb", "lb-2"): new, ("cdn", "deploy.example.com"): new,
                             ("waf", "waf-1"): old}  # fmt: skip
    deployed = api.ok("DescribeDeployedResources", {"CertificateIds": [old, new], "ResourceType": "clb"})
    assert [(d["CertificateId"], d["Count"]) for d in deployed["DeployedResources"]] == [(old, 0), (new, 2)]


def test_the_old_certificate_can_be_deleted_once_its_resources_moved(api, emu, slow):
    old, new = pair(api)
    bind(emu, old, "cdn", "deploy.example.com")
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["cdn"]})
    task_id = api.ok("DeleteCertificate", {"CertificateId": old, "IsCheckResource": True})["TaskId"]
    (task,) = api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": [task_id]})["DeleteTaskResult"]
    assert task["Status"] == 4  # still bound while the deploy runs
    advance(emu, 150)
    assert statuses(api, record_id) == {("cdn", "deploy.example.com"): 1}
    task_id = api.ok("DeleteCertificate", {"CertificateId": old, "IsCheckResource": True})["TaskId"]
    (task,) = api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": [task_id]})["DeleteTaskResult"]
    assert task["Status"] == 1
    # The records outlive the deleted certificate.
    assert api.ok("DescribeHostUpdateRecord", {"OldCertificateId": old})["TotalCount"] == 1


def test_a_repeated_call_gets_the_existing_record_back(api, emu, slow):
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    request = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb"]}
    record_id = create(api, request)
    again = api.ok("UpdateCertificateInstance", {**request, "ResourceTypes": ["clb", "clb"]})
    assert (again["DeployRecordId"], again["DeployStatus"], again["UpdateSyncProgress"]) == (record_id, 0, None)
    advance(emu, 150)
    done = api.ok("UpdateCertificateInstance", request)
    assert (done["DeployRecordId"], done["DeployStatus"]) == (record_id, 1)
    assert api.ok("DescribeHostUpdateRecord", {})["TotalCount"] == 1
    # The old certificate has a clb resource again: the same request is new work, so a new record.
    bind(emu, old, "clb", "lb-7")
    assert create(api, request) not in (0, record_id)


def test_how_many_calls_answer_zero_is_a_setting(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 0})
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    bind(emu, old, "clb", "lb-2")
    request = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb"]}
    assert api.ok("UpdateCertificateInstance", request)["DeployRecordId"] > 0

    other = api.upload(*make_cert("deploy.example.com"))
    bind(emu, other, "clb", "lb-3")
    bind(emu, other, "clb", "lb-4")
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 2})
    request = {"OldCertificateId": other, "CertificateId": new, "ResourceTypes": ["clb"]}
    offsets = []
    for _ in range(2):
        response = api.ok("UpdateCertificateInstance", request)
        assert response["DeployRecordId"] == 0
        offsets.append(response["UpdateSyncProgress"][0]["UpdateSyncProgressRegions"][0]["OffsetCount"])
    assert offsets == [0, 1]
    assert api.ok("UpdateCertificateInstance", request)["DeployRecordId"] > 0


def test_deploy_seconds_zero_finishes_with_the_creating_call(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0, "DeployCreateCalls": 0})
    old, new = pair(api)
    bind(emu, old, "tke", "cls-1|default|tls-secret")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["tke"]})
    (group,) = detail(api, record_id)["RecordDetailList"]
    (tke,) = group["List"]
    assert (tke["Status"], tke["Namespace"], tke["SecretName"]) == (1, "default", "tls-secret")
    assert bindings(emu) == {("tke", "cls-1|default|tls-secret"): new}


def test_regions_select_the_resources_of_a_regional_type(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0})
    old, new = pair(api)
    bind(emu, old, "clb", "lb-gz")  # the emulator's region, ap-guangzhou
    bind(emu, old, "clb", "lb-sh", region="ap-shanghai")
    bind(emu, old, "cdn", "deploy.example.com")
    request = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "cdn"],
               "ResourceTypesRegions": [{"ResourceType": "clb", "Regions": ["ap-shanghai"]},
                                        {"ResourceType": "cdn", "Regions": ["ap-beijing"]}]}  # fmt: skip
    record_id = create(api, request)
    # cdn has no regions: its entry changes nothing; clb only reaches Shanghai.
    assert statuses(api, record_id) == {("clb", "lb-sh"): 1, ("cdn", "deploy.example.com"): 1}
    assert bindings(emu)[("clb", "lb-gz")] == old
    info = api.ok("DescribeHostUpdateRecord", {"CertificateId": new})["DeployRecordList"][0]
    assert info["Regions"] == ["ap-shanghai"]
    error = api.error("UpdateCertificateInstance", {**request, "ResourceTypesRegions": [{"ResourceType": "clb"}]})
    assert error["Code"] == "InvalidParameter.RegionNotEmpty"


def test_a_failing_resource_type_keeps_its_binding_until_a_retry_succeeds(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0, "DeployFailures": {"clb": "listener lbl-1 busy"}})
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    bind(emu, old, "cdn", "deploy.example.com")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "cdn"]})
    response = detail(api, record_id)
    assert (response["SuccessTotalCount"], response["FailedTotalCount"]) == (1, 1)
    clb = response["RecordDetailList"][0]["List"][0]
    assert (clb["Status"], clb["ErrorMsg"]) == (2, "listener lbl-1 busy")
    assert api.ok("DescribeHostUpdateRecord", {})["DeployRecordList"][0]["Status"] == 2
    assert bindings(emu) == {("clb", "lb-1"): old, ("cdn", "deploy.example.com"): new}

    api.ok("UpdateCertificateRecordRetry", {"DeployRecordId": record_id})  # fails again: the setting holds
    assert statuses(api, record_id)[("clb", "lb-1")] == 2
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    assert api.ok("UpdateCertificateRecordRetry", {"DeployRecordDetailId": clb["Id"]}) == {
        "RequestId": api.emu.calls()[-1]["RequestId"]}  # fmt: skip
    assert statuses(api, record_id) == {("clb", "lb-1"): 1, ("cdn", "deploy.example.com"): 1}
    assert bindings(emu)[("clb", "lb-1")] == new
    error = api.error("UpdateCertificateRecordRetry", {"DeployRecordId": record_id})
    assert error["Code"] == "FailedOperation.CertificateDeployRetryStatusInvalid"


def test_a_hanging_resource_type_stays_deploying(api, emu, slow):
    emu.admin("PUT", "/_emulator/settings", {"DeployHangs": ["cdn"]})
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    bind(emu, old, "cdn", "deploy.example.com")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "cdn"]})
    advance(emu, 250)
    assert statuses(api, record_id) == {("clb", "lb-1"): 1, ("cdn", "deploy.example.com"): 3}
    assert detail(api, record_id)["RunningTotalCount"] == 1
    assert api.ok("DescribeHostUpdateRecord", {})["DeployRecordList"][0]["Status"] == 3
    assert bindings(emu)[("cdn", "deploy.example.com")] == old
    another = {
        "OldCertificateId": old,
        "CertificateId": api.upload(*make_cert("x.example.com")),
        "ResourceTypes": ["cdn"],
    }
    for action, params, code in (
        ("UpdateCertificateRecordRollback", {"DeployRecordId": record_id},
         "FailedOperation.CertificateDeployDetailRollbackStatusInvalid"),
        ("UpdateCertificateRecordRetry", {"DeployRecordId": record_id},
         "FailedOperation.CertificateDeployHasPendingRecord"),
        ("UpdateCertificateInstance", another, "FailedOperation.CertificateDeployHasPendingRecord"),
    ):  # fmt: skip
        assert api.error(action, params)["Code"] == code, action
    emu.admin("PUT", "/_emulator/settings", {"DeployHangs": []})
    assert statuses(api, record_id)[("cdn", "deploy.example.com")] == 1
    assert bindings(emu)[("cdn", "deploy.example.com")] == new


def test_rollback_moves_deployed_resources_back(api, emu, slow):
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    bind(emu, old, "waf", "waf-1")
    request = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "waf"]}
    record_id = create(api, request)
    advance(emu, 150)
    rollback_id = api.ok("UpdateCertificateRecordRollback", {"DeployRecordId": record_id})["DeployRecordId"]
    assert rollback_id not in (0, record_id)
    assert set(statuses(api, rollback_id).values()) == {0}
    error = api.error("UpdateCertificateRecordRollback", {"DeployRecordId": record_id})
    assert error["Code"] == "FailedOperation.CertificateDeployHasPendingRecord"
    advance(emu, 150)
    assert set(statuses(api, rollback_id).values()) == {4}
    assert detail(api, rollback_id)["SuccessTotalCount"] == 2
    listed = {r["Id"]: r["Status"] for r in api.ok("DescribeHostUpdateRecord", {})["DeployRecordList"]}
    assert listed == {rollback_id: 4, record_id: 1}
    assert set(bindings(emu).values()) == {old}
    rows = {r["DeployRecordId"]: r for r in emu.admin("GET", "/_emulator/deploys")["Records"]}
    assert (rows[rollback_id]["Kind"], rows[rollback_id]["RollbackOf"]) == ("rollback", record_id)
    assert (rows[record_id]["Kind"], rows[record_id]["RolledBackBy"]) == ("update", rollback_id)
    assert [d["ResourceId"] for d in rows[rollback_id]["Details"]] == ["lb-1", "waf-1"]
    for target in (record_id, rollback_id):  # already rolled back; a rollback is not rolled back
        error = api.error("UpdateCertificateRecordRollback", {"DeployRecordId": target})
        assert error["Code"] == "FailedOperation.CertificateDeployRollbackStatusInvalid"
    # Rolled back, the same update is new work again.
    assert create(api, request) not in (record_id, rollback_id)


def test_a_failed_rollback_can_be_retried(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0})
    old, new = pair(api)
    bind(emu, old, "cos", "bucket-1250000000")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["cos"]})
    assert detail(api, record_id)["RecordDetailList"][0]["List"][0]["Bucket"] == "bucket-1250000000"
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"cos": ""}})
    rollback_id = api.ok("UpdateCertificateRecordRollback", {"DeployRecordId": record_id})["DeployRecordId"]
    (cos,) = detail(api, rollback_id)["RecordDetailList"][0]["List"]
    assert cos["Status"] == 5 and "Rolling back" in cos["ErrorMsg"]
    assert api.ok("DescribeHostUpdateRecord", {"CertificateId": new})["DeployRecordList"][0]["Status"] == 5
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    api.ok("UpdateCertificateRecordRetry", {"DeployRecordId": rollback_id})
    assert statuses(api, rollback_id) == {("cos", "bucket-1250000000"): 4}
    assert bindings(emu) == {("cos", "bucket-1250000000"): old}


def test_a_record_with_nothing_deployed_cannot_be_rolled_back(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0, "DeployFailures": {"clb": "no"}})
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb"]})
    error = api.error("UpdateCertificateRecordRollback", {"DeployRecordId": record_id})
    assert error["Code"] == "FailedOperation.CertificateDeployRollbackStatusInvalid"


def test_a_resource_unbound_during_the_deploy_has_nothing_to_deploy(api, emu, slow):
    old, new = pair(api)
    bind(emu, old, "live", "live.example.com")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["live"]})
    emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": old})
    advance(emu, 150)
    (live,) = detail(api, record_id)["RecordDetailList"][0]["List"]
    assert live["Status"] == 6 and "nothing to deploy" in live["ErrorMsg"]
    assert bindings(emu) == {}


def test_a_pem_pair_is_uploaded_when_the_record_is_created(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0})
    old = api.upload(*make_cert("deploy.example.com"))
    bind(emu, old, "cdn", "deploy.example.com")
    cert, key = make_cert("deploy.example.com", ["deploy.example.com", "www.deploy.example.com"], key_type="ec")
    request = {"OldCertificateId": old, "CertificatePublicKey": cert, "CertificatePrivateKey": key,
               "ResourceTypes": ["cdn"], "ExpiringNotificationSwitch": 1, "Repeatable": False,
               "AllowDownload": False, "Tags": [{"TagKey": "team", "TagValue": "edge"}], "ProjectId": 4}  # fmt: skip
    assert api.ok("UpdateCertificateInstance", request)["DeployRecordId"] == 0
    assert api.ok("DescribeCertificates", {})["TotalCount"] == 1  # nothing uploaded yet
    record_id = api.ok("UpdateCertificateInstance", request)["DeployRecordId"]
    assert record_id > 0
    # Repeating the request is not a duplicate upload (Repeatable=false): it gets the record back.
    assert api.ok("UpdateCertificateInstance", request)["DeployRecordId"] == record_id
    (info,) = api.ok("DescribeHostUpdateRecord", {"OldCertificateId": old})["DeployRecordList"]
    new = info["CertId"]
    items = {c["CertificateId"]: c for c in api.ok("DescribeCertificates", {})["Certificates"]}
    assert set(items) == {old, new}
    assert items[new]["ProjectId"] == "4" and items[new]["Tags"] == [{"TagKey": "team", "TagValue": "edge"}]
    assert items[new]["AllowDownload"] is False and items[old]["AllowDownload"] is True
    assert items[old]["IsIgnore"] is True and items[new]["IsIgnore"] is False
    (cdn,) = detail(api, record_id)["RecordDetailList"][0]["List"]
    assert cdn["Algorithm"] == "ECC" and cdn["OldAlgorithm"] == "RSA"
    assert cdn["Domains"] == ["deploy.example.com", "www.deploy.example.com"]
    assert api.ok("DescribeCertificateDetail", {"CertificateId": new})["CertificatePrivateKey"] == key
    # The same pair for another old certificate, Repeatable=false: the certificate exists, the update fails.
    other = api.upload(*make_cert("deploy.example.com"))
    bind(emu, other, "cdn", "deploy.example.com")
    error = api.error("UpdateCertificateInstance", {**request, "OldCertificateId": other})
    assert error["Code"] == "FailedOperation.CertificateExists" and new in error["Message"]
    # Its private key never reaches the call log.
    assert all(key not in str(call["Params"]) for call in emu.calls())


def admin_status(emu, body):
    """The admin API's HTTP status for ``POST /_emulator/deploys`` with ``body`` (it raises on a refusal)."""
    try:
        emu.admin("POST", "/_emulator/deploys", body)
    except httpx.HTTPStatusError as error:
        return error.response.status_code
    return 200


def test_an_updates_own_details_can_be_reported_rolled_back_without_a_rollback_record(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0, "DeployFailures": {"cdn": "no"}})
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    bind(emu, old, "cdn", "deploy.example.com")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "cdn"]})
    assert bindings(emu) == {("clb", "lb-1"): new, ("cdn", "deploy.example.com"): old}
    for body, status in (
        ({"DeployRecordId": record_id, "DetailStatus": 1}, 400),
        ({"DeployRecordId": record_id, "DetailStatus": 4, "Other": 1}, 400),
        ({"DeployRecordId": record_id + 99, "DetailStatus": 4}, 404),
    ):
        assert admin_status(emu, body) == status, body
    row = emu.admin("POST", "/_emulator/deploys", {"DeployRecordId": record_id, "DetailStatus": 4})
    # Only the deployed CLB is rolled back, moved back to the old certificate; the failed CDN is unchanged.
    assert statuses(api, record_id) == {("clb", "lb-1"): 4, ("cdn", "deploy.example.com"): 2}
    assert sorted(d["Status"] for d in row["Details"]) == [2, 4]
    assert bindings(emu) == {("clb", "lb-1"): old, ("cdn", "deploy.example.com"): old}
    assert [r["DeployRecordId"] for r in emu.admin("GET", "/_emulator/deploys")["Records"]] == [record_id]


def test_a_running_update_cannot_be_reported_rolled_back(api, emu, slow):
    old, new = pair(api)
    bind(emu, old, "clb", "lb-1")
    record_id = create(api, {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb"]})
    assert admin_status(emu, {"DeployRecordId": record_id, "DetailStatus": 5}) == 409
    advance(emu, 150)
    emu.admin("POST", "/_emulator/deploys", {"DeployRecordId": record_id, "DetailStatus": 5})
    # A failed rollback leaves the resource where the update put it.
    assert statuses(api, record_id) == {("clb", "lb-1"): 5} and bindings(emu) == {("clb", "lb-1"): new}
