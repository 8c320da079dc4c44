"""The emulator's persistent records: a certificate, a deletion task, a deploy record and its details (JSON rows)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Self

__all__ = [
    "Certificate", "DeleteTask", "DeployDetail", "DeployRecord", "FREE_SOURCE", "PAID_PACKAGE_TYPE", "PAID_SOURCE",
    "ROLLBACK", "UPDATE", "UPLOAD_SOURCE",
]  # fmt: skip

UPLOAD_SOURCE = "upload"
# Tencent reports the CA brand as the source of a free DV certificate.
FREE_SOURCE = "trustasia"
# ... and of a paid one bought from Tencent Cloud (the admin API turns a certificate into one: ``Paid``).
PAID_SOURCE = "sectigo"
PAID_PACKAGE_TYPE = "3"  # SecureSite EV Pro in the DescribeCertificates PackageType list


class JsonRow:
    """A dataclass stored as one JSON text in a table row (certificates, tasks)."""

    def to_json(self) -> str:
        """Serialise for the table."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)  # type: ignore[call-overload]  # a dataclass

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Inverse of ``to_json``; unknown keys (from a newer emulator) are ignored."""
        data = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]  # subclasses are dataclasses
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Certificate(JsonRow):
    """One certificate as the service keeps it; ``status`` is the stored one (expiry is applied when rendered)."""

    id: str
    seq: int
    source: str
    certificate_type: str
    project_id: int
    alias: str
    insert_time: float
    status: int
    domain: str | None = None
    sans: list[str] = field(default_factory=list)
    public_key: str | None = None
    private_key: str | None = field(default=None, repr=False)
    fingerprint: str | None = None
    not_before: float | None = None
    not_after: float | None = None
    issuer_cn: str | None = None
    algorithm: str | None = None
    chain: list[dict[str, Any]] = field(default_factory=list)
    certificate_use: str | None = None
    status_msg: str | None = None
    verify_type: str | None = None
    package_type: str | None = None
    validity_period: str | None = None
    issue_at: float | None = None
    dv_auths: list[dict[str, Any]] = field(default_factory=list)
    order_id: str | None = None
    csr_algorithm: str | None = None
    old_certificate_id: str | None = None
    # UpdateCertificateInstance's AllowDownload (for a certificate it uploads) and ExpiringNotificationSwitch=1
    # (on the old certificate): DescribeCertificates' AllowDownload and IsIgnore.
    allow_download: bool = True
    ignore_expiring: bool = False
    # Emulator time a renewal ordered for this certificate is issued (DeleteCertificate refuses until then).
    renewal_due_at: float | None = None
    # A paid certificate whose order was reissued: Tencent keeps it with the order (OrderAlreadyReplaced).
    order_replaced: bool = False

    @property
    def is_free(self) -> bool:
        """A free DV certificate applied for through ApplyCertificate (subject to the one-hour rule)."""
        return self.source == FREE_SOURCE

    @property
    def is_paid(self) -> bool:
        """A paid certificate bought from Tencent Cloud (never deleted once issued)."""
        return self.source == PAID_SOURCE

    def all_domains(self) -> list[str]:
        """The main domain followed by the other SANs, without duplicates."""
        names = ([self.domain] if self.domain else []) + list(self.sans)
        return list(dict.fromkeys(names))


@dataclass
class DeleteTask(JsonRow):
    """An asynchronous deletion (``IsCheckResource``/``IsSync``); ``status`` stays ``None`` while it runs."""

    id: str
    cert_id: str
    domains: list[str]
    created_at: float
    due_at: float
    status: int | None = None
    error: str = ""
    resolved_at: float | None = None


# A deploy record's kind: a one-click update (old -> new certificate) or the rollback of one (new -> old).
UPDATE = "update"
ROLLBACK = "rollback"


@dataclass
class DeployRecord(JsonRow):
    """A one-click update (UpdateCertificateInstance) or its rollback (UpdateCertificateRecordRollback).

    ``cert_id``/``old_cert_id`` are the update's new and old certificates, for a rollback too (which moves the
    bindings the other way); ``request_key`` identifies the UpdateCertificateInstance parameters that made it.
    """

    id: int
    kind: str
    cert_id: str
    old_cert_id: str
    resource_types: list[str]
    created_at: float
    request_key: str = ""
    rollback_of: int | None = None
    rolled_back_by: int | None = None


@dataclass
class DeployDetail(JsonRow):
    """One cloud resource of a deploy record; ``status`` stays ``None`` until its deploy ends (1, 2, 4, 5 or 6)."""

    id: int
    record_id: int
    resource_type: str
    resource_id: str
    region: str | None
    created_at: float
    start_at: float
    due_at: float
    domains: list[str] = field(default_factory=list)
    algorithm: str | None = None
    old_algorithm: str | None = None
    status: int | None = None
    error: str = ""
    resolved_at: float | None = None
