"""TC3-HMAC-SHA256 verification, header checks and the action table, over real HTTP."""

from __future__ import annotations

import json
import time

import pytest

from provider.tencentcloud import signer
from support.certs import make_cert
from support.emulator import random_credentials, start_emulator
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator

LIST = "DescribeCertificates"


def test_a_correctly_signed_request_succeeds(api):
    response = api.ok(LIST, {})
    assert response["TotalCount"] == 0 and response["Certificates"] == []


def test_a_wrong_secret_key_is_a_signature_failure(api):
    error = api.error(LIST, {}, secret_key="not-the-key")
    assert error["Code"] == "AuthFailure.SignatureFailure"


def test_an_unknown_secret_id_is_reported_as_such(api):
    assert api.error(LIST, {}, secret_id="AKIDunknown")["Code"] == "AuthFailure.SecretIdNotFound"


def test_the_body_bytes_are_what_is_verified(api):
    # Same JSON meaning, different bytes: the signature no longer matches.
    error = api.error(LIST, body=b'{"Limit": 5}', signed_body=b'{"Limit":5}')
    assert error["Code"] == "AuthFailure.SignatureFailure"


def test_the_host_actually_received_is_signed(api):
    error = api.error(LIST, {}, signed_host="ssl.tencentcloudapi.com")
    assert error["Code"] == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json;charset=UTF-8"])
def test_the_content_type_received_is_signed_whatever_its_spelling(api, content_type):
    assert api.ok(LIST, {}, content_type=content_type)["TotalCount"] == 0


def test_a_non_json_content_type_is_refused_after_authentication(api):
    error = api.error(LIST, {}, content_type="text/plain")
    assert error["Code"] == "InvalidParameter"


# 310 rather than 301: the request is signed a moment before the emulator reads its clock, and a second boundary
# crossed in between must not make the test flaky.
@pytest.mark.parametrize("skew", [-310, 310, 3600])
def test_a_timestamp_more_than_five_minutes_off_is_expired(api, skew):
    error = api.error(LIST, {}, timestamp=int(time.time()) + skew)
    assert error["Code"] == "AuthFailure.SignatureExpire"


@pytest.mark.parametrize("skew", [-240, 240])
def test_a_timestamp_within_five_minutes_is_accepted(api, skew):
    api.ok(LIST, {}, timestamp=int(time.time()) + skew)


def test_expiry_is_judged_by_the_emulator_clock_unless_told_otherwise(api, emu):
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 3600})
    assert api.error(LIST, {})["Code"] == "AuthFailure.SignatureExpire"
    api.ok(LIST, {}, timestamp=int(time.time()) + 3600)
    emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real"})
    api.ok(LIST, {})


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "garbage",
        "HMAC-SHA256 Credential=AKID/2024-01-01/ssl/tc3_request, SignedHeaders=content-type;host, Signature="
        + "a" * 64,
        "TC3-HMAC-SHA256 Credential=AKID/2024-01-01/ssl/tc3_request, SignedHeaders=content-type;host, Signature=xyz",
        "TC3-HMAC-SHA256 Credential=AKID/2024-01-01/ssl/tc3_request, SignedHeaders=host, Signature=" + "a" * 64,
    ],
)
def test_a_malformed_authorization_header_is_invalid_authorization(api, emu, authorization):
    response = api.http.post(
        emu.url + "/",
        content=b"{}",
        headers={
            "Content-Type": "application/json",
            "Authorization": authorization,
            "X-TC-Action": LIST,
            "X-TC-Version": "2019-12-05",
            "X-TC-Timestamp": str(int(time.time())),
        },
    )
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


def test_a_credential_scope_with_the_wrong_date_fails(api, emu):
    ts = int(time.time())
    signed = signer.sign(
        secret_id=emu.secret_id, secret_key=emu.secret_key, service="ssl", host=emu.host,
        content_type="application/json", payload=b"{}", timestamp=ts,
    )  # fmt: skip
    bad = signed.authorization.replace(signer.utc_date(ts), "2001-01-01")
    response = api.http.post(
        emu.url + "/",
        content=b"{}",
        headers={"Content-Type": "application/json", "Authorization": bad, "X-TC-Action": LIST,
                 "X-TC-Version": "2019-12-05", "X-TC-Timestamp": str(ts)},
    )  # fmt: skip
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_unsigned_payload_is_supported(api):
    response = api.call(
        LIST, {"Limit": 1}, signed_body=b"UNSIGNED-PAYLOAD", extra_headers={"X-TC-Content-SHA256": "UNSIGNED-PAYLOAD"}
    )
    assert response["TotalCount"] == 0


def test_missing_timestamp_or_action_headers(api, emu):
    base = {"Content-Type": "application/json", "X-TC-Version": "2019-12-05"}
    no_action = api.http.post(emu.url + "/", content=b"{}", headers=base).json()["Response"]
    assert no_action["Error"]["Code"] == "MissingParameter"
    response = api.raw(LIST, {})
    headers = dict(response.request.headers)
    del headers["x-tc-timestamp"]
    no_ts = api.http.post(emu.url + "/", content=response.request.content, headers=headers).json()["Response"]
    assert no_ts["Error"]["Code"] == "MissingParameter" and "X-TC-Timestamp" in no_ts["Error"]["Message"]


def test_unknown_action_and_wrong_version(api):
    assert api.error("DescribeNothing", {})["Code"] == "InvalidAction"
    assert api.error(LIST, {}, version="2018-01-01")["Code"] == "NoSuchVersion"
    assert api.error("ModifyResourceTags", {}, service="tag", version="2019-12-05")["Code"] == "NoSuchVersion"


