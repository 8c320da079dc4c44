"""UploadCertificate, DescribeCertificate(Detail), ModifyCertificateAlias/Project over real HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from support.certs import encrypt_key, fingerprint_sha1, make_ca, make_cert, make_chain, make_key

pytestmark = pytest.mark.emulator

GMT8 = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def _gmt8(when: dt.datetime) -> str:
    """Tencent's format: GMT+8 whatever the host's zone (e.g. 2026-01-02 03:04:05 UTC -> 2026-01-02 11:04:05)."""
    return when.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")


def test_upload_parses_the_certificate(api):
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0)
    cert, key = make_cert("www.example.com", ["www.example.com", "example.com"], days=90, not_before=start)
    cert_id = api.upload(cert, key, Alias="site", ProjectId=7, CertificateUse="CLB")
    assert re.fullmatch(r"[A-Za-z0-9]{8}", cert_id)
    detail = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert detail["CertificateId"] == cert_id
    assert detail["Domain"] == "www.example.com"
    assert detail["SubjectAltName"] == ["example.com"]  # Detail: without the main domain
    assert detail["CertBeginTime"] == _gmt8(start)
    assert detail["CertEndTime"] == _gmt8(start + dt.timedelta(days=90))
    assert GMT8.match(detail["InsertTime"])
    assert detail["ProjectId"] == "7" and detail["Alias"] == "site"
    assert detail["Status"] == 1 and detail["From"] == "upload" and detail["CertificateType"] == "SVR"
    assert detail["CertFingerprint"] == fingerprint_sha1(cert)
    assert detail["CertificatePublicKey"] == cert and detail["CertificatePrivateKey"] == key
    assert detail["EncryptAlgorithm"] == "RSA" and detail["DomainType"] == 2
    assert detail["PackageType"] is None and detail["OrderId"] is None and detail["DvAuthDetail"] is None
    assert detail["Tags"] == []
    described = api.ok("DescribeCertificate", {"CertificateId": cert_id})
    assert described["SubjectAltName"] == ["www.example.com", "example.com"]  # with the main domain
    assert "CertificatePrivateKey" not in described and "CertificatePublicKey" not in described


def test_upload_with_a_chain_and_an_ec_key(api):
    chain = make_chain("api.example.com", ["api.example.com"], key_type="ec")
    cert_id = api.upload(chain.fullchain_pem, chain.key_pem)
    detail = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert detail["EncryptAlgorithm"] == "ECC"
    assert [c["Subject"] for c in detail["CertChainInfo"]] == ["api.example.com", "Test Intermediate CA"]
    assert detail["CertChainInfo"][0]["Issuer"] == "Test Intermediate CA"
    assert detail["CertFingerprint"] == fingerprint_sha1(chain.leaf_pem)
    assert detail["ProductZhName"] == "Test Intermediate CA"


def test_a_key_that_does_not_match_is_refused(api):
    cert, _ = make_cert("a.example.com")
    error = api.error("UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": make_key()})
    assert error["Code"] == "FailedOperation.CertificateMismatch"


@pytest.mark.parametrize("pem", ["garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ""])
def test_a_certificate_that_does_not_parse(api, pem):
    error = api.error("UploadCertificate", {"CertificatePublicKey": pem, "CertificatePrivateKey": make_key()})
    assert error["Code"] in ("FailedOperation.CertificateParseError", "MissingParameter")


def test_a_garbage_private_key(api):
    cert, _ = make_cert("a.example.com")
    error = api.error("UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": "nope"})
    assert error["Code"] == "FailedOperation.CertificateParseError"
    assert "nope" not in error["Message"]


def test_a_server_certificate_needs_its_key_but_a_ca_does_not(api):
    cert, _ = make_cert("a.example.com")
    assert api.error("UploadCertificate", {"CertificatePublicKey": cert})["Code"] == "MissingParameter"
    ca = make_ca("Corp Root")
    cert_id = api.upload(ca.cert_pem, None, CertificateType="CA")
    detail = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert detail["CertificateType"] == "CA" and detail["CertificatePrivateKey"] is None
    described = api.ok("DescribeCertificate", {"CertificateId": cert_id})
    assert described["CACommonNames"] == ["Corp Root"] and described["CAEncryptAlgorithms"] == ["RSA"]


def test_an_encrypted_key_with_its_password(api):
    cert, key_pem = make_cert("secure.example.com")
    encrypted = encrypt_key(key_pem, b"s3cret")
    params = {"CertificatePublicKey": cert, "CertificatePrivateKey": encrypted}
    assert api.error("UploadCertificate", params)["Code"] == "FailedOperation.CertificateParseError"
    assert api.ok("UploadCertificate", {**params, "KeyPassword": "s3cret"})["CertificateId"]


def test_repeatable_defaults_to_true_and_false_returns_the_existing_id(api):
    cert, key = make_cert("dup.example.com")
    first = api.upload(cert, key)
    second = api.upload(cert, key)
    assert first != second
    again = api.ok(
        "UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": key, "Repeatable": False}
    )
    assert again["CertificateId"] in (first, second) and again["RepeatCertId"] == again["CertificateId"]
    assert api.ok("DescribeCertificates", {})["TotalCount"] == 2
    other, other_key = make_cert("dup.example.com")
    fresh = api.ok("UploadCertificate", {"CertificatePublicKey": other, "CertificatePrivateKey": other_key,
                                         "Repeatable": False})  # fmt: skip
    assert fresh["CertificateId"] not in (first, second) and fresh["RepeatCertId"] == ""


def test_tags_at_upload(api):
    cert, key = make_cert("t.example.com")
    cert_id = api.upload(cert, key, Tags=[{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": ""}])
    tags = api.ok("DescribeCertificate", {"CertificateId": cert_id})["Tags"]
    assert tags == [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": ""}]
    error = api.error("UploadCertificate", {"CertificatePublicKey": cert, "CertificatePrivateKey": key,
                                            "Tags": [{"TagKey": "a"}, {"TagKey": "a"}]})  # fmt: skip
    assert error["Code"].startswith("InvalidParameterValue")


def test_an_expired_certificate_reads_as_status_3(api):
    cert, key = make_cert("old.example.com", days=1, not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    cert_id = api.upload(cert, key)
    assert api.ok("DescribeCertificate", {"CertificateId": cert_id})["Status"] == 3


def test_unknown_certificate(api):
    for action in ("DescribeCertificate", "DescribeCertificateDetail", "ModifyCertificateAlias"):
        assert api.error(action, {"CertificateId": "nope1234"})["Code"] == "FailedOperation.CertificateNotFound"


def test_modify_alias(api):
    cert, key = make_cert("alias.example.com")
    cert_id = api.upload(cert, key, Alias="old")
    assert api.ok("ModifyCertificateAlias", {"CertificateId": cert_id, "Alias": "new"})["CertificateId"] == cert_id
    assert api.ok("DescribeCertificate", {"CertificateId": cert_id})["Alias"] == "new"
    api.ok("ModifyCertificateAlias", {"CertificateId": cert_id})
    assert api.ok("DescribeCertificate", {"CertificateId": cert_id})["Alias"] == ""


def test_modify_project_reports_unknown_ids_in_fail_certificates(api):
    cert, key = make_cert("p.example.com")
    cert_id = api.upload(cert, key)
    response = api.ok("ModifyCertificateProject", {"CertificateIdList": [cert_id, "missing1"], "ProjectId": 42})
    assert response["SuccessCertificates"] == [cert_id]
    assert response["FailCertificates"] == ["missing1"]
    assert api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})["ProjectId"] == "42"
