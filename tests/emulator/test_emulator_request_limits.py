"""What a client can make the emulator read, decode, hold and log: authentication comes before decoding, bodies are
capped at Tencent's 10 MB, and every refusal is Tencent's envelope (HTTP 200), never a 500."""

from __future__ import annotations

import json

import httpx
import pytest

from emulator.api import MAX_BODY_BYTES, MAX_JSON_DEPTH
from support.emulator import RunningEmulator
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator

LIST = "DescribeCertificates"


def nested(depth: int) -> bytes:
    return b'{"Limit": ' + b"[" * depth + b"]" * depth + b"}"


def unsigned(emu: RunningEmulator, body: bytes) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "Authorization": "TC3-HMAC-SHA256 Credential=AKIDnobody/2026-01-01/ssl/tc3_request, "
        "SignedHeaders=content-type;host, Signature=" + "0" * 64,
        "X-TC-Action": LIST,
        "X-TC-Version": "2019-12-05",
        "X-TC-Timestamp": "1767225600",
    }
    return httpx.post(emu.url + "/", content=body, headers=headers, timeout=60)


def error_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text[:300]
    error: dict[str, str] = response.json()["Response"]["Error"]
    return error


@pytest.mark.reliability(
    area="security",
    tried="an unauthenticated request whose JSON body nests 100,000 levels deep",
    held="AuthFailure in Tencent's envelope (HTTP 200, no 500): the body is never decoded; the call log keeps no "
    "Params",
)
def test_an_unauthenticated_deeply_nested_body_is_refused_by_authentication_undecoded(emu: RunningEmulator) -> None:
    error = error_of(unsigned(emu, nested(100_000)))
    assert error["Code"] == "AuthFailure.SecretIdNotFound"
    (call,) = emu.calls()
    assert call["ErrorCode"] == "AuthFailure.SecretIdNotFound" and call["Params"] is None


def test_an_authenticated_body_nested_too_deep_is_invalid_parameter(emu: RunningEmulator, api: RawApi) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        error = api.error(LIST, body=nested(depth))
        assert error["Code"] == "InvalidParameter" and "nests deeper" in error["Message"], error
    assert api.ok(LIST, {"Limit": 1})["TotalCount"] == 0  # the emulator is still serving
    assert all(c["Params"] is None for c in emu.calls() if c["ErrorCode"])


@pytest.mark.reliability(
    area="security",
    tried="an unauthenticated request with an 11 MiB body (past Tencent's 10 MB request limit)",
    held="RequestSizeLimitExceeded in Tencent's envelope; the body is neither kept nor logged; the emulator serves on",
)
def test_an_oversized_unauthenticated_body_is_refused_and_not_kept(emu: RunningEmulator, api: RawApi) -> None:
    body = b'{"SearchKey": "' + b"x" * (MAX_BODY_BYTES + 1024 * 1024) + b'"}'
    error = error_of(unsigned(emu, body))
    assert error["Code"] == "RequestSizeLimitExceeded" and "10 MB" in error["Message"]
    (call,) = emu.calls()
    assert call["ErrorCode"] == "RequestSizeLimitExceeded" and call["Params"] is None
    assert len(json.dumps(emu.calls())) < 2000
    assert api.ok(LIST, {"Limit": 1})["TotalCount"] == 0


def test_the_cap_applies_to_signed_requests_too_and_only_past_it(emu: RunningEmulator, api: RawApi) -> None:
    filler = MAX_BODY_BYTES - len(b'{"SearchKey": ""}')
    at_cap = b'{"SearchKey": "' + b"x" * filler + b'"}'
    assert len(at_cap) == MAX_BODY_BYTES
    # Exactly at the limit the request is read and judged on its parameters.
    assert api.call(LIST, body=at_cap).get("Error", {}).get("Code") != "RequestSizeLimitExceeded"
    over = at_cap[:-2] + b'x"}'
    assert api.error(LIST, body=over)["Code"] == "RequestSizeLimitExceeded"


def test_params_of_a_request_with_a_bad_signature_are_not_logged(emu: RunningEmulator, api: RawApi) -> None:
    api.error(LIST, {"SearchKey": "someone else's bytes"}, secret_key="wrong")
    (call,) = emu.calls()
    assert call["ErrorCode"] == "AuthFailure.SignatureFailure" and call["Params"] is None
    api.ok(LIST, {"SearchKey": "mine"})
    assert emu.calls()[-1]["Params"] == {"SearchKey": "mine"}
