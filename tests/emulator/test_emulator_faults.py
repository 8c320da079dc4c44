"""Injected faults: error envelopes, non-200 replies, delays, dropped connections and lost replies."""

from __future__ import annotations

import httpx
import pytest

from support.certs import make_cert

pytestmark = pytest.mark.emulator


def _arm(emu, **fault):
    return emu.admin("POST", "/_emulator/faults", fault)


def test_an_error_fault_fires_count_times_then_is_gone(api, emu):
    _arm(emu, Action="DescribeCertificates", Kind="error", Code="InternalError", Count=2)
    assert api.error("DescribeCertificates", {})["Code"] == "InternalError"
    missing = api.error("DescribeCertificate", {"CertificateId": "missing1"})  # another action: unaffected
    assert missing["Code"] == "FailedOperation.CertificateNotFound"
    assert api.error("DescribeCertificates", {})["Code"] == "InternalError"
    assert api.ok("DescribeCertificates", {})["TotalCount"] == 0
    assert emu.admin("GET", "/_emulator/faults")["Faults"] == []
    faults = [c["Fault"] for c in emu.calls()]
    assert faults == ["error", None, "error", None]


def test_a_fault_with_params_fires_only_on_calls_that_include_them(api, emu):
    _arm(emu, Action="DescribeCertificateDetail", Kind="error", Code="InternalError", Count=1,
         Params={"CertificateId": "target01"})  # fmt: skip
    other = api.error("DescribeCertificateDetail", {"CertificateId": "other001"})
    assert other["Code"] == "FailedOperation.CertificateNotFound"  # not the fault's certificate: answered as usual
    assert len(emu.admin("GET", "/_emulator/faults")["Faults"]) == 1
    assert api.error("DescribeCertificateDetail", {"CertificateId": "target01"})["Code"] == "InternalError"
    assert emu.admin("GET", "/_emulator/faults")["Faults"] == []
    assert [c["Fault"] for c in emu.calls()] == [None, "error"]


def test_an_error_fault_with_any_code(api, emu):
    _arm(emu, Action="*", Kind="error", Code="RequestLimitExceeded", Message="slow down")
    assert api.error("DescribeCertificates", {}) == {"Code": "RequestLimitExceeded", "Message": "slow down"}


def test_faults_only_match_their_action(api, emu):
    _arm(emu, Action="UploadCertificate", Kind="error")
    assert api.ok("DescribeCertificates", {})["TotalCount"] == 0
    assert len(emu.admin("GET", "/_emulator/faults")["Faults"]) == 1


def test_an_http_status_fault(api, emu):
    _arm(emu, Action="DescribeCertificates", Kind="http_status", Status=503)
    response = api.raw("DescribeCertificates", {})
    assert response.status_code == 503 and not response.headers["content-type"].startswith("application/json")
    assert emu.calls()[0]["Fault"] == "http_status"


def test_a_delay_fault_outlasting_the_client_timeout(api, emu):
    _arm(emu, Action="DescribeCertificates", Kind="delay", Seconds=2)
    api.http.timeout = httpx.Timeout(0.2)
    with pytest.raises(httpx.ReadTimeout):
        api.raw("DescribeCertificates", {})


def test_a_short_delay_still_answers(api, emu):
    _arm(emu, Action="DescribeCertificates", Kind="delay", Seconds=0.01)
    assert api.ok("DescribeCertificates", {})["TotalCount"] == 0
    assert emu.calls()[0]["Fault"] == "delay"


def test_a_drop_fault_closes_the_connection_without_doing_anything(api, emu):
    _arm(emu, Action="UploadCertificate", Kind="drop")
    cert, key = make_cert("drop.example.com")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.raw("UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": key})
    assert api.ok("DescribeCertificates", {})["TotalCount"] == 0
    assert emu.calls()[0]["Fault"] == "drop"
    # uvicorn noticed the closed connection: no "returned without starting response" error, no 500 attempt.
    assert "ASGI callable" not in emu.output() and "Traceback" not in emu.output()


def test_lose_reply_commits_then_drops(api, emu):
    _arm(emu, Action="UploadCertificate", Kind="lose_reply")
    cert, key = make_cert("lost.example.com")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.raw("UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": key})
    listed = api.ok("DescribeCertificates", {})
    assert listed["TotalCount"] == 1 and listed["Certificates"][0]["Domain"] == "lost.example.com"


def test_the_sdk_sees_a_dropped_connection_as_a_network_error(sdk_ssl, emu):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.ssl.v20191205 import models

    _arm(emu, Action="DescribeCertificates", Kind="drop")
    with pytest.raises(TencentCloudSDKException) as excinfo:
        sdk_ssl.DescribeCertificates(models.DescribeCertificatesRequest())
    assert excinfo.value.get_code() == "ClientNetworkError"


@pytest.mark.parametrize(
    "fault",
    [
        {"Kind": "explode"},
        {"Kind": "error", "Count": 0},
        {"Kind": "http_status", "Status": 200},
        {"Kind": "delay", "Seconds": "long"},
        {"Kind": "error", "Colour": "red"},
        {"Kind": "error", "Params": ["CertificateId"]},
    ],
)
def test_malformed_faults_are_refused(emu, fault):
    with pytest.raises(httpx.HTTPStatusError) as excinfo:
        emu.admin("POST", "/_emulator/faults", fault)
    assert excinfo.value.response.status_code == 400


def test_delete_faults_disarms_them(api, emu):
    _arm(emu, Kind="error", Count=5)
    assert emu.admin("DELETE", "/_emulator/faults")["Removed"] == 1
    api.ok("DescribeCertificates", {})


def test_a_strip_reply_fault_commits_the_work_and_leaves_fields_out(api, emu):
    cert_pem, key_pem = make_cert("strip.example.com")
    _arm(emu, Action="UploadCertificate", Kind="strip_reply", Fields=["CertificateId", "RepeatCertId"])
    reply = api.ok("UploadCertificate", {"CertificatePublicKey": cert_pem, "CertificatePrivateKey": key_pem})
    assert "CertificateId" not in reply and "RequestId" in reply
    assert len(emu.certificates()) == 1  # the upload was committed
    assert emu.calls()[0]["Fault"] == "strip_reply"


@pytest.mark.parametrize("fields", [None, [], "CertificateId", [""], [1]])
def test_a_strip_reply_fault_needs_field_names(emu, fields):
    body = {"Action": "UploadCertificate", "Kind": "strip_reply"}
    if fields is not None:
        body["Fields"] = fields
    response = httpx.post(f"{emu.url}/_emulator/faults", json=body, timeout=10)
    assert response.status_code == 400 and "Fields" in response.text
    assert emu.admin("GET", "/_emulator/faults")["Faults"] == []
