"""State in a SQLite file survives a restart; concurrent writers leave it consistent."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from support.certs import fingerprint_sha1, make_cert
from support.emulator import random_credentials, start_emulator
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator


def test_state_survives_a_restart(tmp_path):
    db = tmp_path / "nested" / "emulator.db"
    secret_id, secret_key = random_credentials()
    cert, key = make_cert("persist.example.com", key_type="ec")
    with start_emulator(db, secret_id=secret_id, secret_key=secret_key) as first:
        with RawApi(first) as api:
            cert_id = api.upload(cert, key, Alias="keep", Tags=[{"TagKey": "k", "TagValue": "v"}])
            first.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0, "SignatureClock": "real"})
            first.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 120})
            first.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb",
                                                         "ResourceId": "lb-9"})  # fmt: skip
            task_id = api.ok("DeleteCertificate", {"CertificateId": cert_id, "IsCheckResource": True})["TaskId"]
            before = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert db.exists()
    with start_emulator(db, secret_id=secret_id, secret_key=secret_key) as second:
        with RawApi(second) as api:
            after = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
            assert after == {**before, "RequestId": after["RequestId"]}
            assert after["CertificatePrivateKey"] == key and after["Tags"] == [{"TagKey": "k", "TagValue": "v"}]
            settings = second.admin("GET", "/_emulator/settings")
            assert settings["DeleteTaskSeconds"] == 0 and settings["SignatureClock"] == "real"
            assert second.admin("GET", "/_emulator/clock")["OffsetSeconds"] == 120
            (task,) = api.ok("DescribeDeleteCertificatesTaskResult", {"TaskIds": [task_id]})["DeleteTaskResult"]
            assert task["Status"] == 4  # the binding survived too


def test_without_a_db_state_is_in_memory(tmp_path):
    secret_id, secret_key = random_credentials()
    with start_emulator(secret_id=secret_id, secret_key=secret_key) as running:
        with RawApi(running) as api:
            api.upload(*make_cert("mem.example.com", key_type="ec"))
    with start_emulator(secret_id=secret_id, secret_key=secret_key) as running:
        with RawApi(running) as api:
            assert api.ok("DescribeCertificates", {})["TotalCount"] == 0


@pytest.mark.parametrize("use_file", [True, False], ids=["file-db", "memory"])
def test_concurrent_uploads_leave_no_corruption(tmp_path, use_file):
    secret_id, secret_key = random_credentials()
    certs = [make_cert(f"c{i}.example.com", [f"c{i}.example.com", f"alt{i}.example.com"], key_type="ec")
             for i in range(40)]  # fmt: skip
    db = tmp_path / "concurrent.db" if use_file else None
    with start_emulator(db, secret_id=secret_id, secret_key=secret_key) as running:
        running.admin("PUT", "/_emulator/settings", {"RateLimit": False})
        local = threading.local()
        clients: list[RawApi] = []
        lock = threading.Lock()

        def client() -> RawApi:
            if not hasattr(local, "api"):
                local.api = RawApi(running)  # one connection pool per thread
                with lock:
                    clients.append(local.api)
            return local.api

        def upload(i: int) -> tuple[int, str]:
            cert, key = certs[i]
            cert_id = client().upload(cert, key, Alias=f"a{i}")
            client().ok("ModifyCertificateAlias", {"CertificateId": cert_id, "Alias": f"b{i}"})
            return i, cert_id

        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = dict(pool.map(upload, range(len(certs))))
            api = client()
            assert len(set(results.values())) == len(certs)
            listed = api.ok("DescribeCertificates", {"Limit": 1000})
            assert listed["TotalCount"] == len(certs)
            assert {c["CertificateId"] for c in listed["Certificates"]} == set(results.values())
            for i, cert_id in results.items():
                detail = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
                assert detail["CertFingerprint"] == fingerprint_sha1(certs[i][0])
                assert detail["CertificatePrivateKey"] == certs[i][1]
                assert (detail["Domain"], detail["Alias"]) == (f"c{i}.example.com", f"b{i}")
            assert len(running.calls()) == 2 * len(certs) + 1 + len(certs)
        finally:
            for api in clients:
                api.close()
