"""Client.call with httpx.MockTransport and a fake clock: headers, signing, envelopes, retries, limits, secrecy."""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from provider.tencentcloud import (
    ApiError,
    Client,
    ClientSettings,
    ConnectError,
    ConnectionLost,
    Credentials,
    HttpStatusError,
    InvalidResponse,
    ReadTimeout,
    signer,
)
from support.threads import run_together

SECRET_ID = "AKIDunitTESTid0123456789"
SECRET_KEY = "unitTEST-secret-key-Zx9QvB7"
TOKEN = "unitTEST-sts-token-Lp4Kd2"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIunitTESTprivateKEY\n-----END PRIVATE KEY-----"
START = 1551113065.0

Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Wall and monotonic time in one; ``sleep`` advances it and records the wait instead of sleeping."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def ok(request: httpx.Request, **fields: Any) -> httpx.Response:
    return httpx.Response(200, json={"Response": {**fields, "RequestId": "req-ok"}})


def api_error(code: str, message: str = "it failed") -> httpx.Response:
    return httpx.Response(200, json={"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "req-e"}})


class Recorder:
    """A MockTransport handler that records requests and replies from a script (last entry repeats)."""

    def __init__(self, *script: Handler | httpx.Response | Exception) -> None:
        self.script = list(script) or [ok]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[Callable[..., tuple[Client, Recorder]]]:
    clients: list[Client] = []

    def make(*script: Handler | httpx.Response | Exception, token: str | None = None, **options: Any):
        recorder = Recorder(*script)
        options.setdefault("rate_per_action", None)
        client = Client(
            Credentials(SECRET_ID, SECRET_KEY, token),
            ClientSettings(**options),
            transport=httpx.MockTransport(recorder),
            clock=clock.time,
            sleep=clock.sleep,
            rng=lambda: 1.0,
        )
        clients.append(client)
        return client, recorder

    yield make
    for client in clients:
        client.close()


def assert_correctly_signed(request: httpx.Request, service: str) -> None:
    timestamp = int(request.headers["X-TC-Timestamp"])
    expected = signer.sign(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        service=service,
        host=request.headers["Host"],
        content_type=request.headers["Content-Type"],
        payload=request.content,
        timestamp=timestamp,
        action=request.headers["X-TC-Action"],
    )
    assert request.headers["Authorization"] == expected.authorization
    assert "SignedHeaders=content-type;host;x-tc-action," in expected.authorization


# --- headers, endpoint, body ------------------------------------------------------------------------------------


def test_headers_and_signature(make_client) -> None:
    client, recorder = make_client()
    reply = client.call("ssl", "2019-12-05", "DescribeCertificates", {"Limit": 10, "SearchKey": "例子"})
    assert reply == {"RequestId": "req-ok"}
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://ssl.tencentcloudapi.com/"
    headers = request.headers
    assert headers["Host"] == "ssl.tencentcloudapi.com"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-TC-Action"] == "DescribeCertificates"
    assert headers["X-TC-Version"] == "2019-12-05"
    assert headers["X-TC-Timestamp"] == "1551113065"
    assert headers["X-TC-Language"] == "en-US"
    assert "X-TC-Region" not in headers and "X-TC-Token" not in headers
    assert headers["Authorization"].startswith(
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2019-02-25/ssl/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, "
    )
    assert json.loads(request.content) == {"Limit": 10, "SearchKey": "例子"}
    assert_correctly_signed(request, "ssl")


def test_region_and_token_sent_only_when_set(make_client) -> None:
    client, recorder = make_client(token=TOKEN, region="ap-guangzhou")
    client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    headers = recorder.requests[0].headers
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["X-TC-Token"] == TOKEN


def test_endpoint_override_sends_every_service_there_and_signs_its_host(make_client) -> None:
    client, recorder = make_client(endpoint="http://127.0.0.1:8787")
    client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    client.call("tag", "2018-08-13", "GetResources", {})
    for request, service in zip(recorder.requests, ("ssl", "tag"), strict=True):
        assert str(request.url) == "http://127.0.0.1:8787/"
        assert request.headers["Host"] == "127.0.0.1:8787"
        assert f"/{service}/tc3_request" in request.headers["Authorization"]
        assert_correctly_signed(request, service)


def test_tag_service_default_endpoint(make_client) -> None:
    client, recorder = make_client()
    client.call("tag", "2018-08-13", "GetResources", {})
    assert recorder.requests[0].headers["Host"] == "tag.tencentcloudapi.com"
    assert client.target("tag") == ("https://tag.tencentcloudapi.com/", "tag.tencentcloudapi.com")


# --- envelopes --------------------------------------------------------------------------------------------------


def test_response_object_returned_with_request_id(make_client) -> None:
    client, _ = make_client(lambda r: ok(r, CertificateId="GjTNRoK7", Tags=None))
    assert client.call("ssl", "2019-12-05", "UploadCertificate", {}) == {
        "CertificateId": "GjTNRoK7",
        "Tags": None,
        "RequestId": "req-ok",
    }


def test_api_error_fields(make_client) -> None:
    client, recorder = make_client(api_error("FailedOperation.CertificateNotFound", "certificate does not exist"))
    with pytest.raises(ApiError) as caught:
        client.call("ssl", "2019-12-05", "DeleteCertificate", {"CertificateId": "GjTNRoK7"})
    error = caught.value
    assert (error.action, error.code, error.message, error.request_id, error.attempts) == (
        "DeleteCertificate",
        "FailedOperation.CertificateNotFound",
        "certificate does not exist",
        "req-e",
        1,
    )
    assert str(error) == (
        "DeleteCertificate failed: FailedOperation.CertificateNotFound: certificate does not exist (RequestId req-e)"
    )
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (httpx.Response(502, text="Bad Gateway"), HttpStatusError),
        (httpx.Response(500, json={"Response": {"RequestId": "x"}}), HttpStatusError),
        (httpx.Response(200, text="<html>oops</html>", headers={"Content-Type": "text/html"}), InvalidResponse),
        (httpx.Response(200, json=["not", "an", "envelope"]), InvalidResponse),
        (httpx.Response(200, json={"NoResponse": {}}), InvalidResponse),
        (httpx.Response(200, json={"Response": {"Error": "weird", "RequestId": "x"}}), InvalidResponse),
        (httpx.Response(200, content=b""), InvalidResponse),
    ],
)
def test_5xx_and_non_json_are_transport_errors_retried_then_raised(make_client, clock, reply, expected) -> None:
    client, recorder = make_client(reply, max_attempts=3)
    with pytest.raises(expected) as caught:
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    assert caught.value.action == "DescribeCertificates"
    assert caught.value.attempts == 3
    assert len(recorder.requests) == 3
    assert clock.sleeps == [0.5, 1.0]
    if expected is HttpStatusError:
        assert caught.value.status_code == reply.status_code


