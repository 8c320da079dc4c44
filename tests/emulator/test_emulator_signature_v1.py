"""Signature-v1 (API 2.0 style) requests get ``UnsupportedProtocol`` saying so, not ``MissingParameter: Action``."""

from __future__ import annotations

import json
import time

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ssl.v20191205 import models, ssl_client
from tencentcloud.tag.v20180813 import models as tag_models
from tencentcloud.tag.v20180813 import tag_client

from support.emulator import RunningEmulator
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator


def _v1_params(emu: RunningEmulator, action: str = "DescribeCertificates", **extra: str) -> dict[str, str]:
    return {
        "Action": action,
        "Version": "2019-12-05",
        "SecretId": emu.secret_id,
        "Timestamp": str(int(time.time())),
        "Nonce": "11886",
        "SignatureMethod": "HmacSHA256",
        "Signature": "bm90LWEtcmVhbC1zaWduYXR1cmU=",
        **extra,
    }


def _error(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"Response"} and set(body["Response"]) == {"Error", "RequestId"}
    error: dict[str, str] = body["Response"]["Error"]
    return error


def _assert_v1_refused(error: dict[str, str], method: str = "HmacSHA256") -> None:
    assert error["Code"] == "UnsupportedProtocol", error
    assert f"SignatureMethod={method}" in error["Message"] and "TC3-HMAC-SHA256" in error["Message"]


@pytest.mark.reliability(
    area="fidelity",
    tried="the official Python SDK signing with the old SignatureMethod (HmacSHA256, HmacSHA1) instead of TC3",
    held="UnsupportedProtocol naming the method and TC3-HMAC-SHA256 (not MissingParameter: Action); nothing changes",
)
@pytest.mark.parametrize("signature_method", ["HmacSHA256", "HmacSHA1"])
def test_the_official_sdk_signing_with_v1_is_told_to_use_tc3(emu: RunningEmulator, signature_method: str) -> None:
    profile = ClientProfile(
        signMethod=signature_method, httpProfile=HttpProfile(endpoint=emu.host, protocol="http", reqTimeout=30)
    )
    client = ssl_client.SslClient(credential.Credential(emu.secret_id, emu.secret_key), "", profile)
    with pytest.raises(TencentCloudSDKException) as excinfo:
        client.DescribeCertificates(models.DescribeCertificatesRequest())
    assert excinfo.value.get_code() == "UnsupportedProtocol"
    assert f"SignatureMethod={signature_method}" in excinfo.value.get_message()
    (call,) = emu.calls()
    assert call["Action"] == "DescribeCertificates" and call["ErrorCode"] == "UnsupportedProtocol"
    assert call["Version"] == "2019-12-05" and call["SecretId"] is None
    logged = json.dumps(call)
    assert "Signature=" not in logged and emu.secret_key not in logged


def test_the_tag_sdk_signing_with_v1_is_refused_too(emu: RunningEmulator) -> None:
    profile = ClientProfile(signMethod="HmacSHA256", httpProfile=HttpProfile(endpoint=emu.host, protocol="http"))
    client = tag_client.TagClient(credential.Credential(emu.secret_id, emu.secret_key), "", profile)
    with pytest.raises(TencentCloudSDKException) as excinfo:
        client.ModifyResourceTags(tag_models.ModifyResourceTagsRequest())
    assert excinfo.value.get_code() == "UnsupportedProtocol"


def test_a_v1_form_post_is_unsupported_protocol(api: RawApi, emu: RunningEmulator) -> None:
    response = api.http.post(emu.url + "/", data=_v1_params(emu))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    _assert_v1_refused(_error(response))


def test_a_v1_get_with_query_parameters_is_unsupported_protocol(api: RawApi, emu: RunningEmulator) -> None:
    _assert_v1_refused(_error(api.http.get(emu.url + "/", params=_v1_params(emu))))


def test_a_v1_request_without_signature_method_defaults_to_hmacsha1(api: RawApi, emu: RunningEmulator) -> None:
    params = _v1_params(emu)
    del params["SignatureMethod"]
    _assert_v1_refused(_error(api.http.post(emu.url + "/", data=params)), method="HmacSHA1")


def test_a_v1_request_changes_nothing(api: RawApi, emu: RunningEmulator) -> None:
    params = _v1_params(emu, action="ApplyCertificate", DvAuthMethod="DNS", DomainName="v1.example.com")
    _assert_v1_refused(_error(api.http.post(emu.url + "/", data=params)))
    assert emu.certificates() == []


def test_a_tc3_request_is_never_taken_for_v1(api: RawApi) -> None:
    # A Signature query parameter next to a valid TC3 Authorization header does not make it a v1 request.
    response = api.raw("DescribeCertificates", {})
    assert "TotalCount" in response.json()["Response"]
    headers = dict(response.request.headers)
    again = api.http.post(
        str(response.request.url) + "?Signature=x", content=response.request.content, headers=headers
    ).json()["Response"]
    assert "TotalCount" in again, again


def test_a_post_without_action_or_v1_markers_is_still_missing_action(api: RawApi, emu: RunningEmulator) -> None:
    response = api.http.post(emu.url + "/", data={"Action": "DescribeCertificates"})
    assert _error(response)["Code"] == "MissingParameter"
