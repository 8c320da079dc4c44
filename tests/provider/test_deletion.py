"""CertificateProvider.delete (provider.deletion) against the emulator: the checked delete, Tencent's task, and
why a certificate stays."""

from __future__ import annotations

import datetime as dt

import pytest

from provider.certificate import CertificateError, CertificateProvider
from provider.ssl import SslService
from provider.tencentcloud import Client
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, FakeTime, actions, create, upload_inputs

pytestmark = pytest.mark.emulator


def test_delete_checks_resources_and_waits_for_the_task(
    emu: RunningEmulator, fake_time: FakeTime, provider: CertificateProvider, lines: list[str]
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 45})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    emu.admin("DELETE", "/_emulator/calls")
    del fake_time.sleeps[:]
    provider.delete(cert_id, outs)
    calls = emu.calls()
    # The ownership marks are read first (the delete rule, in a tag read the deletes share), then the checked
    # delete and its task; last, a removal reads the entry's own marks for what a killed run left (provider.leftovers).
    assert calls[0]["Action"] == "DescribeResourceTagsByResourceIds" and calls[0]["Params"]["ResourceIds"] == [cert_id]
    assert calls[1]["Action"] == "DeleteCertificate" and calls[1]["Params"]["IsCheckResource"] is True
    assert calls[-1]["Action"] == "DescribeCertificates" and calls[-1]["Params"]["Tags"][0]["TagKey"] == "pulumi:owner"
    polls = [c for c in calls if c["Action"] == "DescribeDeleteCertificatesTaskResult"]
    assert len(polls) >= 2 and {c["Action"] for c in calls[:-1]} == {
        "DescribeResourceTagsByResourceIds",
        "DeleteCertificate",
        "DescribeDeleteCertificatesTaskResult",
    }
    assert emu.certificates() == []
    # The shared poller asks once a second, so the end of a 45 s task is seen within a second. The clocks are fake
    # all the way down (the emulator's moves only with these sleeps), so it asks at exactly 0, 1, ..., 45 s.
    assert set(fake_time.sleeps) == {1.0}
    assert [round(c["Time"] - calls[1]["Time"], 3) for c in polls] == [float(n) for n in range(46)]
    assert any("waiting for Tencent Cloud's task" in line for line in lines)
    assert any(line.startswith(f"www: deleted certificate {cert_id}") for line in lines)
    # A progress line every 15 s of a 45 s wait: two. (Their seconds may read one more: the waiter reads the clock
    # while the poller's thread may already be in its next sleep.)
    progress = [line for line in lines if "still deleting" in line]
    assert len(progress) == 2 and all(f"www: still deleting certificate {cert_id} (task " in p for p in progress)


def test_delete_without_check_is_synchronous(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key, check_resources=False))
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    calls = [c for c in emu.calls() if c["Action"] not in ("DescribeResourceTagsByResourceIds", "DescribeCertificates")]
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
    assert [c["CertificateId"] for c in emu.certificates()] == [cert_id]
    # After unbinding, the next delete goes through.
    emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-42"})
    provider.delete(cert_id, outs)
    assert emu.certificates() == []


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
    assert len(emu.certificates()) == 1


def test_delete_task_failed(emu: RunningEmulator, provider: CertificateProvider) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 2})
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    with pytest.raises(CertificateError, match=rf"www: cannot delete certificate {cert_id} \(task \w+\): the deletion"
                                               " task failed"):  # fmt: skip
        provider.delete(cert_id, outs)
    assert len(emu.certificates()) == 1


def test_delete_retries_a_timed_out_resource_check(
    emu: RunningEmulator, ssl: SslService, fake_time: FakeTime, lines: list[str]
) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 5, "DeleteTaskSeconds": 2})

    def progress(line: str) -> None:
        lines.append(line)
        if "deleting again" in line:  # Tencent's check timed out once; the next one works
            emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": "auto"})

    provider = CertificateProvider(
        service_factory=lambda: ssl, timing=fake_time.timing(), progress=progress
    )
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    provider.delete(cert_id, outs)
    assert actions(emu).count("DeleteCertificate") == 2
    assert any("timed out" in line and "deleting again (attempt 2)" in line for line in lines)
    assert emu.certificates() == []


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
    assert len(emu.certificates()) == 1


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
    assert emu.certificates() == []


def test_delete_of_a_missing_certificate_succeeds(provider: CertificateProvider, lines: list[str]) -> None:
    provider.delete("NoSuch01", {"entry": "gone", "check_resources": True})
    assert lines == ["gone: certificate NoSuch01 is already deleted"]


def test_delete_too_soon_says_when(emu: RunningEmulator, fake_time: FakeTime, provider: CertificateProvider) -> None:
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 1})
    props = {"entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com"}
    applied = fake_time.wall().replace(microsecond=0)  # InsertTime has whole seconds
    cert_id, outs = create(provider, props)
    assert fake_time.sleeps == [1.0]  # waiting one second for the certificate to be issued
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    message = str(caught.value)
    assert f"shop: cannot delete certificate {cert_id} yet" in message
    # Deletable an hour after the application; one second of it has passed, so the rest rounds up to 60 minutes.
    deletable = (applied + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "within an hour" in message and f"Deletion becomes possible after {deletable} (in about 60 min)" in message


def test_delete_reads_floats_from_state(emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    provider.delete(cert_id, {**outs, "delete_timeout": 600.0, "check_resources": 1.0})
    assert emu.certificates() == []


def test_delete_refuses_when_the_ownership_tags_cannot_be_read(
    emu: RunningEmulator, client: Client, provider: CertificateProvider
) -> None:
    cert, key = make_cert("www.example.com")
    cert_id, outs = create(provider, upload_inputs(cert, key))
    # A fault on every attempt the client makes: the tag read fails for good, so the marks are unknown.
    attempts = client.settings.max_attempts
    emu.admin("POST", "/_emulator/faults", {"Action": "DescribeResourceTagsByResourceIds", "Kind": "error",
                                            "Count": attempts})  # fmt: skip
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    assert str(caught.value).startswith(
        f"www: could not read the ownership tags of certificate {cert_id} before deleting it: "
    )
    assert "run `pulumi up` again to retry" in str(caught.value)
    tag_reads = [c for c in emu.calls() if c["Action"] == "DescribeResourceTagsByResourceIds"]
    assert [c["Fault"] for c in tag_reads] == ["error"] * attempts
    # Unknown marks never count as ours: nothing was sent to delete it, and it stays.
    assert "DeleteCertificate" not in actions(emu)
    assert [c["CertificateId"] for c in emu.certificates()] == [cert_id]
    # The fault is spent: the next attempt reads the marks and deletes.
    provider.delete(cert_id, outs)
    assert emu.certificates() == []
