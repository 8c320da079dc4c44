"""CertificateProvider.check (provider.validation): every input judged before any API call, one failure per bad
field, unknowns tolerated during preview."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pulumi.dynamic as dyn
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pulumi.runtime.rpc import UNKNOWN

from provider.certificate import CertificateProvider
from provider.pem import same_public_key
from support.certs import RSA_PRIVATE_PARTS, corrupt_rsa_key, encrypt_key, make_cert, make_key
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, upload_inputs

pytestmark = pytest.mark.emulator


def failures_of(result: dyn.CheckResult) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


def test_check_accepts_and_normalises_a_valid_upload(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    result = provider.check({}, upload_inputs("\r\n" + cert.replace("\n", "\r\n"), key, project_id=3.0))
    assert result.failures == []
    assert result.inputs["project_id"] == 3 and isinstance(result.inputs["project_id"], int)
    assert result.inputs["certificate"] == cert  # CRLF and surrounding blank lines normalised
    assert result.inputs["private_key"] == key  # the key is passed through untouched


def test_check_fills_defaults_and_accepts_durations(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    props = {"source": "upload", "certificate": cert, "private_key": key, "delete_timeout": "15m"}
    result = provider.check({}, props)
    assert result.failures == []
    assert result.inputs["delete_timeout"] == 900.0
    assert result.inputs["alias"] == "" and result.inputs["tags"] == {} and result.inputs["project_id"] == 0
    assert result.inputs["check_resources"] is True and result.inputs["certificate_type"] == "SVR"


def test_check_reports_every_bad_field_at_once(provider: CertificateProvider) -> None:
    cert, _ = make_cert("www.example.com")
    other_key = make_key()
    props = upload_inputs(
        cert,
        other_key,
        alias="x" * 300,
        tags={"pulumi:owner": "me", "ok": "fine", "bad key!": "v"},
        project_id=-1,
        check_resources="maybe",
        delete_timeout="soon",
        bogus=1,
    )
    result = provider.check({}, props)
    failures = failures_of(result)
    assert set(failures) == {
        "private_key",
        "alias",
        "tags",
        "project_id",
        "check_resources",
        "delete_timeout",
        "bogus",
    }
    assert failures["private_key"] == "private_key does not match the certificate (their public keys differ)"
    assert len([f for f in result.failures if f.property == "tags"]) == 2
    # No failure ever quotes key material.
    assert all("PRIVATE" not in f.reason and other_key[40:80] not in f.reason for f in result.failures)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"certificate": "not a pem"}, "certificate", "not a PEM X.509"),
        ({"private_key": None}, "private_key", "needs its private key"),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
            "private_key",
            "is not a valid PEM private key",
        ),
        ({"certificate_type": "XYZ"}, "certificate_type", "SVR or CA"),
        ({"source": "bought"}, "source", "upload, adopt, free"),
        ({"adopt_id": "GjTNRoK7"}, "adopt_id", "does not apply"),
        ({"tags": ["a"]}, "tags", "mapping"),
    ],
)
def test_check_failures(provider: CertificateProvider, change: dict[str, Any], field: str, reason: str) -> None:
    cert, key = make_cert("www.example.com")
    props = upload_inputs(cert, key)
    props.update(change)
    props = {k: v for k, v in props.items() if v is not None}
    failures = failures_of(provider.check({}, props))
    assert field in failures and reason in failures[field]


def test_check_refuses_an_encrypted_key(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    encrypted = encrypt_key(key, b"pw")
    assert "encrypted" in failures_of(provider.check({}, upload_inputs(cert, encrypted)))["private_key"]


def test_check_refuses_expired_unless_allowed(provider: CertificateProvider) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    cert, key = make_cert("old.example.com", days=2, not_before=past)
    assert "expired" in failures_of(provider.check({}, upload_inputs(cert, key)))["certificate"]
    assert provider.check({}, upload_inputs(cert, key, allow_expired=True)).failures == []


def test_check_ca_certificate_without_key(provider: CertificateProvider) -> None:
    cert, _ = make_cert("client-ca")
    assert provider.check({}, upload_inputs(cert, None, certificate_type="CA")).failures == []


def test_check_adopt_and_free(provider: CertificateProvider) -> None:
    adopt = {"entry": "a", "owner": OWNER, "source": "adopt", "adopt_id": "GjTNRoK7"}
    assert provider.check({}, adopt).failures == []
    assert "adopt_id" in failures_of(provider.check({}, {**adopt, "adopt_id": "bad id!"}))
    free = {"entry": "f", "owner": OWNER, "source": "free", "free_domain": "Shop.Example.com"}
    result = provider.check({}, free)
    assert result.failures == [] and result.inputs["free_domain"] == "shop.example.com"
    assert result.inputs["free_validation"] == "DNS_AUTO"
    bad = failures_of(provider.check({}, {**free, "free_domain": "not a domain", "free_validation": "EMAIL"}))
    assert set(bad) == {"free_domain", "free_validation"}
    assert "does not apply" in failures_of(provider.check({}, {**free, "certificate": "x"}))["certificate"]


def test_check_tolerates_unknowns_during_preview(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    for change in ({"certificate": UNKNOWN}, {"private_key": UNKNOWN}, {"tags": {"a": UNKNOWN}},
                   {"alias": UNKNOWN}, {"project_id": UNKNOWN}):  # fmt: skip
        props = {**upload_inputs(cert, key), **change}
        assert provider.check({}, props).failures == [], change
    assert provider.check({}, {"source": UNKNOWN}).failures == []


def test_check_makes_no_api_call(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    emu.admin("DELETE", "/_emulator/calls")
    provider.check({}, upload_inputs(cert, key))
    provider.check({}, upload_inputs(cert, make_key()))
    assert emu.calls() == []


@pytest.mark.parametrize("part", RSA_PRIVATE_PARTS)
def test_check_refuses_a_damaged_rsa_key_that_still_matches_the_certificate(
    provider: CertificateProvider, part: str
) -> None:
    # Keys load without OpenSSL's slow RSA check; the match with the certificate cannot see a damaged private half.
    cert, key = make_cert("www.example.com")
    damaged = corrupt_rsa_key(key, part)
    assert same_public_key(
        serialization.load_pem_private_key(damaged.encode(), None, unsafe_skip_rsa_key_validation=True),
        x509.load_pem_x509_certificate(cert.encode()),
    )
    failures = failures_of(provider.check({}, upload_inputs(cert, damaged)))
    assert failures == {
        "private_key": "private_key is a damaged RSA private key: its private parts do not fit its public key"
    }
