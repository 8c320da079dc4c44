"""The admin API: settings, clock, bindings, certificates view, call log, reset, and its loopback-only guard."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from emulator import create_app
from emulator.app import EmulatorConfig
from emulator.clock import Clock
from emulator.store import Store
from support.certs import make_cert
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator


def test_settings_round_trip_and_validation(emu):
    defaults = emu.admin("GET", "/_emulator/settings")
    assert defaults == {
        "DeleteTaskSeconds": 1.0,
        "DeleteTaskOutcome": "auto",
        "RateLimit": True,
        "RateLimitPerSecond": 10.0,
        "FreeCertIssueSeconds": 2.0,
        "RoleAuthorized": True,
        "SignatureClock": "emulator",
        "DeploySeconds": 2.0,
        "DeployCreateCalls": 1,
        "DeployFailures": {},
        "DeployHangs": [],
        "RealNameVerified": True,
        "ForbiddenProjects": [],
        "DeniedActions": [],
    }
    changed = emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0, "DeleteTaskOutcome": 4})
    assert changed["DeleteTaskSeconds"] == 0 and changed["DeleteTaskOutcome"] == 4
    deploy = emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"clb": "boom"}, "DeployHangs": ["cdn"]})
    assert deploy["DeployFailures"] == {"clb": "boom"} and deploy["DeployHangs"] == ["cdn"]
    for bad in ({"Nope": 1}, {"DeleteTaskOutcome": 9}, {"RateLimit": "yes"}, {"DeleteTaskSeconds": -1}, [1],
                {"DeploySeconds": -1}, {"DeployCreateCalls": 1.5}, {"DeployCreateCalls": True},
                {"DeployFailures": {"mainframe": "x"}}, {"DeployFailures": {"clb": 1}}, {"DeployFailures": ["clb"]},
                {"DeployHangs": ["antiddos"]}, {"DeployHangs": "clb"}, {"RealNameVerified": 0},
                {"ForbiddenProjects": ["7"]}, {"ForbiddenProjects": [True]}, {"DeniedActions": "DeleteCertificate"},
                {"DeniedActions": [""]}):  # fmt: skip
        with pytest.raises(httpx.HTTPStatusError) as excinfo:
            emu.admin("PUT", "/_emulator/settings", bad)
        assert excinfo.value.response.status_code == 400 and "Error" in excinfo.value.response.json()


def test_clock(emu):
    before = emu.admin("GET", "/_emulator/clock")
    assert before["OffsetSeconds"] == 0 and before["Frozen"] is False
    after = emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 7200})
    assert after["OffsetSeconds"] == 7200 and after["Now"] >= before["Now"] + 7200
    for bad in ({"AdvanceSeconds": "soon"}, {"AdvanceSeconds": True}, {"AdvanceSeconds": None}, {}, [7200],
                {"Freeze": 1}, {"Freeze": "yes"}, {"Advance": 5}):  # fmt: skip
        with pytest.raises(httpx.HTTPStatusError) as excinfo:
            emu.admin("POST", "/_emulator/clock", bad)
        assert excinfo.value.response.status_code == 400 and "Error" in excinfo.value.response.json(), bad
    # Out of any date's range, or not a number at all (Python's JSON reads these literals): refused, not a 500.
    for literal in (b"1e999", b"-1e999", b"NaN", b"1e300"):
        response = httpx.post(emu.url + "/_emulator/clock", content=b'{"AdvanceSeconds": ' + literal + b"}",
                              headers={"Content-Type": "application/json"}, timeout=30)  # fmt: skip
        assert response.status_code == 400 and "AdvanceSeconds" in response.json()["Error"], (literal, response.text)
    assert emu.admin("GET", "/_emulator/clock")["OffsetSeconds"] == 7200  # nothing refused moved it


def test_a_frozen_clock_moves_only_when_moved(emu):
    frozen = emu.admin("POST", "/_emulator/clock", {"Freeze": True})
    assert frozen["Frozen"] is True
    time.sleep(0.05)  # real time passes; the frozen clock does not see it
    assert emu.admin("GET", "/_emulator/clock")["Now"] == frozen["Now"]
    moved = emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 45})
    assert moved["Now"] == frozen["Now"] + 45 and moved["Frozen"] is True
    both = emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 15, "Freeze": True})
    assert both["Now"] == frozen["Now"] + 60
    # Unfrozen, it runs on from where it stood (no jump back to real time plus the offset).
    running = emu.admin("POST", "/_emulator/clock", {"Freeze": False})
    assert running["Frozen"] is False and frozen["Now"] + 60 <= running["Now"] < frozen["Now"] + 61
    emu.admin("POST", "/_emulator/clock", {"Freeze": True})
    emu.reset()
    assert emu.admin("GET", "/_emulator/clock")["Frozen"] is False  # a reset runs it again


def test_bindings_and_the_certificates_view(api, emu):
    cert, key = make_cert("view.example.com")
    cert_id = api.upload(cert, key, Alias="v", Tags=[{"TagKey": "a", "TagValue": "b"}])
    bound = emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "waf",
                                                       "ResourceId": "waf-1"})  # fmt: skip
    # waf has regions: a binding that names none is in the emulator's --region (ap-guangzhou by default).
    assert bound["Bindings"] == [{"ResourceType": "waf", "ResourceId": "waf-1", "Region": "ap-guangzhou"}]
    assert emu.admin("GET", "/_emulator/bindings")["Bindings"] == [
        {"CertificateId": cert_id, "ResourceType": "waf", "ResourceId": "waf-1", "Region": "ap-guangzhou"}
    ]
    (row,) = emu.admin("GET", "/_emulator/certificates")["Certificates"]
    assert row["CertificateId"] == cert_id and row["Alias"] == "v" and row["Tags"] == {"a": "b"}
    assert row["Bindings"] == [{"ResourceType": "waf", "ResourceId": "waf-1", "Region": "ap-guangzhou"}]
    assert row["HasPrivateKey"] is True
    assert key not in json.dumps(row)
    assert emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceId": "waf-1"})["Removed"] == 1
    cdn = {"CertificateId": cert_id, "ResourceType": "cdn", "ResourceId": "cdn.example.com"}
    assert emu.admin("POST", "/_emulator/bindings", cdn)["Bindings"] == [
        {"ResourceType": "cdn", "ResourceId": "cdn.example.com", "Region": None}  # cdn has no regions
    ]
    clb = {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-1", "Region": "ap-shanghai"}
    assert emu.admin("POST", "/_emulator/bindings", clb)["Bindings"][-1]["Region"] == "ap-shanghai"
    refused = [
        ({"CertificateId": "missing1", "ResourceType": "clb", "ResourceId": "x"}, 404),
        ({"CertificateId": cert_id, "ResourceType": "mainframe", "ResourceId": "x"}, 400),
        ({"CertificateId": cert_id}, 400),
        ({"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "x", "Region": ""}, 400),
    ]
    for body, status in refused:
        with pytest.raises(httpx.HTTPStatusError) as excinfo:
            emu.admin("POST", "/_emulator/bindings", body)
        assert excinfo.value.response.status_code == status


def test_tasks_view(api, emu):
    cert_id = api.upload(*make_cert("task.example.com"))
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 60})
    task_id = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})["TaskId"]
    (task,) = emu.admin("GET", "/_emulator/tasks")["Tasks"]
    assert task["TaskId"] == task_id and task["Status"] is None
    (row,) = emu.admin("GET", "/_emulator/certificates")["Certificates"]
    assert row["OpenTaskId"] == task_id


def test_the_call_log(api, emu):
    cert, key = make_cert("log.example.com")
    api.upload(cert, key, KeyPassword="")
    api.error("DescribeCertificate", {"CertificateId": "missing1"})
    upload, describe = emu.calls()
    assert upload["Seq"] + 1 == describe["Seq"]
    assert upload["Action"] == "UploadCertificate" and upload["Service"] == "ssl" and upload["Version"] == "2019-12-05"
    assert upload["SecretId"] == emu.secret_id and upload["ErrorCode"] is None and upload["Fault"] is None
    assert isinstance(upload["ClientPort"], int) and isinstance(upload["Time"], float)
    assert upload["Params"]["CertificatePrivateKey"] == "***" and upload["Params"]["KeyPassword"] == "***"
    assert upload["Params"]["CertificatePublicKey"] == cert
    text = json.dumps(emu.calls())
    assert key not in text and emu.secret_key not in text
    assert describe["ErrorCode"] == "FailedOperation.CertificateNotFound"
    assert emu.admin("DELETE", "/_emulator/calls")["Removed"] == 2 and emu.calls() == []


def test_client_ports_tell_connections_apart(api, emu):
    api.ok("DescribeCertificates", {})
    api.ok("DescribeCertificates", {})  # same keep-alive connection
    with RawApi(emu) as second:  # its own connection pool
        second.ok("DescribeCertificates", {})
    ports = [c["ClientPort"] for c in emu.calls()]
    assert ports[0] == ports[1] != ports[2]


def test_reset_forgets_everything(api, emu):
    api.upload(*make_cert("reset.example.com"))
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 10})
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "error"})
    emu.reset()
    assert emu.admin("GET", "/_emulator/certificates")["Certificates"] == []
    assert emu.admin("GET", "/_emulator/settings")["RateLimit"] is True
    assert emu.admin("GET", "/_emulator/clock")["OffsetSeconds"] == 0
    assert emu.admin("GET", "/_emulator/faults")["Faults"] == [] and emu.calls() == []


def test_unknown_admin_route_is_a_json_404(emu):
    with pytest.raises(httpx.HTTPStatusError) as excinfo:
        emu.admin("GET", "/_emulator/nothing-here")
    assert excinfo.value.response.status_code == 404 and "Error" in excinfo.value.response.json()


def _in_process(client_host: str, method: str, path: str) -> httpx.Response:
    """Call the ASGI app in-process as if from ``client_host`` (no packet leaves the process)."""
    store = Store()
    app = create_app(store, Clock(), EmulatorConfig(credentials={"AKIDx": "key"}))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.request(method, path)

    # A private loop, not asyncio.run(): that would leave the main thread without a current event loop, which
    # later tests relying on asyncio.get_event_loop() (pulumi's set_mocks) cannot survive.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()
        store.close()


@pytest.mark.parametrize("client_host", ["10.0.0.5", "192.168.1.20", "2001:db8::1", "::ffff:10.0.0.5", "testclient"])
@pytest.mark.parametrize(("method", "path"), [("GET", "/_emulator/calls"), ("POST", "/_emulator/reset")])
def test_the_admin_api_refuses_non_loopback_clients(client_host, method, path):
    response = _in_process(client_host, method, path)
    assert response.status_code == 403 and "loopback" in response.json()["Error"]


@pytest.mark.parametrize("client_host", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_the_admin_api_answers_loopback_clients(client_host):
    assert _in_process(client_host, "GET", "/_emulator/calls").json() == {"Calls": []}


def test_the_api_itself_is_not_restricted_to_loopback():
    # The API authenticates by signature; only the admin API is address-restricted.
    response = _in_process("10.0.0.5", "POST", "/")
    assert response.status_code == 200 and response.json()["Response"]["Error"]["Code"] == "MissingParameter"


def test_certificate_state_sets_what_deletion_refusals_come_from(api, emu):
    cert, key = make_cert("state.example.com")
    cert_id = api.upload(cert, key)
    row = emu.admin(
        "POST", "/_emulator/certificate-state",
        {"CertificateId": cert_id, "Paid": True, "Status": 1, "ProjectId": 5, "OrderReplaced": True,
         "RenewalPendingSeconds": 60},
    )  # fmt: skip
    assert row["CertificateId"] == cert_id and row["Paid"] is True and row["From"] == "sectigo"
    assert row["ProjectId"] == 5 and row["OrderReplaced"] is True and row["RenewalDueAt"] is not None
    cleared = emu.admin(
        "POST", "/_emulator/certificate-state", {"CertificateId": cert_id, "RenewalPendingSeconds": None}
    )
    assert cleared["RenewalDueAt"] is None and cleared["Paid"] is True  # fields not given stay
    bad_requests = (
        ({"CertificateId": "NoSuch01"}, 404), ({"CertificateId": cert_id, "Colour": 1}, 400),
        ({"CertificateId": cert_id, "Paid": "yes"}, 400), ({"CertificateId": cert_id, "Status": -1}, 400),
        ({"CertificateId": cert_id, "RenewalPendingSeconds": "soon"}, 400), ({}, 400),
    )  # fmt: skip
    for bad, status in bad_requests:
        with pytest.raises(httpx.HTTPStatusError) as excinfo:
            emu.admin("POST", "/_emulator/certificate-state", bad)
        assert excinfo.value.response.status_code == status


def test_a_deeply_nested_admin_body_is_a_400_not_a_500(emu):
    body = b"[" * 100_000 + b"]" * 100_000
    response = httpx.put(
        emu.url + "/_emulator/settings", content=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["Error"], response.text
    assert emu.admin("GET", "/_emulator/settings")["DeleteTaskSeconds"] is not None