# --- retries ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        api_error("RequestLimitExceeded"),
        api_error("RequestLimitExceeded.UinLimitExceeded"),
        api_error("LimitExceeded.RateLimitExceeded"),
        api_error("InternalError"),
        api_error("FailedOperation.NetworkError"),
        httpx.Response(500),
        httpx.Response(502),
        httpx.Response(503, text="Service Unavailable"),
        httpx.Response(504),
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow to connect"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
    ids=str,
)
def test_transient_failures_are_retried_then_succeed(make_client, clock, failure) -> None:
    client, recorder = make_client(failure, failure, ok)
    assert client.call("ssl", "2019-12-05", "DescribeCertificates", {"Limit": 1}) == {"RequestId": "req-ok"}
    assert len(recorder.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_every_attempt_is_re_signed_with_a_fresh_timestamp_over_the_same_body(make_client, clock) -> None:
    def slow_failure(request: httpx.Request) -> httpx.Response:
        clock.now += 30.0  # the reply takes a while: the next attempt must carry a new timestamp
        return api_error("InternalError")

    client, recorder = make_client(slow_failure, slow_failure, ok)
    client.call("ssl", "2019-12-05", "UploadCertificate", {"CertificatePublicKey": "pem", "Alias": "a"})
    timestamps = [int(r.headers["X-TC-Timestamp"]) for r in recorder.requests]
    # 30 s reply + 0.5 s backoff, then another 30 s reply + 1 s backoff.
    assert timestamps == [1551113065, 1551113095, 1551113126]
    assert len({r.headers["Authorization"] for r in recorder.requests}) == 3
    assert len({r.content for r in recorder.requests}) == 1
    for request in recorder.requests:
        assert_correctly_signed(request, "ssl")


@pytest.mark.parametrize("status", [400, 403, 404, 429])
def test_client_error_statuses_are_never_retried(make_client, clock, status) -> None:
    client, recorder = make_client(httpx.Response(status, text="refused"), ok)
    with pytest.raises(HttpStatusError) as caught:
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    assert caught.value.status_code == status and caught.value.attempts == 1
    assert str(caught.value) == f"DescribeCertificates failed: HTTP status {status}"
    assert len(recorder.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "code",
    [
        "AuthFailure.SignatureFailure",
        "AuthFailure.SignatureExpire",
        "AuthFailure.SecretIdNotFound",
        "InvalidParameter",
        "InvalidParameter.MissMatchPrivateKey",
        "InvalidParameterValue.TooLong",
        "MissingParameter",
        "FailedOperation.BoundResources",
    ],
)
def test_auth_and_parameter_errors_are_never_retried(make_client, clock, code) -> None:
    client, recorder = make_client(api_error(code))
    with pytest.raises(ApiError) as caught:
        client.call("ssl", "2019-12-05", "DeleteCertificate", {})
    assert caught.value.code == code and caught.value.attempts == 1
    assert len(recorder.requests) == 1
    assert clock.sleeps == []


def test_backoff_stays_within_the_deadline(make_client, clock) -> None:
    client, recorder = make_client(api_error("RequestLimitExceeded"), retry_deadline=10.0, max_attempts=100)
    with pytest.raises(ApiError) as caught:
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    # rng=1.0 takes the top of each jitter interval: 0.5 + 1 + 2 + 4 = 7.5; the next wait (8) would cross 10 s.
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert clock.now - START == 7.5 < 10.0
    assert caught.value.attempts == len(recorder.requests) == 5
    assert "after 5 attempts" in str(caught.value)


def test_backoff_is_capped(make_client, clock) -> None:
    client, _ = make_client(api_error("InternalError"), max_attempts=8, backoff_cap=3.0, retry_deadline=1000.0)
    with pytest.raises(ApiError):
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    assert clock.sleeps == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0]


