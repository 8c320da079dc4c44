"""CertificateProvider.read and .update (provider.reconcile) against the emulator: drift, in-place changes, a
certificate gone out of band."""

from __future__ import annotations

import pytest

from provider.certificate import OWNER_TAG, CertificateError, CertificateProvider
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, checked, create, upload_inputs, write_actions

pytestmark = pytest.mark.emulator


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
                                  "rotate", "renew_before", "deploy_regions", "delete_timeout", "create_timeout",
                                  "certificate", "private_key", "certificate_type", "allow_expired"}  # fmt: skip
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
