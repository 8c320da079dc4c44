"""Typed operations of the Tencent Cloud SSL Certificates API (2019-12-05) and of the Tag API on certificates.

Modules by concern: ``errors`` (the ``SslError`` tree), ``models`` (the dataclasses and enums callers get),
``wire`` (Tencent's CamelCase replies -> models) and ``service`` (``SslService``, the calls). Import from here.
"""

from __future__ import annotations

from .errors import (
    CertificateNotFound,
    CertificateStillBound,
    DeleteTaskFailed,
    DeletionRefused,
    DeletionTooSoon,
    ProjectChangeFailed,
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
    "DELETE_TASK_POLL_LIMIT",
    "DEPLOYED_RESOURCE_TYPES",
    "SSL_SERVICE",
    "SSL_VERSION",
    "TAG_READ_IDS",
    "TAG_RESOURCES_PER_CALL",
    "TAG_SERVICE",
    "TAG_VERSION",
    "ApiCaller",
    "CertificateDetail",
    "CertificateNotFound",
    "CertificateStatus",
    "CertificateStillBound",
    "CertificateSummary",
    "DeleteOutcome",
    "DeleteTask",
    "DeleteTaskFailed",
    "DeleteTaskStatus",
    "DeletionRefused",
    "DeletionTooSoon",
    "DeployedResources",
    "DvAuthRecord",
    "ProjectChangeFailed",
    "ResourceCheckTimedOut",
    "ServiceRoleNotAuthorised",
    "SslError",
    "SslService",
    "Uploaded",
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
    ProjectChangeFailed,
):
    _error.__module__ = __name__
del _error
