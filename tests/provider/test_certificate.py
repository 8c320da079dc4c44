"""CertificateProvider's methods against the emulator over real HTTP, with an injected clock that also moves the
emulator's clock; plus the Certificate resource under ``pulumi.runtime.set_mocks``."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pulumi.dynamic as dyn
import pytest
from cryptography.hazmat.primitives import serialization
from pulumi.runtime.rpc import UNKNOWN

from provider.certificate import (
    CLAIM_TAG,
    CREATE_TAG,
    OWNER_TAG,
    Certificate,
    CertificateArgs,
    CertificateError,
    CertificateProvider,
    Timing,
    names_identity,
    owner_token,
)
from provider.ssl import SslService
from provider.tencentcloud import Client, ClientSettings, Credentials
from support.certs import fingerprint_sha1, make_cert, make_chain, make_key
from support.emulator import RunningEmulator

pytestmark = pytest.mark.emulator

OWNER = owner_token(names_identity("proj", "dev"), "www")


class FakeTime:
    """A monotonic clock that only moves when the provider sleeps; each sleep also moves the emulator clock."""

    def __init__(self, emu: RunningEmulator) -> None:
        self.now = 1000.0
        self.emu = emu
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[FakeTime], None] | None = None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if seconds > 0:
            self.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": seconds})
        if self.on_sleep is not None:
            self.on_sleep(self)


@pytest.fixture
def fake_time(emu: RunningEmulator) -> FakeTime:
    # Signatures keep using real time while the emulator clock jumps ahead. Minutes of polling run in milliseconds
    # of real time here, faster than any real client could, so the emulator's per-second rate limit is off (it is
    # exercised by tests/client_http and the reliability load tests).
    emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real", "RateLimit": False})
    return FakeTime(emu)


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[Client]:
    settings = ClientSettings(endpoint=emu.url, rate_per_action=None)
    # The client's own backoff must not wait on real time either.
    with Client(Credentials(emu.secret_id, emu.secret_key), settings, sleep=lambda _s: None) as api:
        yield api


@pytest.fixture
def ssl(client: Client) -> SslService:
    return SslService(client)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def provider(ssl: SslService, fake_time: FakeTime, lines: list[str]) -> CertificateProvider:
    timing = Timing(sleep=fake_time.sleep, clock=fake_time.clock)
    return CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)


def upload_inputs(cert: str, key: str | None, **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "entry": "www",
        "owner": OWNER,
        "source": "upload",
        "certificate": cert,
        "certificate_type": "SVR",
        "alias": "www",
        "project_id": 0.0,  # numbers cross gRPC as floats
        "tags": {"env": "prod"},
        "check_resources": True,
        "delete_timeout": 600.0,
        "create_timeout": 600.0,
        "allow_expired": False,
    }
    if key is not None:
        props["private_key"] = key
    props.update(extra)
    return props


def checked(provider: CertificateProvider, props: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, {**props, "__provider": "pickled"})
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return {**result.inputs, "__provider": "pickled"}


def create(provider: CertificateProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = provider.create(checked(provider, props))
    assert result.outs is not None
    return result.id, result.outs


def certificates(emu: RunningEmulator) -> list[dict[str, Any]]:
    return list(emu.admin("GET", "/_emulator/certificates")["Certificates"])


def actions(emu: RunningEmulator) -> list[str]:
    return [c["Action"] for c in emu.calls()]


def write_actions(emu: RunningEmulator) -> list[str]:
    return [a for a in actions(emu) if not a.startswith(("Describe", "Get"))]


# ------------------------------------------------------------------------------------------------------- check


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
    assert failures["private_key"] == "private_key does not match the certificate"
    assert len([f for f in result.failures if f.property == "tags"]) == 2
    # No failure ever quotes key material.
    assert all("PRIVATE" not in f.reason and other_key[40:80] not in f.reason for f in result.failures)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"certificate": "not a pem"}, "certificate", "not a PEM X.509"),
        ({"private_key": None}, "private_key", "needs its private key"),
        ({"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, "private_key", "not a PEM"),
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
    loaded = serialization.load_pem_private_key(key.encode(), None)
    encrypted = loaded.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
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


# -------------------------------------------------------------------------------------------------------- diff


@pytest.fixture
def state(provider: CertificateProvider) -> tuple[dict[str, Any], str, str]:
    cert, key = make_cert("www.example.com")
    inputs = checked(provider, upload_inputs(cert, key))
    # Old outputs echo the inputs plus computed fields (diff compares against them).
    outs = {**inputs, "certificate_id": "AbCdEf12", "status": 1.0, "domain": "www.example.com"}
    return outs, cert, key


def test_diff_no_change(provider: CertificateProvider, state: tuple[dict[str, Any], str, str]) -> None:
    olds, _, _ = state
    news = {k: v for k, v in olds.items() if k not in ("certificate_id", "status", "domain")}
    assert provider.diff("AbCdEf12", olds, news).changes is False
    # __provider, bookkeeping fields and float/int noise never cause a step.
    noise = {**news, "__provider": "other pickle", "entry": "renamed", "owner": "x", "project_id": 0,
             "allow_expired": True, "create_timeout": 30.0}  # fmt: skip
    assert provider.diff("AbCdEf12", olds, noise).changes is False


def test_diff_in_place_fields_leave_the_field_list_to_the_engine(
    provider: CertificateProvider, state: tuple[dict[str, Any], str, str]
) -> None:
    olds, _, _ = state
    for change in ({"alias": "new"}, {"project_id": 2.0}, {"tags": {"env": "dev"}}, {"check_resources": False},
                   {"delete_timeout": 60.0}):  # fmt: skip
        result = provider.diff("AbCdEf12", olds, {**olds, **change})
        # DIFF_UNKNOWN: the engine diffs the inputs itself and names each changed field in preview and --diff.
        assert result.changes is None, change
        assert result.replaces == [], change


def test_diff_replace_fields(provider: CertificateProvider, state: tuple[dict[str, Any], str, str]) -> None:
    olds, _, _ = state
    new_cert, new_key = make_cert("www.example.com")
    result = provider.diff("AbCdEf12", olds, {**olds, "certificate": new_cert, "private_key": new_key, "alias": "x"})
    assert result.changes is None
    assert result.replaces == ["certificate", "private_key"]
    assert provider.diff("AbCdEf12", olds, {**olds, "certificate_type": "CA"}).replaces == ["certificate_type"]
    assert provider.diff("AbCdEf12", olds, {**olds, "certificate": UNKNOWN}).replaces == ["certificate"]
    adopt = {k: v for k, v in olds.items() if k not in ("certificate", "private_key", "certificate_type")}
    result = provider.diff("AbCdEf12", olds, {**adopt, "source": "adopt", "adopt_id": "GjTNRoK7"})
    assert set(result.replaces or []) == {"source", "adopt_id", "certificate", "private_key", "certificate_type"}


def test_diff_ignores_a_re_encoded_key(provider: CertificateProvider, state: tuple[dict[str, Any], str, str]) -> None:
    olds, _, key = state
    loaded = serialization.load_pem_private_key(key.encode(), None)
    pkcs1 = loaded.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    assert pkcs1 != key
    assert provider.diff("AbCdEf12", olds, {**olds, "private_key": pkcs1}).changes is False
    assert provider.diff("AbCdEf12", olds, {**olds, "certificate": "\n" + olds["certificate"] + "\n"}).changes is False


def test_diff_makes_no_api_call(
    emu: RunningEmulator, provider: CertificateProvider, state: tuple[dict[str, Any], str, str]
) -> None:
    olds, _, _ = state
    emu.admin("DELETE", "/_emulator/calls")
    provider.diff("AbCdEf12", olds, {**olds, "alias": "y"})
    assert emu.calls() == []


# ------------------------------------------------------------------------------------------------------ create


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
    # The key is echoed only under its input name, which the engine re-marks secret.
    assert [k for k, v in outs.items() if v == key] == ["private_key"]
    assert "__provider" not in outs
    [stored] = certificates(emu)
    assert stored["CertificateId"] == cert_id
    # The upload carries the in-flight create mark; the completed create removes it and keeps the owner tag.
    assert write_actions(emu) == ["UploadCertificate", "ModifyResourceTags"]
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
    assert [c["CertificateId"] for c in certificates(emu)] == [cert_id]
    assert outs["certificate_id"] == cert_id


def test_create_with_a_slow_reply_committed_after_the_retry_leaves_no_duplicate(
    emu: RunningEmulator, fake_time: FakeTime, lines: list[str]
) -> None:
    # The first attempt times out on the client and is retried; the emulator commits it 1.5 s later, after the retry.
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "delay", "Seconds": 2.5, "Count": 1})
    settings = ClientSettings(endpoint=emu.url, rate_per_action=None, timeout=1.0)
    with Client(Credentials(emu.secret_id, emu.secret_key), settings, sleep=lambda _s: None) as api:
        ssl = SslService(api)
        timing = Timing(sleep=fake_time.sleep, clock=fake_time.clock)
        provider = CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)
        cert, key = make_cert("www.example.com")
        cert_id, _ = create(provider, upload_inputs(cert, key))
    deadline = time.monotonic() + 10
    while not any(c["Fault"] == "delay" for c in emu.calls()) and time.monotonic() < deadline:
        time.sleep(0.1)  # the late attempt is logged once the emulator has run it
    assert [c["Fault"] for c in emu.calls() if c["Action"] == "UploadCertificate"] == [None, "delay"]
    assert [c["CertificateId"] for c in certificates(emu)] == [cert_id]


def test_create_uses_the_certificate_an_interrupted_create_left(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    cert, key = make_cert("www.example.com")
    # A create killed after its upload: the certificate carries the entry's owner tag but never reached the state.
    left = ssl.upload_certificate(
        public_key=cert, private_key=key, alias="www", tags={OWNER_TAG: OWNER, CREATE_TAG: "0123456789abcdef"}
    )
    cert_id, outs = create(provider, upload_inputs(cert, key, alias="www-2"))
    assert cert_id == left
    assert [c["CertificateId"] for c in certificates(emu)] == [left]
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
    assert sorted(c["CertificateId"] for c in certificates(emu)) == sorted([old_id, new_id])


def test_create_never_takes_over_the_certificate_it_replaces(ssl: SslService, provider: CertificateProvider) -> None:
    # The chain was added to the entry's PEM: a replacement, with the same leaf (so the same fingerprint).
    chain = make_chain("www.example.com")
    old = ssl.upload_certificate(
        public_key=chain.leaf_pem, private_key=chain.key_pem, tags={OWNER_TAG: OWNER, CREATE_TAG: "0123456789abcdef"}
    )
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
    assert [c["CertificateId"] for c in certificates(emu)] == [cert_id]


def test_create_upload_failure_is_reported_without_key(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "error",
                                             "Code": "FailedOperation.CertificateInvalid", "Count": 1})  # fmt: skip
    cert, key = make_cert("www.example.com")
    with pytest.raises(CertificateError) as caught:
        create(provider, upload_inputs(cert, key))
    message = str(caught.value)
    assert message.startswith("www: uploading the certificate failed") and "CertificateInvalid" in message
    assert "PRIVATE KEY" not in message and key[40:80] not in message
    assert certificates(emu) == []


def test_create_never_adopts_an_identical_certificate(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    foreign = ssl.upload_certificate(public_key=cert, private_key=key)  # someone else's upload of the same cert
    cert_id, _ = create(provider, upload_inputs(cert, key))
    assert cert_id != foreign
    assert OWNER_TAG not in ssl.get_tags(foreign)


def test_create_adopt(emu: RunningEmulator, ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("legacy.example.com")
    existing = ssl.upload_certificate(public_key=cert, private_key=key, alias="old", tags={"keep": "no"})
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
    foreign = ssl.upload_certificate(public_key=cert, private_key=key, tags={OWNER_TAG: "another-stack"})
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
    [pending] = certificates(emu)
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


# ----------------------------------------------------------------------------------------------- read / update


def test_read_returns_outputs_and_inputs(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    # Drift made outside Pulumi shows up in both outputs and inputs, so the next diff corrects it.
    ssl.modify_alias(cert_id, "console-edit")
    ssl.change_tags(cert_id, replace={"extra": "1"})
    result = provider.read(cert_id, {**outs, "__provider": "pickled"})
    assert result.id == cert_id and result.outs is not None and result.inputs is not None
    assert result.outs["alias"] == "console-edit" and result.outs["tags"] == {"env": "prod", "extra": "1"}
    assert result.inputs["alias"] == "console-edit" and result.inputs["private_key"] == key
    assert set(result.inputs) == {"entry", "owner", "source", "alias", "project_id", "tags", "check_resources",
                                  "delete_timeout", "create_timeout", "certificate", "private_key",
                                  "certificate_type", "allow_expired"}  # fmt: skip
    assert provider.diff(cert_id, result.outs, checked(provider, upload_inputs(cert, key))).changes is None


def test_read_of_a_certificate_deleted_out_of_band(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    ssl.delete_certificate(cert_id, check_resources=False)
    result = provider.read(cert_id, outs)
    assert result.id is None and result.outs == {}  # never outs=None: the dynamic server would crash


def test_update_alias_project_tags(emu: RunningEmulator, ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    news = checked(provider, upload_inputs(cert, key, alias="renamed", project_id=5.0, tags={"env": "dev", "b": "2"}))
    emu.admin("DELETE", "/_emulator/calls")
    result = provider.update(cert_id, outs, news)
    assert result.outs is not None
    assert (result.outs["alias"], result.outs["project_id"], result.outs["tags"]) == (
        "renamed",
        5,
        {"env": "dev", "b": "2"},
    )
    # Complete outputs, not just the changed fields (the default UpdateResult would wipe them).
    assert result.outs["certificate_id"] == cert_id and result.outs["fingerprint"] and result.outs["not_after"]
    assert write_actions(emu) == ["ModifyCertificateAlias", "ModifyCertificateProject", "ModifyResourceTags"]
    tags = ssl.get_tags(cert_id)
    assert tags["env"] == "dev" and tags["b"] == "2" and tags[OWNER_TAG] == OWNER  # the ownership tag survives
    detail = ssl.describe_certificate_detail(cert_id)
    assert (detail.alias, detail.project_id) == ("renamed", 5)


def test_update_of_delete_settings_makes_no_write(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    emu.admin("DELETE", "/_emulator/calls")
    result = provider.update(cert_id, outs, checked(provider, upload_inputs(cert, key, check_resources=False)))
    assert result.outs is not None and result.outs["check_resources"] is False
    assert write_actions(emu) == []


def test_update_project_failure(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    emu.admin("POST", "/_emulator/faults", {"Action": "ModifyCertificateProject", "Kind": "error",
                                             "Code": "FailedOperation.NoProjectPermission"})  # fmt: skip
    with pytest.raises(CertificateError, match=f"www: updating certificate {cert_id} failed.*NoProjectPermission"):
        provider.update(cert_id, outs, checked(provider, upload_inputs(cert, key, project_id=9)))


def test_update_of_a_vanished_certificate(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    ssl.delete_certificate(cert_id, check_resources=False)
    with pytest.raises(CertificateError, match="pulumi refresh"):
        provider.update(cert_id, outs, checked(provider, upload_inputs(cert, key, alias="x")))


# ------------------------------------------------------------------------------------------------------ delete


def test_delete_checks_resources_and_waits_for_the_task(
    emu: RunningEmulator, fake_time: FakeTime, provider: CertificateProvider, lines: list[str]
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 45})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    calls = emu.calls()
    # The ownership marks are read first (the delete rule), then the checked delete and its task.
    assert calls[0]["Action"] == "DescribeResourceTagsByResourceIds"
    assert calls[1]["Action"] == "DeleteCertificate" and calls[1]["Params"]["IsCheckResource"] is True
    polls = [c for c in calls if c["Action"] == "DescribeDeleteCertificatesTaskResult"]
    assert len(polls) >= 2 and {c["Action"] for c in calls} == {
        "DescribeResourceTagsByResourceIds",
        "DeleteCertificate",
        "DescribeDeleteCertificatesTaskResult",
    }
    assert certificates(emu) == []
    # Backoff: growing waits, capped.
    assert fake_time.sleeps[:3] == [1.0, 2.0, 4.0] and max(fake_time.sleeps) <= 10.0
    assert any("waiting for Tencent Cloud's task" in line for line in lines)
    assert any(line.startswith(f"www: deleted certificate {cert_id}") for line in lines)
    assert sum(1 for line in lines if "still deleting" in line) >= 2  # a progress line every ~15 s


def test_delete_without_check_is_synchronous(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key, check_resources=False))
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    calls = [c for c in emu.calls() if c["Action"] != "DescribeResourceTagsByResourceIds"]
    assert [(c["Action"], c["Params"]["IsCheckResource"]) for c in calls] == [("DeleteCertificate", False)]


def test_delete_of_a_bound_certificate_fails_and_keeps_it(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-42"})
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    message = str(caught.value)
    task_id = [c for c in emu.calls() if c["Action"] == "DeleteCertificate"][0]
    assert message.startswith(f"www: cannot delete certificate {cert_id} (task ")
    assert "still bound to cloud resources" in message and "CLB: lb-42" in message and "Unbind" in message
    assert "stays in the stack" in message
    assert task_id["ErrorCode"] is None
    assert [c["CertificateId"] for c in certificates(emu)] == [cert_id]
    # After unbinding, the next delete goes through.
    emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-42"})
    provider.delete(cert_id, outs)
    assert certificates(emu) == []


def test_delete_role_not_authorised(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("PUT", "/_emulator/settings", {"RoleAuthorized": False})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    message = str(caught.value)
    assert f"www: cannot delete certificate {cert_id} (task " in message
    assert "SSL_QCSLinkedRoleInReplaceLoadCertificate" in message and "CAM" in message
    assert "check_resources: false" in message
    assert len(certificates(emu)) == 1


def test_delete_task_failed(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 2})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    with pytest.raises(CertificateError, match=rf"www: cannot delete certificate {cert_id} \(task \w+\): the deletion"
                                               " task failed"):  # fmt: skip
        provider.delete(cert_id, outs)
    assert len(certificates(emu)) == 1


def test_delete_retries_a_timed_out_resource_check(
    emu: RunningEmulator, ssl: SslService, fake_time: FakeTime, lines: list[str]
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 5, "DeleteTaskSeconds": 2})

    def progress(line: str) -> None:
        lines.append(line)
        if "deleting again" in line:  # Tencent's check timed out once; the next one works
            emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": "auto"})

    provider = CertificateProvider(
        service_factory=lambda: ssl, timing=Timing(sleep=fake_time.sleep, clock=fake_time.clock), progress=progress
    )
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    provider.delete(cert_id, outs)
    assert actions(emu).count("DeleteCertificate") == 2
    assert any("timed out" in line and "deleting again (attempt 2)" in line for line in lines)
    assert certificates(emu) == []


def test_delete_gives_up_on_repeated_check_timeouts_at_the_deadline(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 5, "DeleteTaskSeconds": 5})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key, delete_timeout=60.0))
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    message = str(caught.value)
    assert message.startswith("www: ") and cert_id in message and "task" in message
    assert "timing out until delete_timeout" in message or "had timed out" in message
    assert 2 <= actions(emu).count("DeleteCertificate") <= 12
    assert len(certificates(emu)) == 1


def test_delete_deadline_keeps_the_task_and_resumes_it(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 200})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key, delete_timeout=60.0))
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    deletes = [c for c in emu.calls() if c["Action"] == "DeleteCertificate"]
    message = str(caught.value)
    assert f"www: certificate {cert_id} was not deleted within delete_timeout (60s)" in message
    task_ids = {c["Params"]["TaskIds"][0] for c in emu.calls() if c["Action"] == "DescribeDeleteCertificatesTaskResult"}
    [task_id] = task_ids
    assert f"task {task_id} is still running" in message and len(deletes) == 1
    # A second delete resumes the same task (the emulator returns the running one) and finishes.
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, {**outs, "delete_timeout": 600.0})
    polled = {c["Params"]["TaskIds"][0] for c in emu.calls() if c["Action"] == "DescribeDeleteCertificatesTaskResult"}
    assert polled == {task_id}
    assert certificates(emu) == []


def test_delete_of_a_missing_certificate_succeeds(provider: CertificateProvider, lines: list[str]) -> None:
    provider.delete("NoSuch01", {"entry": "gone", "check_resources": True})
    assert lines == ["gone: certificate NoSuch01 is already deleted"]


def test_delete_too_soon_says_when(emu: RunningEmulator, fake_time: FakeTime, provider: CertificateProvider) -> None:
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 1})
    props = {"entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com"}
    cert_id, outs = create(provider, props)
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    message = str(caught.value)
    assert f"shop: cannot delete certificate {cert_id} yet" in message
    assert "within an hour" in message and "Deletion becomes possible after 20" in message and "Z (in about" in message


def test_delete_reads_floats_from_state(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    provider.delete(cert_id, {**outs, "delete_timeout": 600.0, "check_resources": 1.0})
    assert certificates(emu) == []


# --------------------------------------------------------------------------------- configuration and threading


class _Config:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def test_configure_prefers_stack_config_over_environment(emu: RunningEmulator) -> None:
    provider = CertificateProvider(environ={"TENCENTCLOUD_SECRET_ID": "AKIDwrong", "TENCENTCLOUD_SECRET_KEY": "wrong",
                                           "TENCENTCLOUD_ENDPOINT": "http://127.0.0.1:1"})  # fmt: skip
    config = {"tencentcloud:secretId": emu.secret_id, "tencentcloud:secretKey": emu.secret_key,
              "tencentcloud:endpoint": emu.url}  # fmt: skip
    provider.configure(dyn.ConfigureRequest(_Config(config)))  # type: ignore[arg-type]
    try:
        provider.delete("NoSuch01", {"entry": "x"})  # reaches the emulator with the configured credentials
    finally:
        provider.close()
    assert emu.calls()[-1]["SecretId"] == emu.secret_id


def test_environment_is_the_fallback(emu: RunningEmulator) -> None:
    provider = CertificateProvider(environ=emu.env())
    provider.configure(dyn.ConfigureRequest(_Config({})))  # type: ignore[arg-type]
    try:
        provider.delete("NoSuch01", {"entry": "x"})
    finally:
        provider.close()
    assert emu.calls()[-1]["Action"] == "DeleteCertificate"


def test_missing_credentials_fail_at_the_first_call_only() -> None:
    provider = CertificateProvider(environ={})
    provider.configure(dyn.ConfigureRequest(_Config({})))  # type: ignore[arg-type]
    assert provider.check({}, {"source": "adopt", "adopt_id": "GjTNRoK7"}).failures == []
    with pytest.raises(CertificateError, match="No Tencent Cloud credentials.*tencentcloud:secretId"):
        provider.delete("GjTNRoK7", {})


def test_bad_endpoint_is_reported_by_name() -> None:
    provider = CertificateProvider(environ={"TENCENTCLOUD_SECRET_ID": "AKIDx", "TENCENTCLOUD_SECRET_KEY": "k",
                                           "TENCENTCLOUD_ENDPOINT": "ftp://nowhere/x"})  # fmt: skip
    with pytest.raises(CertificateError, match="TENCENTCLOUD_ENDPOINT"):
        provider.read("GjTNRoK7", {})


def test_the_pickle_holds_no_configuration_or_credentials(emu: RunningEmulator) -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    provider = CertificateProvider()
    provider.configure(dyn.ConfigureRequest(_Config({"tencentcloud:secretId": emu.secret_id,
                                                     "tencentcloud:secretKey": emu.secret_key})))  # fmt: skip
    pickled = base64.b64decode(serialize_provider(provider))
    assert emu.secret_key.encode() not in pickled and emu.secret_id.encode() not in pickled
    assert b"provider.certificate" in pickled and b"CertificateProvider" in pickled  # by reference
    assert len(pickled) < 200
    assert serialize_provider(CertificateProvider()) == serialize_provider(provider)  # stable: no ~__provider diffs


def test_one_service_for_four_concurrent_calls(ssl: SslService, fake_time: FakeTime) -> None:
    built: list[int] = []
    barrier = threading.Barrier(4)

    def factory() -> SslService:
        built.append(1)
        return ssl

    provider = CertificateProvider(service_factory=factory, timing=Timing(sleep=fake_time.sleep,
                                                                            clock=fake_time.clock))  # fmt: skip
    results: list[str] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            cert, key = make_cert(f"h{i}.example.com")
            results.append(provider.create(checked(provider, upload_inputs(cert, key, entry=f"e{i}"))).id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(set(results)) == 4 and built == [1]


# ------------------------------------------------------------------------------------------------- set_mocks


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outs = dict(args.inputs)
        outs.update(certificate_id="MockId01", domain="www.example.com", not_after="2030-01-01T00:00:00Z")
        return "MockId01", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Iterator[_Mocks]:
    # set_mocks and @pulumi.runtime.test use the main thread's current event loop; an earlier test that ran
    # asyncio.run() leaves none (or a closed one), so make one when needed.
    try:
        if asyncio.get_event_loop().is_closed():
            raise RuntimeError("closed")
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = _Mocks()
    pulumi.runtime.set_mocks(mocks, project="proj", stack="dev", preview=False)
    yield mocks


@pulumi.runtime.test
def test_certificate_resource_pickles_and_declares_outputs(mocks: _Mocks) -> pulumi.Output[Any]:
    cert, key = make_cert("www.example.com")
    resource = Certificate(
        "www",
        CertificateArgs(certificate=cert, private_key=key, alias="www", project_id=3, tags={"env": "prod"}),
    )

    def verify(values: list[Any]) -> None:
        cert_id, not_after, alias, source, urn = values
        assert cert_id == "MockId01" and not_after == "2030-01-01T00:00:00Z"
        assert alias == "www" and source == "upload"
        assert urn.endswith("pulumi-python:dynamic/tencentcloud:Certificate::www")
        [registered] = mocks.resources
        assert registered.typ == "pulumi-python:dynamic/tencentcloud:Certificate"
        inputs = registered.inputs
        assert inputs["source"] == "upload" and inputs["entry"] == "www"
        # Without a StackIdentity the owner mark derives from the organisation, project and stack names.
        assert inputs["owner"] == owner_token(names_identity("proj", "dev", pulumi.get_organization()), "www")
        assert inputs["project_id"] == 3 and inputs["alias"] == "www" and inputs["tags"] == {"env": "prod"}
        # The provider was pickled (by reference) into __provider, a secret.
        assert "__provider" in inputs
        assert "certificate_id" not in inputs  # declared outputs are not sent as inputs
        # The private key travels as a secret (mocks see secrets as wrapped values).
        assert isinstance(inputs["private_key"], dict) and inputs["private_key"].get("value") == key

    return pulumi.Output.all(
        resource.certificate_id, resource.not_after, resource.alias, resource.source, resource.urn
    ).apply(verify)


def test_certificate_args_need_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        CertificateArgs().to_inputs()
    with pytest.raises(ValueError, match="exactly one"):
        CertificateArgs(certificate="x", adopt_id="y").to_inputs()
    assert CertificateArgs(adopt_id="GjTNRoK7").to_inputs()["source"] == "adopt"
    free = CertificateArgs(free_domain="shop.example.com").to_inputs()
    assert free["source"] == "free" and "certificate" not in free and "private_key" not in free
