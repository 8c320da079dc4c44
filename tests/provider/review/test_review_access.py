"""The service the review builds from a stack's settings (``review_service``), against the emulator over real HTTP:
it reads, and every write it is asked for is refused before anything is sent."""

from __future__ import annotations

import pytest

from provider.review.access import WriteRefused, review_service
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.project import WRITE_ACTIONS

pytestmark = pytest.mark.emulator


def test_the_reviews_service_reads_but_refuses_every_write_before_it_is_sent(
    ssl: SslService, emu: RunningEmulator
) -> None:
    cert, key = make_cert("www.example.com")
    certificate_id = ssl.upload(public_key=cert, private_key=key, alias="www").certificate_id
    # As the review gets them: the stack config with the key given as a secret (read through `pulumi config get`).
    config = {
        "tencentcloud:endpoint": emu.url,
        "tencentcloud:secretId": emu.secret_id,
        "tencentcloud:secretKey": "[secret]",
    }
    asked: list[str] = []

    def secret_value(key: str) -> str | None:
        asked.append(key)
        return emu.secret_key if key == "tencentcloud:secretKey" else None

    review = review_service(config, {}, secret_value)
    try:
        assert asked == ["tencentcloud:secretKey"]
        # A read goes through to the emulator, signed with the stack's credentials.
        assert review.describe_certificate_detail(certificate_id).alias == "www"
        before = len(emu.calls())
        writes = {
            "DeleteCertificate": lambda: review.delete_certificate(certificate_id),
            "ModifyCertificateAlias": lambda: review.modify_alias(certificate_id, "changed"),
            "ModifyCertificateProject": lambda: review.modify_project(certificate_id, 1),
            "ModifyResourceTags": lambda: review.change_tags(certificate_id, replace={"team": "web"}),
            "UploadCertificate": lambda: review.upload(public_key=cert, private_key=key),
        }
        for action, write in writes.items():
            with pytest.raises(WriteRefused, match=action):
                write()
    finally:
        review.close()
    # Nothing reached the emulator: no write action in its log, the certificate as it was, and no other one.
    assert len(emu.calls()) == before
    assert not {c["Action"] for c in emu.calls()} & WRITE_ACTIONS - {"UploadCertificate"}
    [only] = emu.certificates()
    assert only["CertificateId"] == certificate_id and only["Alias"] == "www"
