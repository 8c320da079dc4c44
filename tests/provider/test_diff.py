"""CertificateProvider.diff (provider.inputs): what is no step, what is updated in place, what replaces."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from pulumi.runtime.rpc import UNKNOWN

from provider.certificate import CertificateProvider
from support.certs import make_cert, make_chain
from support.emulator import RunningEmulator
from support.provider_calls import checked, upload_inputs

pytestmark = pytest.mark.emulator


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


def lean(olds: dict[str, Any]) -> dict[str, Any]:
    """The old outputs as this version writes them and Pulumi's stock host passes them: no PEM and no key, a digest
    of the chain and whether a key came with it."""
    digest = hashlib.sha256(olds["certificate"].encode()).hexdigest()
    kept = {k: v for k, v in olds.items() if k not in ("certificate", "private_key")}
    return {**kept, "certificate_sha256": digest, "has_private_key": "private_key" in olds}


def test_diff_without_the_old_pem_and_key(
    provider: CertificateProvider, state: tuple[dict[str, Any], str, str]
) -> None:
    olds, cert, key = state
    news = {k: v for k, v in olds.items() if k not in ("certificate_id", "status", "domain")}
    assert provider.diff("AbCdEf12", lean(olds), news).changes is False
    # Another spelling of the same chain or key is no change either.
    loaded = serialization.load_pem_private_key(key.encode(), None)
    pkcs1 = loaded.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    respelt = {**news, "private_key": pkcs1, "certificate": "\r\n" + cert.replace("\n", "\r\n")}
    assert provider.diff("AbCdEf12", lean(olds), respelt).changes is False
    # A new certificate replaces (whether its key is new too cannot be told, nor does it matter: the certificate
    # replaces); a changed chain alone too; in-place fields stay in place.
    new_cert, new_key = make_cert("www.example.com")
    result = provider.diff("AbCdEf12", lean(olds), {**news, "certificate": new_cert, "private_key": new_key})
    assert result.changes is None and result.replaces == ["certificate"]
    chain = make_chain("www.example.com")
    result = provider.diff("AbCdEf12", lean(olds), {**news, "certificate": cert + chain.intermediate.cert_pem})
    assert result.replaces == ["certificate"]
    result = provider.diff("AbCdEf12", lean(olds), {**news, "alias": "renamed"})
    assert result.changes is None and result.replaces == []
    assert provider.diff("AbCdEf12", lean(olds), {**news, "certificate": UNKNOWN}).replaces == ["certificate"]
    # A CA certificate's key is optional: its coming or going is seen without the old key.
    ca_olds = {k: v for k, v in olds.items() if k != "private_key"}
    ca_news = {k: v for k, v in news.items() if k != "private_key"}
    assert provider.diff("AbCdEf12", lean(ca_olds), ca_news).changes is False
    assert provider.diff("AbCdEf12", lean(ca_olds), news).replaces == ["private_key"]
    assert provider.diff("AbCdEf12", lean(olds), ca_news).replaces == ["private_key"]


def test_diffs_make_no_write_call_and_share_one_read_of_the_certificates_waiting_to_be_deleted(
    emu: RunningEmulator, provider: CertificateProvider, state: tuple[dict[str, Any], str, str]
) -> None:
    olds, _, _ = state
    emu.admin("DELETE", "/_emulator/calls")
    provider.diff("AbCdEf12", olds, {**olds, "alias": "y"})
    other = {**olds, "entry": "api", "owner": olds["owner"][:-1] + "0", "certificate_id": "ZyXwVu98"}
    provider.diff("ZyXwVu98", other, other)
    # One read for every diff of the process: the stack's certificates marked as waiting to be deleted (pulumi:waiting
    # = the stack part of the owner mark, one exact value), however many entries there are.
    assert [(c["Action"], c["Params"].get("Tags")) for c in emu.calls()] == [
        ("DescribeCertificates", [{"TagKey": "pulumi:waiting", "TagValue": olds["owner"].partition(".")[0]}])
    ]
