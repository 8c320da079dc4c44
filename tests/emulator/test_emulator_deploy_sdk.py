"""The official tencentcloud-sdk-python-ssl client drives a one-click update end to end, unmodified, over HTTP:
UpdateCertificateInstance until the record exists, DescribeHostUpdateRecord(Detail), UpdateCertificateRecordRetry
and UpdateCertificateRecordRollback; every response field its models document comes back."""

from __future__ import annotations

import json

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ssl.v20191205 import models

from support.certs import make_cert

pytestmark = pytest.mark.emulator


def _fields(model_class) -> set[str]:
    """The field names an SDK model documents (its ``_Name`` attributes)."""
    return {name[1:] for name in vars(model_class()) if name.startswith("_")}


def _request(model_class, **fields):
    request = model_class()
    request.from_json_string(json.dumps(fields))
    return request


def _raw(client, action: str, params: dict) -> dict:
    return json.loads(client.call(action, params))["Response"]


def _upload(sdk_ssl, domain: str) -> str:
    cert, key = make_cert(domain)
    request = _request(models.UploadCertificateRequest, CertificatePublicKey=cert, CertificatePrivateKey=key)
    return sdk_ssl.UploadCertificate(request).CertificateId


def test_the_sdk_runs_an_update_a_retry_and_a_rollback(sdk_ssl, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0, "DeployFailures": {"clb": "listener busy"}})
    old, new = _upload(sdk_ssl, "sdk.example.com"), _upload(sdk_ssl, "sdk.example.com")
    for kind, resource in (("clb", "lb-1|lbl-1"), ("cdn", "sdk.example.com")):
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": kind, "ResourceId": resource})
    update = _request(
        models.UpdateCertificateInstanceRequest,
        OldCertificateId=old,
        CertificateId=new,
        ResourceTypes=["clb", "cdn"],
        ResourceTypesRegions=[{"ResourceType": "clb", "Regions": ["ap-guangzhou"]}],
        ExpiringNotificationSwitch=1,
    )
    creating = sdk_ssl.UpdateCertificateInstance(update)
    assert creating.DeployRecordId == 0 and creating.DeployStatus == 0
    assert [p.ResourceType for p in creating.UpdateSyncProgress] == ["clb", "cdn"]
    assert creating.UpdateSyncProgress[0].UpdateSyncProgressRegions[0].TotalCount == 1
    created = sdk_ssl.UpdateCertificateInstance(update)
    record_id = created.DeployRecordId
    assert record_id > 0 and created.DeployStatus == 1

    listed = sdk_ssl.DescribeHostUpdateRecord(_request(models.DescribeHostUpdateRecordRequest, CertificateId=new))
    assert listed.TotalCount == 1
    (info,) = listed.DeployRecordList
    assert (info.Id, info.OldCertId, info.Status, info.ResourceTypes) == (record_id, old, 2, ["clb", "cdn"])

    detail_request = _request(models.DescribeHostUpdateRecordDetailRequest, DeployRecordId=str(record_id), Limit="50")
    detail = sdk_ssl.DescribeHostUpdateRecordDetail(detail_request)
    assert (detail.TotalCount, detail.SuccessTotalCount, detail.FailedTotalCount) == (2, 1, 1)
    clb, cdn = (group.List[0] for group in detail.RecordDetailList)
    assert (clb.Status, clb.ErrorMsg, clb.InstanceId, clb.ListenerId) == (2, "listener busy", "lb-1", "lbl-1")
    assert cdn.Status == 1

    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    retry = _request(models.UpdateCertificateRecordRetryRequest, DeployRecordDetailId=clb.Id)
    assert sdk_ssl.UpdateCertificateRecordRetry(retry).RequestId
    detail = sdk_ssl.DescribeHostUpdateRecordDetail(detail_request)
    assert (detail.SuccessTotalCount, detail.FailedTotalCount) == (2, 0)

    rollback = sdk_ssl.UpdateCertificateRecordRollback(
        _request(models.UpdateCertificateRecordRollbackRequest, DeployRecordId=record_id)
    )
    assert rollback.DeployRecordId not in (0, record_id)
    back = sdk_ssl.DescribeHostUpdateRecordDetail(
        _request(models.DescribeHostUpdateRecordDetailRequest, DeployRecordId=str(rollback.DeployRecordId))
    )
    assert {d.Status for group in back.RecordDetailList for d in group.List} == {4}
    assert {b["CertificateId"] for b in emu.admin("GET", "/_emulator/bindings")["Bindings"]} == {old}

    with pytest.raises(TencentCloudSDKException) as excinfo:
        sdk_ssl.UpdateCertificateRecordRollback(
            _request(models.UpdateCertificateRecordRollbackRequest, DeployRecordId=rollback.DeployRecordId)
        )
    assert excinfo.value.get_code() == "FailedOperation.CertificateDeployRollbackStatusInvalid"
    assert excinfo.value.get_request_id()


def test_every_documented_response_field_comes_back(sdk_ssl, emu):
    emu.admin("PUT", "/_emulator/settings", {"DeploySeconds": 0, "DeployFailures": {"cdn": ""}})
    old, new = _upload(sdk_ssl, "fields.example.com"), _upload(sdk_ssl, "fields.example.com")
    for kind, resource in (("clb", "lb-1"), ("cdn", "fields.example.com")):
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": kind, "ResourceId": resource})
    params = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb", "cdn"]}
    creating = _raw(sdk_ssl, "UpdateCertificateInstance", params)
    assert set(creating) == _fields(models.UpdateCertificateInstanceResponse)
    progress = creating["UpdateSyncProgress"][0]
    assert set(progress) == _fields(models.UpdateSyncProgress)
    assert set(progress["UpdateSyncProgressRegions"][0]) == _fields(models.UpdateSyncProgressRegion)
    record_id = _raw(sdk_ssl, "UpdateCertificateInstance", params)["DeployRecordId"]

    listed = _raw(sdk_ssl, "DescribeHostUpdateRecord", {})
    assert set(listed) == _fields(models.DescribeHostUpdateRecordResponse)
    assert set(listed["DeployRecordList"][0]) == _fields(models.UpdateRecordInfo)
    detail = _raw(sdk_ssl, "DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id)})
    assert set(detail) == _fields(models.DescribeHostUpdateRecordDetailResponse)
    group = detail["RecordDetailList"][0]
    assert set(group) == _fields(models.UpdateRecordDetails)
    assert set(group["List"][0]) == _fields(models.UpdateRecordDetail)

    retried = _raw(sdk_ssl, "UpdateCertificateRecordRetry", {"DeployRecordId": record_id})
    assert set(retried) == _fields(models.UpdateCertificateRecordRetryResponse)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    rolled = _raw(sdk_ssl, "UpdateCertificateRecordRollback", {"DeployRecordId": record_id})
    assert set(rolled) == _fields(models.UpdateCertificateRecordRollbackResponse)