def test_attempt_timeout_shrinks_to_the_remaining_deadline(make_client) -> None:
    client, recorder = make_client(timeout=30.0, retry_deadline=12.0)
    client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    assert recorder.requests[0].extensions["timeout"]["read"] == 12.0


def test_transport_error_keeps_its_cause(make_client) -> None:
    cause = httpx.ConnectError("[Errno 111] Connection refused")
    client, _ = make_client(cause, max_attempts=2)
    with pytest.raises(ConnectError) as caught:
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    assert caught.value.__cause__ is cause
    assert caught.value.action == "DescribeCertificates"
    assert str(caught.value).startswith("DescribeCertificates failed: could not connect to ssl.tencentcloudapi.com")


def test_read_timeout_and_dropped_connection_map_to_their_classes(make_client) -> None:
    client, _ = make_client(httpx.ReadTimeout("slow"), max_attempts=1)
    with pytest.raises(ReadTimeout):
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    client, _ = make_client(httpx.RemoteProtocolError("gone"), max_attempts=1)
    with pytest.raises(ConnectionLost):
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})


def test_programming_errors_are_not_swallowed(make_client) -> None:
    client, recorder = make_client()
    with pytest.raises(TypeError):
        client.call("ssl", "2019-12-05", "UploadCertificate", {"Bad": object()})
    assert recorder.requests == []


