"""Our client against the emulator over loopback HTTP: retries, auth failures, rate limits, connection reuse."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from provider.tencentcloud import ApiError, Client, ClientSettings, ConnectError, Credentials
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.threads import run_together

pytestmark = pytest.mark.emulator

SSL = ("ssl", "2019-12-05")


def arm(emu: RunningEmulator, **fault: Any) -> None:
    emu.admin("POST", "/_emulator/faults", fault)


def calls_of(emu: RunningEmulator, action: str) -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["Action"] == action]


def describe(client: Client) -> dict[str, Any]:
    return client.call(*SSL, "DescribeCertificates", {"Limit": 10})


@pytest.mark.parametrize(
    "code",
    ["RequestLimitExceeded", "LimitExceeded.RateLimitExceeded", "InternalError", "FailedOperation.NetworkError"],
)
def test_retries_injected_error_codes(emu, make_client, recorded_sleep, code) -> None:
    arm(emu, Action="DescribeCertificates", Kind="error", Code=code, Count=2)
    reply = describe(make_client())
    assert reply["TotalCount"] == 0 and reply["RequestId"]
    log = calls_of(emu, "DescribeCertificates")
    assert [(c["Fault"], c["ErrorCode"]) for c in log] == [("error", code), ("error", code), (None, None)]
    assert len(recorded_sleep.waits) == 2


def test_retries_http_502(emu, make_client, recorded_sleep) -> None:
    arm(emu, Action="DescribeCertificates", Kind="http_status", Status=502)
    assert describe(make_client())["TotalCount"] == 0
    assert [c["Fault"] for c in calls_of(emu, "DescribeCertificates")] == ["http_status", None]
    assert len(recorded_sleep.waits) == 1


def test_retries_a_dropped_connection(emu, make_client, recorded_sleep) -> None:
    arm(emu, Action="DescribeCertificates", Kind="drop", Count=2)
    assert describe(make_client())["TotalCount"] == 0
    assert [c["Fault"] for c in calls_of(emu, "DescribeCertificates")] == ["drop", "drop", None]
    assert len(recorded_sleep.waits) == 2


def test_retries_a_reply_slower_than_the_timeout(emu, make_client, recorded_sleep) -> None:
    # A dedicated action: the delayed attempt is logged only when the emulator finally answers into the void.
    arm(emu, Action="DescribeCertificateDetail", Kind="delay", Seconds=3)
    client = make_client(timeout=0.5)
    with pytest.raises(ApiError) as caught:
        client.call(*SSL, "DescribeCertificateDetail", {"CertificateId": "missing1"})
    # The second attempt reached the action itself: the certificate really does not exist.
    assert caught.value.code == "FailedOperation.CertificateNotFound"
    assert caught.value.attempts == 2
    assert len(recorded_sleep.waits) == 1


def test_wrong_key_fails_at_once_without_retry(emu, make_client, recorded_sleep) -> None:
    wrong_key = "wrong-" + emu.secret_key
    client = make_client(secret_key=wrong_key)
    with pytest.raises(ApiError) as caught:
        describe(client)
    assert caught.value.code == "AuthFailure.SignatureFailure"
    assert caught.value.attempts == 1
    assert wrong_key not in str(caught.value) and emu.secret_key not in str(caught.value)
    assert [c["ErrorCode"] for c in calls_of(emu, "DescribeCertificates")] == ["AuthFailure.SignatureFailure"]
    assert recorded_sleep.waits == []


def test_connection_refused_is_a_connect_error_after_retries(recorded_sleep) -> None:
    # Port 9 on loopback: nothing listens there in the test environment (discard service is never enabled).
    client = Client(
        Credentials("AKIDnobodylistens0000", "k"),
        ClientSettings(endpoint="http://127.0.0.1:9", max_attempts=3, rate_per_action=None),
        sleep=recorded_sleep,
    )
    with client, pytest.raises(ConnectError) as caught:
        describe(client)
    assert caught.value.attempts == 3 and len(recorded_sleep.waits) == 2


def _in_threads(threads: int, calls_per_thread: int, work: Callable[[], Any]) -> list[BaseException]:
    def worker() -> None:
        for _ in range(calls_per_thread):
            work()

    return run_together([worker] * threads)


def test_thirty_quick_calls_from_threads_stay_under_the_rate_limit(emu, make_client) -> None:
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": True, "RateLimitPerSecond": 10})
    client = make_client(sleep=time.sleep, rate_per_action=10.0)  # the default limiter, really pacing
    errors = _in_threads(6, 5, lambda: describe(client))
    assert errors == []
    log = calls_of(emu, "DescribeCertificates")
    assert len(log) == 30
    assert [c for c in log if c["ErrorCode"]] == []  # paced, so the emulator never even refused one


def test_rate_limit_refusals_are_retried_never_surfaced(emu, make_client) -> None:
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": True, "RateLimitPerSecond": 10})
    client = make_client(sleep=time.sleep, rate_per_action=None)  # no client-side pacing: the emulator refuses
    errors = _in_threads(6, 5, lambda: describe(client))
    assert errors == []
    log = calls_of(emu, "DescribeCertificates")
    assert sum(1 for c in log if c["ErrorCode"] is None) == 30
    # 30 unpaced calls overrun the emulator's 10-token bucket, so refusals did happen and were absorbed.
    assert {c["ErrorCode"] for c in log} == {None, "LimitExceeded.RateLimitExceeded"}


def test_one_connection_serves_sequential_calls(emu, make_client) -> None:
    client = make_client()
    for _ in range(10):
        describe(client)
    ports = {c["ClientPort"] for c in calls_of(emu, "DescribeCertificates")}
    assert len(ports) == 1


class _CapturingTransport(httpx.HTTPTransport):
    """The real network transport, keeping a copy of every request sent (what someone on the path could capture)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        return super().handle_request(request)


