"""What the SSL operations return: frozen snake_case dataclasses and Tencent's enums.

Integers where Tencent sends strings (``ProjectId``), aware UTC datetimes where it sends GMT+8 text, empty tuples
where it sends ``null``: ``wire.py`` does the converting, these classes only hold the result.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import (
    CertificateStillBound,
    DeleteTaskFailed,
    DeletionRefused,
    ResourceCheckTimedOut,
    ServiceRoleNotAuthorised,
)

__all__ = [
    "CertificateDetail",
    "CertificateStatus",
    "CertificateSummary",
    "DeleteOutcome",
    "DeleteTask",
    "DeleteTaskStatus",
    "DeployedResources",
    "DvAuthRecord",
    "Uploaded",
]


class CertificateStatus(enum.IntEnum):
    """The certificate ``Status`` enum (API doc, DescribeCertificate)."""

    PENDING = 0
    ISSUED = 1
    REVIEW_FAILED = 2
    EXPIRED = 3
    DNS_RECORD_ADDED = 4
    ENTERPRISE_INFO_PENDING = 5
    CANCELLING = 6
    CANCELLED = 7
    CONFIRMATION_LETTER_PENDING = 8
    REVOKING = 9
    REVOKED = 10
    REISSUING = 11
    REVOCATION_LETTER_PENDING = 12
    FREE_INFO_PENDING = 13
    REFUNDED = 14
    MIGRATING = 15


class DeleteTaskStatus(enum.IntEnum):
    """``DeleteTaskResult.Status`` (API doc 400/105464)."""

    RUNNING = 0
    DELETED = 1
    FAILED = 2
    ROLE_NOT_AUTHORISED = 3
    STILL_BOUND = 4
    CHECK_TIMED_OUT = 5


@dataclass(frozen=True)
class DvAuthRecord:
    """One domain-validation record a free certificate waits for (``DvAuthDetail``)."""

    domain: str
    key: str
    value: str
    verify_type: str = ""
    path: str = ""
    sub_domain: str = ""


@dataclass(frozen=True)
class CertificateDetail:
    """DescribeCertificateDetail, typed; never holds the private key."""

    certificate_id: str
    domain: str
    alias: str
    certificate_type: str
    status: int
    status_message: str
    status_name: str
    project_id: int
    source: str  # Tencent's ``From``: "upload", "trustasia", ...
    subject_alt_names: tuple[str, ...]
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    inserted_at: dt.datetime | None
    fingerprint: str
    verify_type: str
    is_dv: bool
    package_type: str
    public_key: str
    tags: Mapping[str, str] = field(default_factory=dict)
    dv_auths: tuple[DvAuthRecord, ...] = ()
    reissued_as: str = ""  # CertificateExtra.ReplacedFor: the certificate its order was reissued as, if any

    @property
    def domains(self) -> tuple[str, ...]:
        """Every DNS name the certificate covers, main domain first, without duplicates."""
        return tuple(dict.fromkeys(n for n in (self.domain, *self.subject_alt_names) if n))


@dataclass(frozen=True)
class CertificateSummary:
    """One row of DescribeCertificates."""

    certificate_id: str
    domain: str
    alias: str
    certificate_type: str
    status: int
    project_id: int
    source: str
    inserted_at: dt.datetime | None
    not_after: dt.datetime | None
    tags: Mapping[str, str] = field(default_factory=dict)
    # What a refresh reads from the listing as well (``provider.refresh``); SubjectAltName includes the main domain.
    subject_alt_names: tuple[str, ...] = ()
    not_before: dt.datetime | None = None
    status_name: str = ""
    status_message: str = ""


@dataclass(frozen=True)
class Uploaded:
    """UploadCertificate's answer: the id (blank when the reply named none), and whether an earlier attempt of the
    call failed without a clear refusal, so that it may have stored a certificate too (a lost reply)."""

    certificate_id: str
    ambiguous: bool


@dataclass(frozen=True)
class DeleteOutcome:
    """DeleteCertificate's answer: ``deleted`` (synchronous) or a ``task_id`` to poll."""

    deleted: bool
    task_id: str | None


@dataclass(frozen=True)
class DeleteTask:
    """One DescribeDeleteCertificatesTaskResult entry."""

    task_id: str
    certificate_id: str
    status: int
    error: str
    domains: tuple[str, ...]

    @property
    def running(self) -> bool:
        """Whether Tencent is still working on the task (status 0)."""
        return self.status == DeleteTaskStatus.RUNNING

    def failure(self) -> DeletionRefused | None:
        """The exception this finished task stands for; ``None`` while running or once deleted."""
        kwargs: dict[str, Any] = {"task_id": self.task_id, "reason": self.error}
        if self.status in (DeleteTaskStatus.RUNNING, DeleteTaskStatus.DELETED):
            return None
        if self.status == DeleteTaskStatus.ROLE_NOT_AUTHORISED:
            return ServiceRoleNotAuthorised(self.certificate_id, **kwargs)
        if self.status == DeleteTaskStatus.STILL_BOUND:
            return CertificateStillBound(self.certificate_id, **kwargs)
        if self.status == DeleteTaskStatus.CHECK_TIMED_OUT:
            return ResourceCheckTimedOut(self.certificate_id, **kwargs)
        if self.status == DeleteTaskStatus.FAILED:
            return DeleteTaskFailed(self.certificate_id, **kwargs)
        return DeleteTaskFailed(
            self.certificate_id, task_id=self.task_id, reason=f"unknown task status {self.status}: {self.error}"
        )


@dataclass(frozen=True)
class DeployedResources:
    """Resources of one type a certificate is deployed to (DescribeDeployedResources)."""

    certificate_id: str
    resource_type: str
    count: int
    resources: tuple[str, ...]