def test_an_action_signed_for_another_service_fails_the_signature(api):
    assert api.error(LIST, {}, service="tag", version="2019-12-05")["Code"] == "AuthFailure.SignatureFailure"


def test_non_post_requests_are_refused_in_an_envelope(api, emu):
    body = api.http.get(emu.url + "/").json()
    assert body["Response"]["Error"]["Code"] == "UnsupportedProtocol"


def test_auth_failures_are_logged_without_the_key(api, emu):
    api.error(LIST, {}, secret_key="wrong-key-value")
    (call,) = emu.calls()
    assert call["ErrorCode"] == "AuthFailure.SignatureFailure"
    assert call["Action"] == LIST
    assert emu.secret_key not in json.dumps(call) and "wrong-key-value" not in json.dumps(call)


def test_a_configured_token_is_required(tmp_path):
    secret_id, secret_key = random_credentials()
    with start_emulator(secret_id=secret_id, secret_key=secret_key, extra_args=["--token", "tok-123"]) as running:
        with RawApi(running) as api:
            assert api.error(LIST, {})["Code"] == "AuthFailure.TokenFailure"
            assert api.error(LIST, {}, extra_headers={"X-TC-Token": "other"})["Code"] == "AuthFailure.TokenFailure"
            api.ok(LIST, {}, extra_headers={"X-TC-Token": "tok-123"})


def _uploaded(api) -> str:
    cert, key = make_cert("replay.example.com")
    return api.ok("UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": key})["CertificateId"]


def test_a_signed_x_tc_action_cannot_be_changed_after_signing(api, emu):
    # A captured read replayed as a write: same body, same signature, another X-TC-Action.
    cert_id = _uploaded(api)
    body = json.dumps({"CertificateId": cert_id}).encode()
    assert api.ok("DescribeCertificate", body=body, signed_action="DescribeCertificate")["CertificateId"] == cert_id
    error = api.error("DeleteCertificate", body=body, signed_action="DescribeCertificate")
    assert error["Code"] == "AuthFailure.SignatureFailure"
    assert api.ok("DescribeCertificate", {"CertificateId": cert_id})["CertificateId"] == cert_id  # still there
    assert [c["Action"] for c in emu.calls() if c["ErrorCode"]] == ["DeleteCertificate"]


def test_the_signed_action_is_compared_case_insensitively_as_tencent_lower_cases_it(api):
    # The specification signs lower-cased values: x-tc-action:describecertificates.
    assert api.ok(LIST, {}, signed_action=LIST.lower())["TotalCount"] == 0


def test_without_x_tc_action_in_signed_headers_the_action_is_not_covered(api, emu):
    # What the official SDKs sign (content-type;host): Tencent, and so the emulator, accept the same signature for
    # another action. This is the replay that signing x-tc-action closes.
    cert_id = _uploaded(api)
    body = json.dumps({"CertificateId": cert_id}).encode()
    ts = int(time.time())
    signed = signer.sign(
        secret_id=emu.secret_id, secret_key=emu.secret_key, service="ssl", host=emu.host,
        content_type="application/json", payload=body, timestamp=ts,
    )  # fmt: skip
    assert "SignedHeaders=content-type;host," in signed.authorization
    for action in ("DescribeCertificate", "DeleteCertificate"):
        response = api.http.post(
            emu.url + "/",
            content=body,
            headers={"Content-Type": "application/json", "Authorization": signed.authorization, "X-TC-Action": action,
                     "X-TC-Version": "2019-12-05", "X-TC-Timestamp": str(ts)},
        )  # fmt: skip
        assert "Error" not in response.json()["Response"], response.text
    assert api.error("DescribeCertificate", {"CertificateId": cert_id})["Code"] == "FailedOperation.CertificateNotFound"


@pytest.mark.parametrize("signed", ["content-type;host;host", "host;content-type", "host", "content-type;x-tc-action"])
def test_signed_headers_must_list_content_type_and_host_sorted_once(api, emu, signed):
    ts = int(time.time())
    signed_request = signer.sign(
        secret_id=emu.secret_id, secret_key=emu.secret_key, service="ssl", host=emu.host,
        content_type="application/json", payload=b"{}", timestamp=ts,
    )  # fmt: skip
    authorization = signed_request.authorization.replace("SignedHeaders=content-type;host", f"SignedHeaders={signed}")
    response = api.http.post(
        emu.url + "/",
        content=b"{}",
        headers={"Content-Type": "application/json", "Authorization": authorization, "X-TC-Action": LIST,
                 "X-TC-Version": "2019-12-05", "X-TC-Timestamp": str(ts)},
    )  # fmt: skip
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


@pytest.mark.parametrize("timestamp", ["²", "1²", "¹²³"])
def test_a_timestamp_of_non_ascii_digits_is_invalid_not_an_internal_error(api, emu, timestamp):
    response = api.raw(LIST, {})
    headers = dict(response.request.headers)
    headers["x-tc-timestamp"] = timestamp.encode("latin-1")  # as raw bytes on the wire; Starlette reads latin-1
    reply = api.http.post(emu.url + "/", content=response.request.content, headers=headers)
    assert reply.status_code == 200, reply.text
    error = reply.json()["Response"]["Error"]
    assert error["Code"] == "InvalidParameterValue" and "X-TC-Timestamp" in error["Message"]
