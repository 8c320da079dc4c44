"""Replies that break Tencent's documented model, through the real CLI: no blank id, no traceback, no orphan.

An ``UploadCertificate`` reply without ``CertificateId`` (the upload was committed), and a certificate the read side
cannot see yet right after its upload (``CertificateNotFound`` from ``DescribeCertificateDetail``), once and for good.
"""

from __future__ import annotations

import pytest

from support.emulator import RunningEmulator
from support.project import Project

pytestmark = pytest.mark.e2e


def faults(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="faults", tried=tried, held=held)


def arm(emu: RunningEmulator, **fault: object) -> None:
    emu.admin("POST", "/_emulator/faults", fault)


@faults(
    "UploadCertificate answers without CertificateId (the upload was committed)",
    "up finds the certificate this upload made by its tag and records it: one certificate, the state's, no blank id",
)
def test_an_upload_reply_without_an_id(project: Project, emu: RunningEmulator) -> None:
    project.write_www_stack()
    arm(emu, Action="UploadCertificate", Kind="strip_reply", Fields=["CertificateId", "RepeatCertId"])
    out = project.up()
    assert "certificate  " not in out and "named no certificate" in out, out
    [cert_id] = project.certificates()
    assert project.outputs()["www"]["id"] == cert_id
    project.cli("preview", "--expect-no-changes")


@faults(
    "UploadCertificate answers without CertificateId and the search for what it made fails too",
    "up fails naming the entry, without a blank id, and nothing enters the state; the next up uses "
    "the certificate that upload made (one certificate in the end, the state's)",
)
def test_an_upload_reply_without_an_id_and_no_certificate(project: Project, emu: RunningEmulator) -> None:
    project.write_www_stack()
    arm(emu, Action="UploadCertificate", Kind="strip_reply", Fields=["CertificateId", "RepeatCertId"])
    arm(emu, Action="DescribeCertificates", Kind="error", Code="FailedOperation", Count=50)
    out = project.up_refused()
    assert "www: uploading the certificate failed" in out and "named no certificate id" in out, out
    assert "certificate  " not in out
    assert "www" not in project.state_resources()
    emu.admin("DELETE", "/_emulator/faults")
    project.up()
    assert list(project.certificates()) == [project.outputs()["www"]["id"]]


@faults(
    "DescribeCertificateDetail answers CertificateNotFound once, right after the upload",
    "the read is retried: up succeeds with one certificate, recorded in the state",
)
def test_a_certificate_not_readable_yet_after_its_upload(project: Project, emu: RunningEmulator) -> None:
    project.write_www_stack()
    arm(emu, Action="DescribeCertificateDetail", Kind="error", Code="FailedOperation.CertificateNotFound", Count=1)
    project.up()
    [cert_id] = project.certificates()
    assert project.outputs()["www"]["id"] == cert_id


@faults(
    "DescribeCertificateDetail answers CertificateNotFound for good after the upload",
    "up fails naming the entry and the certificate (no raw CertificateNotFound); the uploaded certificate is "
    "removed (no orphan); the next up creates it",
)
def test_a_certificate_never_readable_after_its_upload(project: Project, emu: RunningEmulator) -> None:
    project.write_www_stack()
    arm(emu, Action="DescribeCertificateDetail", Kind="error", Code="FailedOperation.CertificateNotFound", Count=20)
    out = project.up_refused()
    assert "www: the certificate was uploaded" in out and "removed again" in out, out
    # Our message, naming the entry; not the raw exception of a failed read.
    assert "provider.ssl.CertificateNotFound" not in out, out
    assert project.certificates() == {}
    assert "www" not in project.state_resources()
    emu.admin("DELETE", "/_emulator/faults")
    project.up()
    assert list(project.certificates()) == [project.outputs()["www"]["id"]]