@pytest.mark.reliability(
    area="security",
    tried="a DescribeCertificate request our client signed, captured and sent again within its five minutes with "
    "X-TC-Action changed to DeleteCertificate",
    held="AuthFailure.SignatureFailure (x-tc-action is signed); the certificate stays",
)
def test_a_captured_read_cannot_be_replayed_as_a_write(emu: RunningEmulator) -> None:
    cert, key = make_cert("replay.example.com")
    capture = _CapturingTransport()
    with Client(
        Credentials(emu.secret_id, emu.secret_key),
        ClientSettings(endpoint=emu.url, rate_per_action=None),
        transport=capture,
    ) as client:
        cert_id = client.call(*SSL, "UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": key})[
            "CertificateId"
        ]
        client.call(*SSL, "DescribeCertificate", {"CertificateId": cert_id})
        read = capture.sent[-1]
        assert "SignedHeaders=content-type;host;x-tc-action," in read.headers["Authorization"]

        # Within the five minutes a signature is valid, the same body and signature sent as a DeleteCertificate.
        headers = httpx.Headers(read.headers)
        headers["X-TC-Action"] = "DeleteCertificate"  # replaces it: one X-TC-Action header
        replay = httpx.post(emu.url + "/", content=read.content, headers=headers).json()["Response"]
        assert replay["Error"]["Code"] == "AuthFailure.SignatureFailure", replay
        assert client.call(*SSL, "DescribeCertificate", {"CertificateId": cert_id})["CertificateId"] == cert_id


def test_a_root_domain_reaches_each_service_through_its_own_host(emu: RunningEmulator) -> None:
    # ssl.localhost and tag.localhost do not resolve here (glibc does not know RFC 6761's names): the client
    # connects to loopback for them itself and sends, and signs, the service's own Host.
    settings = ClientSettings(domain=f"localhost:{emu.port}", protocol="HTTP", rate_per_action=None)
    with Client(Credentials(emu.secret_id, emu.secret_key), settings) as client:
        assert client.target("ssl") == (f"http://127.0.0.1:{emu.port}/", f"ssl.localhost:{emu.port}")
        describe(client)
        client.call("tag", "2018-08-13", "DescribeResourceTagsByResourceIds", {
            "ServiceType": "ssl", "ResourcePrefix": "certificate", "ResourceIds": ["x"], "ResourceRegion": "",
        })  # fmt: skip
    assert [(c["Service"], c["Host"], c["ErrorCode"]) for c in emu.calls()] == [
        ("ssl", f"ssl.localhost:{emu.port}", None),
        ("tag", f"tag.localhost:{emu.port}", None),
    ]
