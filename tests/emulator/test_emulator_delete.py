"""Deletion: synchronous, checked (tasks and their outcomes), batch, the one-hour rule, bound resources."""

from __future__ import annotations

import pytest

from support.certs import make_cert

pytestmark = pytest.mark.emulator


@pytest.fixture
def cert_id(api):
    cert, key = make_cert("del.example.com", ["del.example.com", "www.del.example.com"])
    return api.upload(cert, key)


def _bind(emu, cert_id, kind="clb", resource="lb-abc123"):
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": kind, "ResourceId": resource})


def _task(api, task_id):
    (result,) = api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": [task_id]})["DeleteTaskResult"]
    return result


def _exists(api, cert_id):
    return api.ok("DescribeCertificates", {"CertIds": [cert_id]})["TotalCount"] == 1


def test_plain_delete_is_synchronous(api, cert_id):
    response = api.ok("DeleteCertificate", {"CertificateId": cert_id})
    assert response["DeleteResult"] is True and response["TaskId"] is None
    assert api.error("DescribeCertificate", {"CertificateId": cert_id})["Code"] == "FailedOperation.CertificateNotFound"
    assert api.error("DeleteCertificate", {"CertificateId": cert_id})["Code"] == "FailedOperation.CertificateNotFound"


def test_plain_delete_removes_even_a_bound_certificate(api, emu, cert_id):
    _bind(emu, cert_id)
    assert api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": False})["DeleteResult"] is True
    assert not _exists(api, cert_id)


def test_checked_delete_runs_a_task_that_deletes(api, emu, cert_id):
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 30, "SignatureClock": "real"})
    response = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})
    assert response["DeleteResult"] is False and response["TaskId"]
    task_id = response["TaskId"]
    running = _task(api, task_id)
    assert running["Status"] == 0 and running["Error"] == "" and running["CertId"] == cert_id
    assert running["Domains"] == ["del.example.com", "www.del.example.com"]
    assert _exists(api, cert_id)
    # A second checked delete while the task runs returns the same task.
    again = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})
    assert again["TaskId"] == task_id
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 30})
    done = _task(api, task_id)
    assert done["Status"] == 1 and done["CacheTime"]
    assert not _exists(api, cert_id)
    assert _task(api, task_id)["Status"] == 1  # stable once settled


def test_checked_delete_of_a_bound_certificate_fails_with_status_4_and_keeps_it(api, emu, cert_id):
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    _bind(emu, cert_id, "cdn", "static.example.com")
    task_id = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})["TaskId"]
    result = _task(api, task_id)
    assert result["Status"] == 4 and "cdn:static.example.com" in result["Error"]
    assert _exists(api, cert_id)
    # After unbinding, a new checked delete starts a new task and succeeds.
    emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": cert_id})
    second = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})["TaskId"]
    assert second != task_id and _task(api, second)["Status"] == 1


def test_an_unauthorised_service_role_gives_status_3(api, emu, cert_id):
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0, "RoleAuthorized": False})
    task_id = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})["TaskId"]
    result = _task(api, task_id)
    assert result["Status"] == 3 and "SSL_QCSLinkedRoleInReplaceLoadCertificate" in result["Error"]
    assert _exists(api, cert_id)


@pytest.mark.parametrize(("outcome", "kept"), [(1, False), (2, True), (3, True), (4, True), (5, True)])
def test_a_forced_outcome(api, emu, cert_id, outcome, kept):
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0, "DeleteTaskOutcome": outcome})
    task_id = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})["TaskId"]
    result = _task(api, task_id)
    assert result["Status"] == outcome
    assert bool(result["Error"]) is (outcome != 1)
    assert _exists(api, cert_id) is kept


def test_a_task_settles_even_if_nobody_polls(api, emu, cert_id):
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})
    assert not _exists(api, cert_id)


def test_unknown_task_ids_are_left_out_and_limits_apply(api):
    assert api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": ["nope"]})["DeleteTaskResult"] == []
    error = api.error("DescribeDeleteCertificatesTaskResult", {"TaskIds": [f"t{i}" for i in range(101)]})
    assert error["Code"] == "InvalidParameterValue"
    assert api.error("DescribeDeleteCertificatesTaskResult", {})["Code"] == "MissingParameter"


def test_a_free_certificate_cannot_be_deleted_within_an_hour(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0, "SignatureClock": "real"})
    free = api.ok("ApplyCertificate", {"DvAuthMethod": "DNS_AUTO", "DomainName": "free.example.com"})["CertificateId"]
    for params in ({"CertificateId": free}, {"CertificateId": free, "IsCheckResource": True}):
        error = api.error("DeleteCertificate", params)
        assert error["Code"] == "FailedOperation.CannotBeDeletedWithinHour" and "GMT+8" in error["Message"]
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 3600})
    assert api.ok("DeleteCertificate", {"CertificateId": free})["DeleteResult"] is True


def test_batch_delete(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    ids = [api.upload(*make_cert(f"b{i}.example.com")) for i in range(2)]
    free = api.ok("ApplyCertificate", {"DvAuthMethod": "DNS", "DomainName": "free.example.com"})["CertificateId"]
    response = api.ok("DeleteCertificates", {"CertificateIds": [*ids, "missing1", free]})
    assert response["Success"] == ids and response["CertTaskIds"] == []
    assert [f["CertId"] for f in response["Fail"]] == ["missing1", free]
    assert all(f["Msg"] for f in response["Fail"])


def test_batch_delete_with_is_sync_creates_tasks(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    ids = [api.upload(*make_cert(f"s{i}.example.com")) for i in range(2)]
    _bind(emu, ids[1])
    response = api.ok("DeleteCertificates", {"CertificateIds": ids, "IsSync": True})
    assert response["Success"] == [] and response["Fail"] == []
    tasks = {t["CertId"]: t["TaskId"] for t in response["CertTaskIds"]}
    assert set(tasks) == set(ids)
    results = api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": list(tasks.values())})["DeleteTaskResult"]
    assert {r["CertId"]: r["Status"] for r in results} == {ids[0]: 1, ids[1]: 4}


def test_batch_delete_limits(api):
    error = api.error("DeleteCertificates", {"CertificateIds": [f"id{i:06d}" for i in range(101)]})
    assert error["Code"] == "FailedOperation.CertificateSyncTaskCertificateIdCountInvalid"


def test_deployed_resources(api, emu, cert_id):
    other = api.upload(*make_cert("other.example.com"))
    _bind(emu, cert_id, "clb", "lb-1")
    _bind(emu, cert_id, "clb", "lb-2")
    _bind(emu, cert_id, "cdn", "cdn.example.com")
    response = api.ok("DescribeDeployedResources", {"CertificateIds": [cert_id, other], "ResourceType": "clb"})
    assert response["DeployedResources"] == [
        {"CertificateId": cert_id, "Count": 2, "Type": "clb", "ResourceIds": ["lb-1", "lb-2"],
         "Resources": ["lb-1", "lb-2"]},
        {"CertificateId": other, "Count": 0, "Type": "clb", "ResourceIds": [], "Resources": []},
    ]  # fmt: skip
    error = api.error("DescribeDeployedResources", {"CertificateIds": [cert_id], "ResourceType": "nope"})
    assert error["Code"] == "InvalidParameterValue"
