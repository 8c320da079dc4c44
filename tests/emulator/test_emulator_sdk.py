"""The official tencentcloud-sdk-python-ssl and -tag clients against the emulator, unmodified, over HTTP."""

from __future__ import annotations

import json

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ssl.v20191205 import models, ssl_client
from tencentcloud.tag.v20180813 import models as tag_models

from support.certs import make_cert

pytestmark = pytest.mark.emulator


def _fields(model_class) -> set[str]:
    """The field names the SDK model documents (its ``_Name`` attributes)."""
    return {name[1:] for name in vars(model_class()) if name.startswith("_")}


def _raw(client, action: str, params: dict) -> dict:
    return json.loads(client.call(action, params))["Response"]


def _request(model_class, **fields):
    request = model_class()
    request.from_json_string(json.dumps(fields))
    return request


def _upload(sdk_ssl, cert: str, key: str) -> str:
    """UploadCertificate through the SDK; the new certificate's id."""
    request = _request(models.UploadCertificateRequest, CertificatePublicKey=cert, CertificatePrivateKey=key)
    return sdk_ssl.UploadCertificate(request).CertificateId


def _tags_of(sdk_tag, cert_id: str):
    """DescribeResourceTagsByResourceIds through the SDK, for one certificate in ap-guangzhou."""
    return sdk_tag.DescribeResourceTagsByResourceIds(
        _request(
            tag_models.DescribeResourceTagsByResourceIdsRequest,
            ServiceType="ssl",
            ResourcePrefix="certificate",
            ResourceIds=[cert_id],
            ResourceRegion="ap-guangzhou",
        )
    )


def test_upload_describe_list_modify_and_delete(sdk_ssl, emu):
    cert, key = make_cert("sdk.example.com", ["sdk.example.com", "api.sdk.example.com"])
    upload = sdk_ssl.UploadCertificate(
        _request(
            models.UploadCertificateRequest,
            CertificatePublicKey=cert,
            CertificatePrivateKey=key,
            Alias="from-sdk",
            ProjectId=3,
            Tags=[{"TagKey": "owner", "TagValue": "sdk"}],
        )
    )
    cert_id = upload.CertificateId
    detail = sdk_ssl.DescribeCertificateDetail(_request(models.DescribeCertificateDetailRequest, CertificateId=cert_id))
    assert detail.Domain == "sdk.example.com" and detail.ProjectId == "3" and detail.Status == 1
    assert detail.SubjectAltName == ["api.sdk.example.com"]
    assert detail.CertificatePrivateKey == key and detail.Tags[0].TagKey == "owner"
    assert detail.CertificateExtra.DomainNumber == "2"
    described = sdk_ssl.DescribeCertificate(_request(models.DescribeCertificateRequest, CertificateId=cert_id))
    assert described.SubjectAltName == ["sdk.example.com", "api.sdk.example.com"]
    listed = sdk_ssl.DescribeCertificates(_request(models.DescribeCertificatesRequest, SearchKey="sdk", Limit=5))
    assert listed.TotalCount == 1 and listed.Certificates[0].CertificateId == cert_id
    sdk_ssl.ModifyCertificateAlias(_request(models.ModifyCertificateAliasRequest, CertificateId=cert_id, Alias="x"))
    moved = sdk_ssl.ModifyCertificateProject(
        _request(models.ModifyCertificateProjectRequest, CertificateIdList=[cert_id, "missing1"], ProjectId=9)
    )
    assert moved.SuccessCertificates == [cert_id] and moved.FailCertificates == ["missing1"]

    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    checked = sdk_ssl.DeleteCertificate(
        _request(models.DeleteCertificateRequest, CertificateId=cert_id, IsCheckResource=True)
    )
    assert checked.DeleteResult is False and checked.TaskId
    result = sdk_ssl.DescribeDeleteCertificatesTaskResult(
        _request(models.DescribeDeleteCertificatesTaskResultRequest, TaskIds=[checked.TaskId])
    )
    (task,) = result.DeleteTaskResult
    assert (task.TaskId, task.CertId, task.Status, task.Error) == (checked.TaskId, cert_id, 1, "")
    assert task.Domains == ["sdk.example.com", "api.sdk.example.com"] and task.CacheTime

    other = _upload(sdk_ssl, cert, key)
    plain = sdk_ssl.DeleteCertificate(_request(models.DeleteCertificateRequest, CertificateId=other))
    assert plain.DeleteResult is True and plain.TaskId is None
    with pytest.raises(TencentCloudSDKException) as excinfo:
        sdk_ssl.DescribeCertificate(_request(models.DescribeCertificateRequest, CertificateId=other))
    assert excinfo.value.get_code() == "FailedOperation.CertificateNotFound"
    assert excinfo.value.get_request_id()


