"""CertificateProvider.read and .update (provider.reconcile) against the emulator: drift, in-place changes, a
certificate gone out of band."""

from __future__ import annotations

import hashlib

import pytest

from provider.certificate import OWNER_TAG, CertificateError, CertificateProvider
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, checked, create, upload_inputs, write_actions

pytestmark = pytest.mark.emulator


UPLOAD_INPUT_NAMES = {"entry", "owner", "source", "alias", "project_id", "tags", "check_resources", "rotate", "retain",
                      "renew_before", "deploy_regions", "delete_timeout", "create_timeout", "certificate",
                      "private_key", "certificate_type", "allow_expired"}  # fmt: skip


def drift(ssl: SslService, cert_id: str) -> None:
    """An alias and a tag changed outside Pulumi (in the console)."""
    ssl.modify_alias(cert_id, "console-edit")
    ssl.change_tags(cert_id, replace={"extra": "1"})


def test_outputs_hold_no_pem_and_no_key(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    assert "certificate" not in outs and "private_key" not in outs
    assert all(key.strip().splitlines()[1] not in str(value) for value in outs.values())
    assert outs["certificate_sha256"] == hashlib.sha256(cert.encode()).hexdigest() and outs["has_private_key"] is True


def test_read_with_the_old_inputs_returns_outputs_and_inputs(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    inputs = checked(provider, upload_inputs(cert, key))
    cert_id, outs = create(provider, upload_inputs(cert, key))
    drift(ssl, cert_id)
    # A host that passes the old inputs under the old outputs (the project's own host).
    result = provider.read(cert_id, {**inputs, **outs})
    assert result.id == cert_id and result.outs is not None and result.inputs is not None
    assert result.outs["alias"] == "console-edit" and result.outs["tags"] == {"env": "prod", "extra": "1"}
    assert "certificate" not in result.outs and "private_key" not in result.outs
    # Drift made outside Pulumi shows up in the inputs too, so the engine's diff of the inputs corrects it.
    assert result.inputs["alias"] == "console-edit" and result.inputs["private_key"] == key
    assert result.inputs["certificate"] == inputs["certificate"]
    assert set(result.inputs) == UPLOAD_INPUT_NAMES
    assert provider.diff(cert_id, {**result.inputs, **result.outs}, inputs).changes is None


def test_read_with_the_old_outputs_alone_keeps_the_stored_inputs(
    ssl: SslService, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    inputs = checked(provider, upload_inputs(cert, key))
    cert_id, outs = create(provider, upload_inputs(cert, key))
    # Pulumi's stock host passes the old outputs alone: without the PEM, read hands back no inputs, so the engine
    # keeps the stored ones (PEM and key included) instead of losing them.
    result = provider.read(cert_id, {**outs, "__provider": "pickled"})
    assert result.id == cert_id and result.inputs is None and result.outs is not None
    assert result.outs["certificate_sha256"] == outs["certificate_sha256"] and result.outs["has_private_key"] is True
    assert "stale_inputs" not in result.outs
    assert provider.diff(cert_id, result.outs, inputs).changes is False
    # After drift, the stored inputs lag behind the live values: diff says so itself (the engine's diff of the inputs
    # would see nothing), an update and no replacement; the record survives another refresh.
    drift(ssl, cert_id)
    result = provider.read(cert_id, {**result.outs, "__provider": "pickled"})
    assert result.inputs is None and result.outs is not None and result.outs["stale_inputs"] == ["alias", "tags"]
    result = provider.read(cert_id, {**result.outs, "__provider": "pickled"})
    assert result.outs is not None and result.outs["stale_inputs"] == ["alias", "tags"]
    diff = provider.diff(cert_id, result.outs, inputs)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(cert_id, result.outs, inputs).outs
    assert updated is not None and updated["alias"] == "www" and "stale_inputs" not in updated


def test_read_of_a_state_written_by_the_previous_version(ssl: SslService, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    inputs = checked(provider, upload_inputs(cert, key))
    cert_id, outs = create(provider, upload_inputs(cert, key))
    drift(ssl, cert_id)
    # Outputs that echo the PEM and the key (and record no digest), as the previous version wrote them.
    legacy = {k: v for k, v in {**outs, **inputs}.items() if k not in ("certificate_sha256", "has_private_key")}
    result = provider.read(cert_id, legacy)
    assert result.outs is not None and result.inputs is not None
    assert "certificate" not in result.outs and "private_key" not in result.outs
    assert result.outs["certificate_sha256"] == outs["certificate_sha256"]
    assert result.inputs["certificate"] == inputs["certificate"] and result.inputs["private_key"] == key
    assert result.inputs["alias"] == "console-edit" and set(result.inputs) == UPLOAD_INPUT_NAMES
    assert provider.diff(cert_id, legacy, inputs).changes is False  # the echoed PEM and key compare equal
    # The refreshed state: the drift is in the inputs handed back, so the engine's diff sees it.
    assert provider.diff(cert_id, result.outs, inputs).changes is None


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


def test_a_read_that_fails_is_a_plain_message_naming_the_entry(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    inputs = checked(provider, upload_inputs(cert, key))
    cert_id, outs = create(provider, upload_inputs(cert, key))
    # A refusal no retry lifts, on both reads a refresh may make: the error must name the entry, not be a traceback.
    for action in ("DescribeCertificates", "DescribeCertificateDetail"):
        emu.admin(
            "POST",
            "/_emulator/faults",
            {"Action": action, "Kind": "error", "Code": "UnauthorizedOperation", "Message": "no", "Count": 5},
        )
    with pytest.raises(CertificateError) as failure:
        provider.read(cert_id, {**inputs, **outs})
    message = str(failure.value)
    assert message.startswith(f"www: reading certificate {cert_id} from Tencent Cloud failed")
    assert "UnauthorizedOperation" in message and "run `pulumi refresh` again" in message
