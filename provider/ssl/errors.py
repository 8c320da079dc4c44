"""The certificate failures a caller can name, raised by ``SslService`` and by ``DeleteTask.failure()``::

    SslError                          a certificate operation failed for a reason the caller can name
    ├── CertificateNotFound           the certificate does not exist (on delete: already gone)
    ├── DeletionRefused               Tencent refused to delete the certificate
    │   ├── CertificateStillBound     it is still bound to cloud resources (task status 4, BoundResources)
    │   ├── ServiceRoleNotAuthorised  the check needs the SSL service role (task status 3, RoleNotFound...)
    │   ├── ResourceCheckTimedOut     the bound-resource check timed out (task status 5): try again
    │   ├── DeleteTaskFailed          the deletion task failed (task status 2)
    │   ├── DeletionTooSoon           a free certificate younger than one hour
    │   └── RefusedWithCode           any other documented code but a transient one (``delete_codes``)
    │       ├── LiftsByItself         a state Tencent is still working through (a busy status): lifts by itself
    │       │   └── RenewalNotIssued  a renewal is pending
    │       ├── AccountActionNeeded   the account or key lacks a permission or identity verification
    │       └── NeverDeletable        Tencent will never delete this certificate: release it from the stack
    └── ProjectChangeFailed           ModifyCertificateProject listed the certificate in FailCertificates

Everything else stays an ``ApiError`` or ``TransportError`` from the client. No message built here contains key
material: private keys go out in requests and are never read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..tencentcloud.errors import reduce_error
from .delete_codes import DeleteCode

if TYPE_CHECKING:
    from .models import DeployedResources

__all__ = [
    "SERVICE_ROLE",
    "CertificateNotFound",
    "CertificateStillBound",
    "DeleteTaskFailed",
    "DeletionRefused",
    "AccountActionNeeded",
    "DeletionTooSoon",
    "NeverDeletable",
    "ProjectChangeFailed",
    "RefusedWithCode",
    "RenewalNotIssued",
    "LiftsByItself",
    "ResourceCheckTimedOut",
    "ServiceRoleNotAuthorised",
    "SslError",
]

#: The role DeleteCertificate with IsCheckResource needs (API doc 400/41675).
SERVICE_ROLE = "SSL_QCSLinkedRoleInReplaceLoadCertificate"


class SslError(Exception):
    """Base of the certificate failures a caller can name; ``certificate_id`` says which certificate."""

    def __init__(self, message: str, *, certificate_id: str) -> None:
        super().__init__(message)
        self.certificate_id = certificate_id

    def __reduce__(self) -> tuple[Any, ...]:
        return reduce_error(self)


class CertificateNotFound(SslError):
    """Raised when Tencent reports ``FailedOperation.CertificateNotFound`` for the certificate."""

    def __init__(self, certificate_id: str) -> None:
        super().__init__(f"certificate {certificate_id} does not exist", certificate_id=certificate_id)


class DeletionRefused(SslError):
    """Base of the reasons Tencent gives for not deleting a certificate; ``task_id`` when a task reported it."""

    def __init__(self, message: str, *, certificate_id: str, task_id: str | None = None) -> None:
        super().__init__(message, certificate_id=certificate_id)
        self.task_id = task_id


class CertificateStillBound(DeletionRefused):
    """Raised when the certificate is still bound to cloud resources (task status 4 or ``BoundResources``)."""

    def __init__(
        self,
        certificate_id: str,
        *,
        task_id: str | None = None,
        resources: Sequence[DeployedResources] = (),
        reason: str = "",
    ) -> None:
        super().__init__(
            f"certificate {certificate_id} is still bound to cloud resources",
            certificate_id=certificate_id,
            task_id=task_id,
        )
        self.resources = tuple(resources)
        self.reason = reason


class ServiceRoleNotAuthorised(DeletionRefused):
    """Raised when the bound-resource check needs the SSL service role (task status 3 or ``RoleNotFound...``)."""

    role = SERVICE_ROLE

    def __init__(self, certificate_id: str, *, task_id: str | None = None, reason: str = "") -> None:
        super().__init__(
            f"the service role {SERVICE_ROLE} is not authorised", certificate_id=certificate_id, task_id=task_id
        )
        self.reason = reason


class ResourceCheckTimedOut(DeletionRefused):
    """Raised when Tencent's query of the resources bound to the certificate timed out (task status 5)."""

    def __init__(self, certificate_id: str, *, task_id: str | None = None, reason: str = "") -> None:
        super().__init__("the check of bound cloud resources timed out", certificate_id=certificate_id, task_id=task_id)
        self.reason = reason


class DeleteTaskFailed(DeletionRefused):
    """Raised when the deletion task failed (task status 2, or a status this package does not know)."""

    def __init__(self, certificate_id: str, *, task_id: str | None = None, reason: str = "") -> None:
        super().__init__(
            f"the deletion task failed: {reason or 'no reason given'}",
            certificate_id=certificate_id,
            task_id=task_id,
        )
        self.reason = reason


class DeletionTooSoon(DeletionRefused):
    """Raised when a free certificate is younger than one hour; ``earliest`` is when deletion becomes possible."""

    def __init__(self, certificate_id: str, *, earliest: dt.datetime | None, code: str = "") -> None:
        when = f" before {earliest.isoformat()}" if earliest else ""
        super().__init__(f"certificate {certificate_id} cannot be deleted{when}", certificate_id=certificate_id)
        self.earliest = earliest
        self.code = code


class RefusedWithCode(DeletionRefused):
    """DeleteCertificate answered with a documented code; ``rule`` is its row, ``reason`` Tencent's message."""

    def __init__(self, certificate_id: str, rule: DeleteCode, *, reason: str = "") -> None:
        super().__init__(f"{rule.meaning} ({rule.code})", certificate_id=certificate_id)
        self.rule = rule
        self.reason = reason


class LiftsByItself(RefusedWithCode):
    """Raised for a ``waited`` code: a refusal that lifts by itself once Tencent finishes what it is doing."""


class RenewalNotIssued(LiftsByItself):
    """Raised for ``FailedOperation.RenewNotIssued``: a renewal is ordered and not issued yet."""


class AccountActionNeeded(RefusedWithCode):
    """Raised when the account or the key must change first (CAM permission, project, identity verification)."""


class NeverDeletable(RefusedWithCode):
    """Raised when Tencent will never delete the certificate (issued paid, order state, status, bad id)."""


class ProjectChangeFailed(SslError):
    """Raised when ModifyCertificateProject lists the certificate in ``FailCertificates`` (no error code given)."""

    def __init__(self, certificate_id: str, project_id: int) -> None:
        super().__init__(
            f"Tencent Cloud did not move certificate {certificate_id} to project {project_id}",
            certificate_id=certificate_id,
        )
        self.project_id = project_id