@pytest.mark.parametrize(
    ("action", "response_model"),
    [
        ("DescribeCertificate", models.DescribeCertificateResponse),
        ("DescribeCertificateDetail", models.DescribeCertificateDetailResponse),
    ],
)
def test_every_documented_field_comes_back(sdk_ssl, action, response_model):
    cert_id = _upload(sdk_ssl, *make_cert("fields.example.com"))
    response = _raw(sdk_ssl, action, {"CertificateId": cert_id})
    assert set(response) == _fields(response_model)
    assert set(response["CertificateExtra"]) == _fields(models.CertificateExtra)


def test_every_documented_list_field_comes_back(sdk_ssl, emu):
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    sdk_ssl.ApplyCertificate(_request(models.ApplyCertificateRequest, DvAuthMethod="DNS", DomainName="f.example.com"))
    response = _raw(sdk_ssl, "DescribeCertificates", {})
    assert set(response) == _fields(models.DescribeCertificatesResponse)
    (item,) = response["Certificates"]
    assert set(item) == _fields(models.Certificates)
    detail = _raw(sdk_ssl, "DescribeCertificateDetail", {"CertificateId": item["CertificateId"]})
    assert set(detail["DvAuthDetail"]) == _fields(models.DvAuthDetail)
    assert set(detail["DvAuthDetail"]["DvAuths"][0]) == _fields(models.DvAuths)
    assert set(detail["CertChainInfo"][0]) == _fields(models.CertBasicInfo)


def test_deletion_and_deployment_responses_have_every_field(sdk_ssl, emu):
    cert_id = _upload(sdk_ssl, *make_cert("d.example.com"))
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-1"})
    deployed = _raw(sdk_ssl, "DescribeDeployedResources", {"CertificateIds": [cert_id], "ResourceType": "clb"})
    assert set(deployed["DeployedResources"][0]) == _fields(models.DeployedResources)
    batch = _raw(sdk_ssl, "DeleteCertificates", {"CertificateIds": [cert_id, "missing1"], "IsSync": True})
    assert set(batch) == _fields(models.DeleteCertificatesResponse)
    assert set(batch["Fail"][0]) == _fields(models.BatchDeleteFail)
    assert set(batch["CertTaskIds"][0]) == _fields(models.CertTaskId)
    tasks = _raw(sdk_ssl, "DescribeDeleteCertificatesTaskResult", {"TaskIds": [batch["CertTaskIds"][0]["TaskId"]]})
    assert set(tasks["DeleteTaskResult"][0]) == _fields(models.DeleteTaskResult)


def test_the_tag_client(sdk_ssl, sdk_tag):
    cert_id = _upload(sdk_ssl, *make_cert("tag.example.com"))
    sdk_tag.ModifyResourceTags(
        _request(
            tag_models.ModifyResourceTagsRequest,
            Resource=f"qcs::ssl:ap-guangzhou:uin/:certificate/{cert_id}",
            ReplaceTags=[{"TagKey": "env", "TagValue": "prod"}],
        )
    )
    response = _tags_of(sdk_tag, cert_id)
    assert response.TotalCount == 1
    assert (response.Tags[0].ResourceId, response.Tags[0].TagKey, response.Tags[0].TagValue) == (cert_id, "env", "prod")
    query = {"ServiceType": "ssl", "ResourcePrefix": "certificate", "ResourceIds": [cert_id], "ResourceRegion": ""}
    raw = _raw(sdk_tag, "DescribeResourceTagsByResourceIds", query)
    assert set(raw["Tags"][0]) == _fields(tag_models.TagResource)
    untag = sdk_tag.UnTagResources(
        _request(
            tag_models.UnTagResourcesRequest,
            ResourceList=[f"qcs::ssl:ap-guangzhou:uin/:certificate/{cert_id}", "qcs::ssl::uin/:certificate/missing1"],
            TagKeys=["env"],
        )
    )
    assert [f.Resource for f in untag.FailedResources] == ["qcs::ssl::uin/:certificate/missing1"]
    assert set(_raw(sdk_tag, "UnTagResources", {"ResourceList": ["qcs::ssl::uin/:certificate/missing1"],
                                                "TagKeys": ["env"]})["FailedResources"][0]) == _fields(
        tag_models.FailedResource
    )  # fmt: skip
    assert _tags_of(sdk_tag, cert_id).TotalCount == 0


def test_a_wrong_key_is_a_signature_failure(emu):
    client = ssl_client.SslClient(credential.Credential(emu.secret_id, "wrong"), "", _profile_of(emu))
    with pytest.raises(TencentCloudSDKException) as excinfo:
        client.DescribeCertificates(models.DescribeCertificatesRequest())
    assert excinfo.value.get_code() == "AuthFailure.SignatureFailure"


def test_sdk_errors_carry_the_code_and_message(sdk_ssl):
    with pytest.raises(TencentCloudSDKException) as excinfo:
        sdk_ssl.UploadCertificate(_request(models.UploadCertificateRequest, CertificatePublicKey="garbage",
                                           CertificatePrivateKey="x"))  # fmt: skip
    assert excinfo.value.get_code() == "FailedOperation.CertificateParseError"


def _profile_of(emu):
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    return ClientProfile(httpProfile=HttpProfile(endpoint=emu.host, protocol="http"))