# --- rate limiting ----------------------------------------------------------------------------------------------


def test_rate_limit_spaces_calls_of_one_action(make_client, clock) -> None:
    client, recorder = make_client(rate_per_action=10.0)
    for _ in range(3):
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    client.call("ssl", "2019-12-05", "DescribeCertificateDetail", {})
    assert clock.sleeps == pytest.approx([0.1, 0.1])
    assert len(recorder.requests) == 4


def test_concurrent_calls_share_one_client(make_client) -> None:
    client, recorder = make_client(lambda r: ok(r, Echo=json.loads(r.content)["N"]))
    results: list[int] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        for n in range(offset, offset + 25):
            echo = client.call("ssl", "2019-12-05", "DescribeCertificateDetail", {"N": n})["Echo"]
            with lock:
                results.append(echo)

    assert run_together([functools.partial(worker, k * 100) for k in range(8)]) == []
    assert sorted(results) == sorted(k * 100 + n for k in range(8) for n in range(25))


# --- secrets ----------------------------------------------------------------------------------------------------


def test_no_secret_in_logs_errors_or_reprs(make_client, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="provider.tencentcloud")
    client, recorder = make_client(
        api_error("InternalError"),
        httpx.RemoteProtocolError("gone"),
        api_error("InvalidParameter.MissMatchPrivateKey", "private key does not match"),
        token=TOKEN,
    )
    params = {"CertificatePublicKey": "pem", "CertificatePrivateKey": PRIVATE_KEY, "Alias": "alias-sentinel"}
    with pytest.raises(ApiError) as caught:
        client.call("ssl", "2019-12-05", "UploadCertificate", params)
    signatures = [r.headers["Authorization"].rsplit("Signature=", 1)[1] for r in recorder.requests]
    texts = [caplog.text, str(caught.value), repr(caught.value), repr(client), str(client)]
    assert "UploadCertificate attempt 1" in caplog.text and "attempt 3" in caplog.text
    for text in texts:
        for secret in (SECRET_KEY, TOKEN, PRIVATE_KEY, "MIIunitTESTprivateKEY", "alias-sentinel", *signatures):
            assert secret not in text


def test_client_requires_credentials() -> None:
    with pytest.raises(TypeError):
        Client(None)  # type: ignore[arg-type]


def test_context_manager_closes_the_pool(clock) -> None:
    closed: list[bool] = []

    class Tracking(httpx.MockTransport):
        def close(self) -> None:
            closed.append(True)

    with Client(Credentials(SECRET_ID, SECRET_KEY), transport=Tracking(ok), clock=clock.time) as client:
        client.call("ssl", "2019-12-05", "DescribeCertificates", {})
    assert closed == [True]


@pytest.mark.parametrize(
    ("settings", "url", "host", "sni"),
    [
        (ClientSettings(domain="intl.tencentcloudapi.com"), "https://tag.intl.tencentcloudapi.com/",
         "tag.intl.tencentcloudapi.com", None),
        (ClientSettings(domain="localhost:8443"), "https://127.0.0.1:8443/", "tag.localhost:8443", "tag.localhost"),
        (ClientSettings(domain="localhost:8787", protocol="HTTP"), "http://127.0.0.1:8787/", "tag.localhost:8787",
         None),
    ],
)  # fmt: skip
def test_each_service_goes_to_its_host_under_the_root_domain(
    settings: ClientSettings, url: str, host: str, sni: str | None
) -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Response": {"RequestId": "r"}})

    with Client(Credentials(SECRET_ID, SECRET_KEY), settings, transport=httpx.MockTransport(reply)) as client:
        client.call("tag", "2018-08-13", "DescribeTags", {})
    (request,) = seen
    assert (str(request.url), request.headers["Host"]) == (url, host)
    # Names under localhost are dialled on 127.0.0.1 but TLS still asks for, and verifies, the name itself.
    assert request.extensions.get("sni_hostname") == sni
    assert_correctly_signed(request, "tag")
