"""The admin API refuses what a web page could make a browser send: non-JSON writes, foreign origins, rebinding.

Every test goes over real HTTP to the session emulator on loopback and checks that a refused request changed
nothing (certificates, settings, clock, faults, call log read back the same).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from emulator.admin_guard import is_loopback_address
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator

JSON = {"Content-Type": "application/json"}
# Every state-changing admin route with a body that would change something if accepted.
WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/_emulator/reset", {}),
    ("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 4, "RoleAuthorized": False}),
    ("POST", "/_emulator/clock", {"AdvanceSeconds": 7200}),
    ("POST", "/_emulator/faults", {"Action": "*", "Kind": "drop", "Count": 5}),
    ("DELETE", "/_emulator/calls", {}),
    ("DELETE", "/_emulator/bindings", {"CertificateId": "PLACEHOLDER"}),
    ("POST", "/_emulator/bindings", {"CertificateId": "PLACEHOLDER", "ResourceType": "cdn", "ResourceId": "x.com"}),
]


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.fixture
def seeded(emu: RunningEmulator) -> Iterator[str]:
    """A certificate with a binding, a moved clock, a setting and an armed fault: state a refusal must keep."""
    with RawApi(emu) as api:
        cert_id = api.upload(*make_cert("guard.example.com"))
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-1"})
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 7})
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 60})
    emu.admin("POST", "/_emulator/faults", {"Action": "DescribeCertificate", "Kind": "error", "Count": 3})
    yield cert_id


def snapshot(emu: RunningEmulator) -> dict[str, Any]:
    """Everything the admin writes could change, read from loopback with no Origin."""
    return {
        "certificates": emu.admin("GET", "/_emulator/certificates")["Certificates"],
        "settings": emu.admin("GET", "/_emulator/settings"),
        "offset": emu.admin("GET", "/_emulator/clock")["OffsetSeconds"],
        "faults": emu.admin("GET", "/_emulator/faults")["Faults"],
        "calls": emu.calls(),
    }


@contextmanager
def nothing_changes(emu: RunningEmulator) -> Iterator[None]:
    """The block leaves everything ``snapshot`` reads as it found it."""
    before = snapshot(emu)
    yield
    assert snapshot(emu) == before


def writes(cert_id: str) -> list[tuple[str, str, Any]]:
    return [(m, p, json.loads(json.dumps(b).replace("PLACEHOLDER", cert_id))) for m, p, b in WRITES]


def send(http: httpx.Client, emu: RunningEmulator, method: str, path: str, body: Any, **headers: str) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else None
    return http.request(method, emu.url + path, content=content, headers=headers)


def assert_refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["Error"]
    for word in words:
        assert word in error, error
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


@pytest.mark.reliability(
    area="security",
    tried="an admin write (reset, faults, settings, bindings) without a JSON content type, as a web page can send it",
    held="415; certificates, settings, clock, faults and call log unchanged",
)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "text/json",
        None,
    ],
)
def test_a_write_without_a_json_content_type_is_refused_and_changes_nothing(
    emu: RunningEmulator, seeded: str, http: httpx.Client, content_type: str | None
) -> None:
    with nothing_changes(emu):
        for method, path, body in writes(seeded):
            headers = {} if content_type is None else {"Content-Type": content_type}
            assert_refused(send(http, emu, method, path, body, **headers), 415, "application/json", method)


def test_a_body_less_write_needs_the_json_content_type_too(emu: RunningEmulator, seeded: str, http: httpx.Client):
    with nothing_changes(emu):
        assert_refused(http.post(emu.url + "/_emulator/reset"), 415, "Content-Type", "none")
        assert_refused(http.delete(emu.url + "/_emulator/faults"), 415, "Content-Type")
    # The same body-less requests saying application/json are accepted: an empty body reads as {}.
    assert http.delete(emu.url + "/_emulator/faults", headers=JSON).json() == {"Removed": 1}
    assert http.post(emu.url + "/_emulator/reset", headers=JSON).json() == {"Reset": True}
    assert emu.admin("GET", "/_emulator/certificates")["Certificates"] == []


@pytest.mark.reliability(
    area="security",
    tried="an admin write carrying a foreign Origin (a page open in a browser on this machine)",
    held="403 without CORS headers; nothing changes",
)
@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example",
        "null",
        "http://localhost:3000",  # another local web server: same site, other origin
        "http://127.0.0.1",  # port 80, not the emulator's
        "https://127.0.0.1:{port}",  # the emulator speaks plain HTTP
        "http://127.0.0.1.evil.example:{port}",
        "http://evil.example:{port}",
        "http://user@127.0.0.1:{port}:bad",
    ],
)
def test_a_foreign_origin_is_refused_and_changes_nothing(
    emu: RunningEmulator, seeded: str, http: httpx.Client, origin: str
) -> None:
    origin = origin.format(port=emu.port)
    with nothing_changes(emu):
        for method, path, body in writes(seeded):
            assert_refused(send(http, emu, method, path, body, **JSON, Origin=origin), 403, "Origin", origin)


@pytest.mark.parametrize("site", ["cross-site", "same-site", "bogus"])
def test_a_request_a_page_of_another_site_made_is_refused(
    emu: RunningEmulator, seeded: str, http: httpx.Client, site: str
) -> None:
    with nothing_changes(emu):
        for method, path, body in writes(seeded):
            headers = {**JSON, "Sec-Fetch-Site": site, "Sec-Fetch-Mode": "cors"}
            assert_refused(send(http, emu, method, path, body, **headers), 403, "Sec-Fetch-Site")


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.nip.io:{port}", "[::1"])
def test_a_host_that_is_not_a_loopback_name_is_refused(
    emu: RunningEmulator, seeded: str, http: httpx.Client, host: str
) -> None:
    # DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 is same-origin with the emulator,
    # and its same-origin GETs carry no Origin; only the Host it addressed gives it away.
    host = host.format(port=emu.port)
    with nothing_changes(emu):
        for method, path, body in [*writes(seeded), ("GET", "/_emulator/calls", None)]:
            headers = {**JSON, "Host": host} if method != "GET" else {"Host": host}
            assert_refused(send(http, emu, method, path, body, **headers), 403, "Host")


@pytest.mark.parametrize("path", ["/_emulator/calls", "/_emulator/certificates", "/_emulator/settings"])
def test_reads_for_a_foreign_origin_are_refused_without_cors_headers(
    emu: RunningEmulator, seeded: str, http: httpx.Client, path: str
) -> None:
    refused = http.get(emu.url + path, headers={"Origin": "http://evil.example"})
    assert_refused(refused, 403, "Origin")
    assert seeded not in refused.text
    # A CORS preflight gets no grant either, so a page can never send the JSON a write needs.
    preflight = http.options(
        emu.url + path,
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert preflight.status_code >= 400
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]
    # And an allowed read carries none either: nothing invites a browser to share it.
    allowed = http.get(emu.url + path)
    assert allowed.status_code == 200
    assert not [h for h in allowed.headers if h.lower().startswith("access-control-")]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json; charset=utf-8"},
        {"Origin": "http://127.0.0.1:{port}"},
        {"Origin": "http://localhost:{port}"},
        {"Host": "localhost:{port}"},
        {"Host": "LOCALHOST:{port}", "Origin": "http://localhost:{port}", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
    ],
)
def test_json_from_loopback_still_works(
    emu: RunningEmulator, seeded: str, http: httpx.Client, headers: dict[str, str]
) -> None:
    full = {**JSON, **{k: v.format(port=emu.port) for k, v in headers.items()}}
    changed = send(http, emu, "PUT", "/_emulator/settings", {"DeleteTaskSeconds": 3}, **full)
    assert changed.status_code == 200, changed.text
    assert emu.admin("GET", "/_emulator/settings")["DeleteTaskSeconds"] == 3
    read = http.get(emu.url + "/_emulator/settings", headers={k: v for k, v in full.items() if k != "Content-Type"})
    assert read.status_code == 200 and read.json()["DeleteTaskSeconds"] == 3


def test_the_api_endpoint_is_not_subject_to_the_admin_rules(api: RawApi) -> None:
    # The API authenticates by signature, which a web page cannot forge; an Origin header changes nothing there.
    assert "TotalCount" in api.ok("DescribeCertificates", {}, extra_headers={"Origin": "http://evil.example"})


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", False),
        ("10.0.0.1", False),
        ("localhost", False),  # a name, not an address: clients are judged by their address
        ("testclient", False),
    ],
)
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert is_loopback_address(address) is loopback


@pytest.mark.reliability(
    area="security",
    tried="HEAD or GET on the admin routes carrying a write's JSON body (HEAD /_emulator/bindings with a certificate "
    "id used to unbind it)",
    held="400 naming the method; the binding and everything else unchanged; a plain HEAD still reads",
)
@pytest.mark.parametrize("method", ["HEAD", "GET"])
def test_a_read_method_with_a_body_is_refused_and_changes_nothing(
    emu: RunningEmulator, seeded: str, http: httpx.Client, method: str
) -> None:
    with nothing_changes(emu):
        for _, path, body in writes(seeded):
            for headers in ({}, JSON):
                response = send(http, emu, method, path, body, **headers)
                assert response.status_code == 400, (path, response.status_code)
                if method == "GET":
                    assert_refused(response, 400, method, "no body")
    (binding,) = emu.admin("GET", "/_emulator/bindings")["Bindings"]
    assert binding["CertificateId"] == seeded


def test_a_body_less_head_of_the_bindings_reads_and_unbinds_nothing(
    emu: RunningEmulator, seeded: str, http: httpx.Client
) -> None:
    with nothing_changes(emu):
        response = http.head(emu.url + "/_emulator/bindings", headers=JSON)
        assert response.status_code == 200 and response.content == b""
