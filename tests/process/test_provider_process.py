"""The provider in its real process (unpickling, configure, threads, result marshalling) against the emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from provider_harness import ProviderProcess, from_struct
from pulumi.runtime.proto import provider_pb2

from provider.certificate import names_identity, owner_token
from support.certs import make_cert
from support.emulator import RunningEmulator

pytestmark = [pytest.mark.process, pytest.mark.emulator]


def upload(cert: str, key: str, name: str = "www", **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "entry": name,
        "owner": owner_token(names_identity("certproc", "dev"), name),
        "source": "upload",
        "certificate": cert,
        "private_key": key,
        "certificate_type": "SVR",
        "alias": name,
        "project_id": 3,
        "tags": {"env": "prod"},
        "check_resources": True,
        "delete_timeout": 600,
        "create_timeout": 600,
        "allow_expired": False,
    }
    props.update(extra)
    return props


def test_full_lifecycle_over_grpc(emu: RunningEmulator, provider_process: ProviderProcess) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    cert, key = make_cert("www.example.com", sans=["www.example.com", "api.example.com"])
    inputs = provider_process.checked("www", upload(cert, key))
    assert inputs["project_id"] == 3  # arrived as 3.0, checked back to a whole number

    cert_id, outs = provider_process.create("www", inputs)
    assert cert_id and outs["certificate_id"] == cert_id
    assert outs["subject_alt_names"] == ["www.example.com", "api.example.com"]
    assert outs["not_after"].endswith("Z") and outs["status"] == 1 and outs["project_id"] == 3
    assert outs["__provider"] == provider_process.pickle  # the server adds it back

    # Nothing changed: no step, even though numbers came back as floats.
    same = provider_process.diff("www", cert_id, outs, inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    # In-place fields: DIFF_UNKNOWN so the engine computes the changed keys itself; no replacement.
    renamed = provider_process.checked("www", upload(cert, key, alias="renamed", tags={"env": "dev"}))
    update = provider_process.diff("www", cert_id, outs, renamed)
    assert update.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN and list(update.replaces) == []

    # Replacement fields are forwarded in `replaces` (stables and detailed diffs are dropped by the server).
    new_cert, new_key = make_cert("www.example.com")
    replaced = provider_process.checked("www", upload(new_cert, new_key))
    replace = provider_process.diff("www", cert_id, outs, replaced)
    assert replace.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN
    # Against the old outputs alone, the chain is compared through its digest; the key cannot be (it goes with it).
    assert list(replace.replaces) == ["certificate"]
    with_inputs = provider_process.diff("www", cert_id, {**inputs, **outs}, replaced)
    assert list(with_inputs.replaces) == ["certificate", "private_key"]

    new_outs = provider_process.update("www", cert_id, outs, renamed)
    assert new_outs["alias"] == "renamed" and new_outs["tags"] == {"env": "dev"}
    assert new_outs["certificate_id"] == cert_id and new_outs["fingerprint"] == outs["fingerprint"]

    # The outputs echo neither the PEM nor the key, only a digest of the chain.
    assert "certificate" not in new_outs and "private_key" not in new_outs and new_outs["certificate_sha256"]

    # Refresh: the outputs carry the live values. This host passes the old outputs alone, so the provider cannot
    # hand back complete inputs and hands back none: the engine keeps the stored ones, PEM and key included.
    emu_alias_calls = len(emu.calls())
    read = provider_process.read("www", cert_id, new_outs)
    assert read.id == cert_id
    assert from_struct(read.properties)["alias"] == "renamed"
    assert not read.HasField("inputs")
    assert len(emu.calls()) > emu_alias_calls

    emu.admin("DELETE", "/_emulator/calls")
    provider_process.delete("www", cert_id, new_outs)
    calls = emu.calls()
    assert calls[0]["Action"] == "DescribeResourceTagsByResourceIds"  # the ownership rule reads the marks first
    assert calls[1]["Action"] == "DeleteCertificate" and calls[1]["Params"]["IsCheckResource"] is True
    assert calls[-1]["Action"] == "DescribeDeleteCertificatesTaskResult"
    assert emu.certificates() == []

    # Refresh of a certificate deleted out of band drops it: empty id, and no crash on the outputs.
    gone = provider_process.read("www", cert_id, new_outs)
    assert gone.id == ""


def test_check_failures_come_back_per_field(provider_process: ProviderProcess) -> None:
    cert, _ = make_cert("www.example.com")
    _, other_key = make_cert("other.example.com")
    reply = provider_process.check("www", upload(cert, other_key, alias="x" * 500))
    assert {f.property for f in reply.failures} == {"private_key", "alias"}
    assert all("PRIVATE" not in f.reason for f in reply.failures)


def test_four_calls_at_once(emu: RunningEmulator, provider_process: ProviderProcess) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    pairs = [make_cert(f"h{i}.example.com") for i in range(4)]
    inputs = [provider_process.checked(f"c{i}", upload(c, k, name=f"c{i}")) for i, (c, k) in enumerate(pairs)]
    with ThreadPoolExecutor(4) as pool:
        created = list(pool.map(lambda i: provider_process.create(f"c{i}", inputs[i]), range(4)))
    ids = {cert_id for cert_id, _ in created}
    assert len(ids) == 4 and {c["CertificateId"] for c in emu.certificates()} == ids
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: provider_process.delete(f"c{i}", created[i][0], created[i][1]), range(4)))
    assert emu.certificates() == []


def test_delete_blocks_on_the_task_and_shows_progress(emu: RunningEmulator, provider_process: ProviderProcess) -> None:
    # A task that runs for a moment of real time: the provider keeps polling (with backoff) until it ends.
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 1.5})
    cert, key = make_cert("www.example.com")
    cert_id, outs = provider_process.create("www", provider_process.checked("www", upload(cert, key)))
    provider_process.delete("www", cert_id, outs)
    assert emu.certificates() == []
    waiting = f"www: deleting certificate {cert_id}: waiting for Tencent Cloud's task"
    done = f"www: deleted certificate {cert_id}"
    output = provider_process.text_with(waiting, done)
    assert waiting in output
    assert done in output


def test_a_bound_certificate_fails_the_delete_with_its_reason(
    emu: RunningEmulator, provider_process: ProviderProcess
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    cert, key = make_cert("www.example.com")
    cert_id, outs = provider_process.create("www", provider_process.checked("www", upload(cert, key)))
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "cdn", "ResourceId": "cdn.a"})
    with pytest.raises(grpc.RpcError) as caught:
        provider_process.delete("www", cert_id, outs)
    details = caught.value.details()  # type: ignore[attr-defined]
    assert f"www: cannot delete certificate {cert_id} (task " in details
    assert "still bound to cloud resources" in details and "CDN: cdn.a" in details
    assert "PRIVATE KEY" not in details and emu.secret_key not in details
    assert len(emu.certificates()) == 1


def test_credentials_from_stack_config_and_none_in_output(
    emu: RunningEmulator, bare_provider_process: ProviderProcess
) -> None:
    bare_provider_process.configure(
        {
            "tencentcloud:secretId": emu.secret_id,
            "tencentcloud:secretKey": emu.secret_key,
            "tencentcloud:endpoint": emu.url,
            "tencentcloud:region": "ap-shanghai",
            "other:setting": "ignored",
        }
    )
    cert, key = make_cert("www.example.com")
    inputs = bare_provider_process.checked("www", upload(cert, key))
    cert_id, outs = bare_provider_process.create("www", inputs)
    assert emu.certificates()[0]["CertificateId"] == cert_id
    bare_provider_process.update("www", cert_id, outs, {**inputs, "tags": {"env": "dev"}})
    modify = [c for c in emu.calls() if c["Action"] == "ModifyResourceTags"]
    assert modify and modify[0]["Params"]["Resource"].startswith("qcs::ssl:ap-shanghai:")
    text = bare_provider_process.text()
    assert emu.secret_key not in text and "PRIVATE KEY" not in text


def test_no_credentials_fail_clearly_but_check_and_diff_still_work(bare_provider_process: ProviderProcess) -> None:
    bare_provider_process.configure({})
    cert, key = make_cert("www.example.com")
    inputs = bare_provider_process.checked("www", upload(cert, key))  # preview needs no credentials
    with pytest.raises(grpc.RpcError) as caught:
        bare_provider_process.create("www", inputs)
    assert "No Tencent Cloud credentials" in caught.value.details()  # type: ignore[attr-defined]
