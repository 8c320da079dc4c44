"""Typed operations of the Tencent Cloud SSL Certificates API (2019-12-05) and of the Tag API on certificates.

Modules by concern: ``errors`` (the ``SslError`` tree), ``models`` (the dataclasses and enums callers get),
``wire`` (Tencent's CamelCase replies -> models) and ``service`` (``SslService``, the calls). Import from here.
"""

from __future__ import annotations

from .delete_codes import BOUND_CODE, DELETE_CODES, ROLE_CODE, Case, DeleteCode, Handling, delete_code
from .errors import (
    AccountActionNeeded,
    CertificateNotFound,
    CertificateStillBound,
    DeleteTaskFailed,
    DeletionRefused,
    DeletionTooSoon,
    LiftsByItself,
    NeverDeletable,
    ProjectChangeFailed,
    RefusedWithCode,
    RenewalNotIssued,
    ResourceCheckTimedOut,
    ServiceRoleNotAuthorised,
    SslError,
)
from .models import (
    CertificateDetail,
    CertificateStatus,
    CertificateSummary,
    DeleteOutcome,
    DeleteTask,
    DeleteTaskStatus,
    DeployedResources,
    DvAuthRecord,
    Uploaded,
)
from .service import (
    DELETE_TASK_POLL_LIMIT,
    DEPLOYED_RESOURCE_TYPES,
    SSL_SERVICE,
    SSL_VERSION,
    TAG_READ_IDS,
    TAG_RESOURCES_PER_CALL,
    TAG_SERVICE,
    TAG_VERSION,
    ApiCaller,
    SslService,
)
from .wire import parse_tencent_time, tag_resource_name

__all__ = [
    "BOUND_CODE",
    "DELETE_CODES",
    "DELETE_TASK_POLL_LIMIT",
    "DEPLOYED_RESOURCE_TYPES",
    "ROLE_CODE",
    "SSL_SERVICE",
    "SSL_VERSION",
    "TAG_READ_IDS",
    "TAG_RESOURCES_PER_CALL",
    "TAG_SERVICE",
    "TAG_VERSION",
    "AccountActionNeeded",
    "ApiCaller",
    "CertificateDetail",
    "CertificateNotFound",
    "CertificateStatus",
    "CertificateStillBound",
    "CertificateSummary",
    "DeleteCode",
    "DeleteOutcome",
    "DeleteTask",
    "DeleteTaskFailed",
    "DeleteTaskStatus",
    "DeletionRefused",
    "DeletionTooSoon",
    "DeployedResources",
    "DvAuthRecord",
    "Handling",
    "NeverDeletable",
    "ProjectChangeFailed",
    "RefusedWithCode",
    "RenewalNotIssued",
    "LiftsByItself",
    "ResourceCheckTimedOut",
    "ServiceRoleNotAuthorised",
    "SslError",
    "SslService",
    "Uploaded",
    "delete_code",
    "Case",
    "parse_tencent_time",
    "tag_resource_name",
]

# The exceptions keep the public name they had when this package was one module: a failed `pulumi up` prints
# `provider.ssl.CertificateNotFound: ...`, and pickles (errors cross the provider's process boundary) refer to the
# class by that name. httpx sets `__module__` on its exports the same way.
for _error in (
    SslError,
    CertificateNotFound,
    DeletionRefused,
    CertificateStillBound,
    ServiceRoleNotAuthorised,
    ResourceCheckTimedOut,
    DeleteTaskFailed,
    DeletionTooSoon,
    RefusedWithCode,
    RenewalNotIssued,
    LiftsByItself,
    AccountActionNeeded,
    NeverDeletable,
    ProjectChangeFailed,
):
    _error.__module__ = __name__
del _error
