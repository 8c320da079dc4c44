"""CertificateProvider.create (provider.creation): upload, adopt and free certificates against the emulator, lost
replies and interrupted creates included."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from provider.certificate import CLAIM_TAG, CREATE_TAG, OWNER_TAG, CertificateError, CertificateProvider
from provider.ssl import SslService
from provider.tencentcloud import Client, ClientSettings, Credentials
from support.certs import fingerprint_sha1, make_cert, make_chain
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, FakeTime, actions, create, upload_inputs, write_actions

pytestmark = pytest.mark.emulator


def test_create_upload_returns_complete_outputs(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com", sans=["www.example.com", "api.example.com"])
    cert_id, outs = create(provider, upload_inputs(cert, key, project_id=4.0))
    assert outs["certificate_id"] == cert_id
    assert outs["domain"] == "www.example.com"
    assert outs["subject_alt_names"] == ["www.example.com", "api.example.com"]
    assert outs["status"] == 1 and outs["status_name"]
    assert outs["fingerprint"] == fingerprint_sha1(cert)
    assert outs["alias"] == "www" and outs["project_id"] == 4 and outs["tags"] == {"env": "prod"}
    assert outs["certificate_type"] == "SVR" and outs["source"] == "upload"
    for name in ("not_before", "not_after"):
        assert outs[name].endswith("Z") and dt.datetime.fromisoformat(outs[name]).tzinfo is not None
    # Neither the key nor the PEM is echoed (they stay in the inputs); the chain is recorded by its digest.
    assert [k for k, v in outs.items() if v in (key, cert)] == [] and outs["certificate_sha256"]
    assert "__provider" not in outs
    [stored] = emu.certificates()
    assert stored["CertificateId"] == cert_id
    # The upload carries the in-flight create mark; the completed create removes it and keeps the owner tag. One
    # detail read serves as the readiness check; no search for the create's mark after a clear upload.
    assert write_actions(emu) == ["UploadCertificate", "UnTagResources"]
    assert actions(emu).count("DescribeCertificateDetail") == 1
    tag_keys = {t["TagKey"] if isinstance(t, dict) else t for t in stored["Tags"]}
    assert "pulumi:owner" in tag_keys and "pulumi:create" not in tag_keys


def test_create_upload_sets_ownership_tags(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    tags = ssl.get_tags(cert_id)
    # The in-flight mark (pulumi:create) is gone once the create completed; the owner tag and the create's claim
    # stay, and the state keeps the same claim.
    assert tags == {"env": "prod", OWNER_TAG: OWNER, CLAIM_TAG: outs["claim"]}
    assert len(outs["claim"]) == 16


def test_create_with_a_lost_reply_leaves_no_duplicate(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "lose_reply", "Count": 1})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    # The client retried the upload; sent with Repeatable=false, the retry was answered with the first certificate.
    uploads = [c for c in emu.calls() if c["Action"] == "UploadCertificate"]
    assert [c["Params"]["Repeatable"] for c in uploads] == [False, False]
    assert [c["CertificateId"] for c in emu.certificates()] == [cert_id]
    assert outs["certificate_id"] == cert_id


def test_create_with_a_slow_reply_committed_after_the_retry_leaves_no_duplicate(
    emu: RunningEmulator, fake_time: FakeTime, lines: list[str]
) -> None:
    # The first attempt times out on the client and is retried; the emulator commits it 1.5 s later, after the retry.
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "delay", "Seconds": 2.5, "Count": 1})
    settings = ClientSettings(endpoint=emu.url, rate_per_action=None, timeout=1.0)
    with Client(Credentials(emu.secret_id, emu.secret_key), settings, sleep=lambda _s: None) as api:
        ssl = SslService(api)
        timing = fake_time.timing()
        provider = CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)
        cert, key = make_cert("www.example.com")
        cert_id, _ = create(provider, upload_inputs(cert, key))
    deadline = time.monotonic() + 10
    while not any(c["Fault"] == "delay" for c in emu.calls()) and time.monotonic() < deadline:
        time.sleep(0.1)  # the late attempt is logged once the emulator has run it
    assert [c["Fault"] for c in emu.calls() if c["Action"] == "UploadCertificate"] == [None, "delay"]
    assert [c["CertificateId"] for c in emu.certificates()] == [cert_id]


def test_create_uses_the_certificate_an_interrupted_create_left(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    cert, key = make_cert("www.example.com")
    # A create killed after its upload: the certificate carries the entry's owner tag but never reached the state.
    left = ssl.upload(
        public_key=cert, private_key=key, alias="www", tags={OWNER_TAG: OWNER, CREATE_TAG: "0123456789abcdef"}
    ).certificate_id
    cert_id, outs = create(provider, upload_inputs(cert, key, alias="www-2"))
    assert cert_id == left
    assert [c["CertificateId"] for c in emu.certificates()] == [left]
    assert outs["alias"] == "www-2" and outs["tags"] == {"env": "prod"}
    # Now a completed create: no in-flight mark, this create's claim.
    assert ssl.get_tags(left) == {"env": "prod", OWNER_TAG: OWNER, CLAIM_TAG: outs["claim"]}
    assert any("interrupted" in line and left in line for line in lines)


def test_create_never_takes_over_a_completed_certificate_of_the_same_entry(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    # A forced replace (pulumi up --replace) creates the same entry again with the same PEM while the old one,
    # whose create completed, is still in the state: Repeatable=false answers with the old one, which must not
    # become the new resource (the replace deletes the old one next).
    cert, key = make_cert("www.example.com")
    old_id, _ = create(provider, upload_inputs(cert, key))
    new_id, _ = create(provider, upload_inputs(cert, key))
    assert new_id != old_id
    assert sorted(c["CertificateId"] for c in emu.certificates()) == sorted([old_id, new_id])


def test_create_never_takes_over_the_certificate_it_replaces(ssl: SslService, provider: CertificateProvider) -> None:
    # The chain was added to the entry's PEM: a replacement, with the same leaf (so the same fingerprint).
    chain = make_chain("www.example.com")
    old = ssl.upload(
        public_key=chain.leaf_pem, private_key=chain.key_pem, tags={OWNER_TAG: OWNER, CREATE_TAG: "0123456789abcdef"}
    ).certificate_id
    cert_id, _ = create(provider, upload_inputs(chain.fullchain_pem, chain.key_pem))
    assert cert_id != old
    assert ssl.describe_certificate_detail(old).certificate_id == old


def test_create_finds_the_certificate_when_every_retry_failed(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "lose_reply", "Count": 1})
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "http_status", "Count": 50})
    cert, key = make_cert("www.example.com")
    cert_id, _ = create(provider, upload_inputs(cert, key))
    assert [c["CertificateId"] for c in emu.certificates()] == [cert_id]


def test_create_upload_failure_is_reported_without_key(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "error",
                                             "Code": "FailedOperation.CertificateInvalid", "Count": 1})  # fmt: skip
    cert, key = make_cert("www.example.com")
    with pytest.raises(CertificateError) as caught:
        create(provider, upload_inputs(cert, key))
    message = str(caught.value)
    assert message.startswith("www: uploading the certificate failed") and "CertificateInvalid" in message
    assert "PRIVATE KEY" not in message and key[40:80] not in message
    assert emu.certificates() == []


def test_create_never_adopts_an_identical_certificate(
    ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    cert, key = make_cert("www.example.com")
    foreign = ssl.upload(public_key=cert, private_key=key).certificate_id  # someone else's upload of the same cert
    cert_id, _ = create(provider, upload_inputs(cert, key))
    assert cert_id != foreign
    assert OWNER_TAG not in ssl.get_tags(foreign)
    assert not any(foreign in line for line in lines)  # not the entry's: nothing to adopt or delete


def test_create_names_a_completed_certificate_of_the_entry_it_does_not_take(
    ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # What a run killed after a create completed leaves: marked as the entry's, no in-flight mark, in no state.
    cert, key = make_cert("www.example.com")
    left = ssl.upload(public_key=cert, private_key=key, tags={OWNER_TAG: OWNER, CLAIM_TAG: "0123456789abcdef"})
    cert_id, _ = create(provider, upload_inputs(cert, key))
    assert cert_id != left.certificate_id
    assert any(f"adopt: {left.certificate_id}" in line and "delete it" in line for line in lines), lines


def test_create_adopt(emu: RunningEmulator, ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("legacy.example.com")
    existing = ssl.upload(public_key=cert, private_key=key, alias="old", tags={"keep": "no"}).certificate_id
    props = {"entry": "legacy", "owner": OWNER, "source": "adopt", "adopt_id": existing, "alias": "legacy",
             "project_id": 0.0, "tags": {"team": "web"}}  # fmt: skip
    emu.admin("DELETE", "/_emulator/calls")
    cert_id, outs = create(provider, props)
    assert cert_id == existing and outs["certificate_id"] == existing
    assert outs["alias"] == "legacy" and outs["tags"] == {"team": "web"} and outs["domain"] == "legacy.example.com"
    assert "UploadCertificate" not in actions(emu)
    # Adopted: marked as this entry's, with this create's claim (the delete rule reads both).
    assert ssl.get_tags(existing) == {"team": "web", OWNER_TAG: OWNER, CLAIM_TAG: outs["claim"]}
    assert "certificate" not in outs and "private_key" not in outs


def test_create_adopt_missing_or_foreign(ssl: SslService, provider: CertificateProvider) -> None:
    props = {"entry": "legacy", "owner": OWNER, "source": "adopt", "adopt_id": "NoSuch01"}
    with pytest.raises(CertificateError, match="legacy: cannot adopt certificate NoSuch01: it does not exist"):
        create(provider, props)
    cert, key = make_cert("x.example.com")
    foreign = ssl.upload(public_key=cert, private_key=key, tags={OWNER_TAG: "another-stack"}).certificate_id
    with pytest.raises(CertificateError, match="managed by another Pulumi stack"):
        create(provider, {**props, "adopt_id": foreign})


def test_create_free_waits_for_issuance(
    emu: RunningEmulator, fake_time: FakeTime, ssl: SslService, provider: CertificateProvider
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 40})
    props = {"entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com",
             "free_validation": "DNS", "alias": "shop", "tags": {"env": "prod"}}  # fmt: skip
    cert_id, outs = create(provider, props)
    assert outs["status"] == 1 and outs["domain"] == "shop.example.com" and outs["alias"] == "shop"
    assert outs["source"] == "free" and outs["tags"] == {"env": "prod"}
    assert sum(fake_time.sleeps) >= 40
    assert ssl.get_tags(cert_id)[OWNER_TAG] == OWNER
    assert actions(emu).count("ApplyCertificate") == 1


def test_create_free_timeout_reports_validation_records_and_resumes(
    emu: RunningEmulator, fake_time: FakeTime, provider: CertificateProvider
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 200})
    props = {"entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com",
             "free_validation": "DNS", "create_timeout": 60.0}  # fmt: skip
    with pytest.raises(CertificateError) as caught:
        create(provider, props)
    message = str(caught.value)
    [pending] = emu.certificates()
    assert f"shop: the free certificate {pending['CertificateId']} for shop.example.com was not issued" in message
    assert "_dnsauth" in message and "resumes waiting" in message
    # The next run resumes the same application instead of applying again.
    cert_id, outs = create(provider, {**props, "create_timeout": 600.0})
    assert cert_id == pending["CertificateId"] and outs["status"] == 1
    assert actions(emu).count("ApplyCertificate") == 1


def test_create_free_takes_over_an_application_issued_after_its_run_was_killed(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    # A run killed while waiting for issuance: the application carries the owner tag and the in-flight mark.
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    left = ssl.apply_certificate(domain="shop.example.com", validation="DNS")
    ssl.change_tags(left, replace={OWNER_TAG: OWNER, CREATE_TAG: "0123456789abcdef"})
    assert ssl.describe_certificate_detail(left).status == 1  # issued since
    props = {"entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com",
             "free_validation": "DNS", "alias": "shop"}  # fmt: skip
    cert_id, outs = create(provider, props)
    assert cert_id == left and outs["alias"] == "shop"
    assert actions(emu).count("ApplyCertificate") == 1  # the killed run's, none since
    assert any("interrupted" in line and left in line for line in lines)
    assert CREATE_TAG not in ssl.get_tags(left)  # complete now


def test_create_free_never_takes_over_a_completed_certificate_of_its_entry(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider
) -> None:
    # A forced replace (pulumi up --replace) of a free entry: the certificate it replaces is issued and complete.
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    props = {"entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com",
             "free_validation": "DNS"}  # fmt: skip
    first, _ = create(provider, props)
    second, _ = create(provider, props)
    assert second != first
    assert actions(emu).count("ApplyCertificate") == 2


def test_upload_waits_out_a_throttled_describe(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("POST", "/_emulator/faults", {"Action": "DescribeCertificateDetail", "Kind": "error",
                                             "Code": "LimitExceeded.RateLimitExceeded", "Count": 2})  # fmt: skip
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    assert outs["status"] == 1 and outs["certificate_id"] == cert_id
