"""ApplyCertificate: a free DV order, pending until FreeCertIssueSeconds of emulator time, then really issued."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

pytestmark = pytest.mark.emulator


@pytest.fixture
def slow_issue(emu):
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 600, "SignatureClock": "real"})


def test_a_free_certificate_is_pending_then_issued(api, emu, slow_issue):
    cert_id = api.ok("ApplyCertificate", {"DvAuthMethod": "DNS", "DomainName": "shop.example.com", "Alias": "shop"})[
        "CertificateId"
    ]
    pending = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert pending["Status"] == 0 and pending["StatusMsg"] == "PENDING-DCV"
    assert pending["From"] == "trustasia" and pending["IsDv"] is True and pending["PackageType"] == "83"
    assert pending["CertificatePublicKey"] is None and pending["CertificatePrivateKey"] is None
    assert pending["CertBeginTime"] is None and pending["VerifyType"] == "DNS"
    auth = pending["DvAuthDetail"]
    assert auth["DvAuthKey"] == "_dnsauth.shop" and auth["DvAuthDomain"] == "example.com"
    assert auth["DvAuths"][0]["DvAuthVerifyType"] == "DNS" and len(auth["DvAuths"][0]["DvAuthValue"]) == 32
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 599})
    assert api.ok("DescribeCertificate", {"CertificateId": cert_id})["Status"] == 0
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 1})
    issued = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert issued["Status"] == 1 and issued["StatusMsg"] is None
    cert = x509.load_pem_x509_certificate(issued["CertificatePublicKey"].encode())
    key = serialization.load_pem_private_key(issued["CertificatePrivateKey"].encode(), None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert cert.subject.rfc4514_string() == "CN=shop.example.com"
    assert issued["Domain"] == "shop.example.com" and issued["SubjectAltName"] == []
    assert issued["CertBeginTime"] is not None and issued["CertFingerprint"]


def test_file_validation_and_ecc(api, emu):
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    cert_id = api.ok(
        "ApplyCertificate",
        {"DvAuthMethod": "FILE", "DomainName": "example.com", "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"},
    )["CertificateId"]
    detail = api.ok("DescribeCertificateDetail", {"CertificateId": cert_id})
    assert detail["Status"] == 1 and detail["EncryptAlgorithm"] == "ECC"
    assert detail["DvAuthDetail"]["DvAuthPath"] == "/.well-known/pki-validation/"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"DvAuthMethod": "DNS"}, "MissingParameter"),
        ({"DvAuthMethod": "EMAIL", "DomainName": "a.example.com"}, "InvalidParameterValue"),
        ({"DvAuthMethod": "DNS", "DomainName": "*.example.com"}, "InvalidParameterValue"),
        ({"DvAuthMethod": "DNS", "DomainName": "a.example.com", "CsrEncryptAlgo": "ECC"}, "MissingParameter"),
        ({"DvAuthMethod": "DNS", "DomainName": "a.example.com", "OldCertificateId": "nope1234"},
         "FailedOperation.CertificateNotFound"),
    ],
)  # fmt: skip
def test_apply_errors(api, params, code):
    assert api.error("ApplyCertificate", params)["Code"] == code


def test_apply_redacts_the_csr_key_password_in_the_call_log(api, emu):
    api.ok("ApplyCertificate", {"DvAuthMethod": "DNS", "DomainName": "a.example.com", "CsrKeyPassword": "pw-123"})
    (call,) = emu.calls()
    assert call["Params"]["CsrKeyPassword"] == "***"
