"""Typed operations of the Tencent Cloud SSL Certificates API (2019-12-05) and of the Tag API on certificates.

Tencent's CamelCase request and response fields stop here: callers get frozen snake_case dataclasses, integers
where Tencent sends strings (``ProjectId``), aware UTC datetimes where it sends GMT+8 text, empty tuples where it
sends ``null``. Failures a user must act on become the exceptions below (everything else stays an ``ApiError`` or
``TransportError`` from the client)::

    SslError                          a certificate operation failed for a reason the caller can name
    ├── CertificateNotFound           the certificate does not exist (on delete: already gone)
    ├── DeletionRefused               Tencent refused to delete the certificate
    │   ├── CertificateStillBound     it is still bound to cloud resources (task status 4, BoundResources)
    │   ├── ServiceRoleNotAuthorised  the check needs the SSL service role (task status 3, RoleNotFound...)
    │   ├── ResourceCheckTimedOut     the bound-resource check timed out (task status 5): try again
    │   ├── DeleteTaskFailed          the deletion task failed (task status 2)
    │   └── DeletionTooSoon           a free certificate younger than one hour
    └── ProjectChangeFailed           ModifyCertificateProject listed the certificate in FailCertificates

No message built here contains key material: private keys go out in requests and are never read back.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .tencentcloud.errors import ApiError

__all__ = [
    "DELETE_TASK_POLL_LIMIT",
    "DEPLOYED_RESOURCE_TYPES",
    "SSL_SERVICE",
    "SSL_VERSION",
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
    "parse_tencent_time",
    "tag_resource_name",
]

SSL_SERVICE = "ssl"
SSL_VERSION = "2019-12-05"
TAG_SERVICE = "tag"
TAG_VERSION = "2018-08-13"

#: DescribeDeleteCertificatesTaskResult takes at most 100 task ids (API doc 400/105464).
DELETE_TASK_POLL_LIMIT = 100
#: ResourceType values DescribeDeployedResources accepts, one per call (SDK model DescribeDeployedResourcesRequest).
DEPLOYED_RESOURCE_TYPES: tuple[str, ...] = ("clb", "cdn", "waf", "live", "vod", "antiddos", "teo")
#: The role DeleteCertificate with IsCheckResource needs (API doc 400/41675).
SERVICE_ROLE = "SSL_QCSLinkedRoleInReplaceLoadCertificate"
#: Free certificates cannot be deleted within an hour of the application (error-code list, Terraform's doc).
FREE_CERTIFICATE_MIN_AGE = dt.timedelta(hours=1)

# Tencent's Describe* times are wall-clock strings in China Standard Time (GMT+8, no DST).
_CHINA = dt.timezone(dt.timedelta(hours=8), "GMT+8")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_LIST_PAGE = 1000  # DescribeCertificates treats larger limits as 1000
_TAG_PAGE = 10  # ModifyResourceTags accepts at most 10 ReplaceTags and 10 DeleteTags per call
_NOT_FOUND = "FailedOperation.CertificateNotFound"
_TOO_SOON = frozenset({"FailedOperation.CannotBeDeletedWithinHour", "FailedOperation.DeleteFailedTimeNotUp"})
_BOUND = frozenset({"FailedOperation.BoundResources", "FailedOperation.DeleteResourceFailed"})
_ROLE = "FailedOperation.RoleNotFoundAuthorization"


class ApiCaller(Protocol):
    """What this module needs from ``provider.tencentcloud.Client``: one signed, retried call."""

    def call(self, service: str, version: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call ``action`` and return the ``Response`` object, or raise ApiError/TransportError."""
        ...


# --------------------------------------------------------------------------------------------------- exceptions


class SslError(Exception):
    """Base of the certificate failures a caller can name; ``certificate_id`` says which certificate."""

    def __init__(self, message: str, *, certificate_id: str) -> None:
        super().__init__(message)
        self.certificate_id = certificate_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.__dict__), self.args))


def _rebuild(cls: type[SslError], state: dict[str, Any], args: tuple[Any, ...]) -> SslError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


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
    """Raised when the deletion task failed (task status 2, or a status this module does not know)."""

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


class ProjectChangeFailed(SslError):
    """Raised when ModifyCertificateProject lists the certificate in ``FailCertificates`` (no error code given)."""

    def __init__(self, certificate_id: str, project_id: int) -> None:
        super().__init__(
            f"Tencent Cloud did not move certificate {certificate_id} to project {project_id}",
            certificate_id=certificate_id,
        )
        self.project_id = project_id


# ----------------------------------------------------------------------------------------------------- values


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


# ---------------------------------------------------------------------------------------------------- parsing


def parse_tencent_time(value: Any) -> dt.datetime | None:
    """``"2019-08-13 11:08:20"`` (GMT+8) -> an aware UTC datetime; ``None`` for null, empty or unparseable text."""
    if not isinstance(value, str) or not value.strip() or value.startswith("0000"):
        return None
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=_CHINA).astimezone(dt.UTC)
    try:  # an ISO 8601 value with an offset, should Tencent ever send one
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=_CHINA)).astimezone(dt.UTC)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _int(value: Any, default: int = 0) -> int:
    # ProjectId is an int in requests but a string in Describe* replies; JSON numbers may be floats.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if v not in (None, ""))


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {
        str(t["TagKey"]): _text(t.get("TagValue"))
        for t in value
        if isinstance(t, dict) and t.get("TagKey") not in (None, "")
    }


def _fingerprint(value: Any) -> str:
    # Tencent documents CertFingerprint as "SHA1 of the signing cert" without a format; normalise separators/case.
    return _text(value).replace(":", "").replace(" ", "").lower()


def _dv_auths(value: Any) -> tuple[DvAuthRecord, ...]:
    if not isinstance(value, dict):
        return ()
    entries = value.get("DvAuths")
    if isinstance(entries, list) and entries:
        return tuple(
            DvAuthRecord(
                domain=_text(e.get("DvAuthDomain")),
                key=_text(e.get("DvAuthKey")),
                value=_text(e.get("DvAuthValue")),
                verify_type=_text(e.get("DvAuthVerifyType")),
                path=_text(e.get("DvAuthPath")),
                sub_domain=_text(e.get("DvAuthSubDomain")),
            )
            for e in entries
            if isinstance(e, dict)
        )
    if value.get("DvAuthKey") or value.get("DvAuthValue"):
        return (
            DvAuthRecord(
                domain=_text(value.get("DvAuthDomain")),
                key=_text(value.get("DvAuthKey")),
                value=_text(value.get("DvAuthValue")),
                path=_text(value.get("DvAuthPath")),
                sub_domain=_text(value.get("DvAuthKeySubDomain")),
            ),
        )
    return ()


def _detail(reply: Mapping[str, Any], certificate_id: str) -> CertificateDetail:
    public_key = _text(reply.get("CertificatePublicKey")).strip()
    return CertificateDetail(
        certificate_id=_text(reply.get("CertificateId")) or certificate_id,
        domain=_text(reply.get("Domain")),
        alias=_text(reply.get("Alias")),
        certificate_type=_text(reply.get("CertificateType")),
        status=_int(reply.get("Status"), -1),
        status_message=_text(reply.get("StatusMsg")),
        status_name=_text(reply.get("StatusName")),
        project_id=_int(reply.get("ProjectId")),
        source=_text(reply.get("From")),
        subject_alt_names=_strings(reply.get("SubjectAltName")),
        not_before=parse_tencent_time(reply.get("CertBeginTime")),
        not_after=parse_tencent_time(reply.get("CertEndTime")),
        inserted_at=parse_tencent_time(reply.get("InsertTime")),
        fingerprint=_fingerprint(reply.get("CertFingerprint")),
        verify_type=_text(reply.get("VerifyType")),
        is_dv=bool(reply.get("IsDv")),
        package_type=_text(reply.get("PackageType")),
        # Tencent may add a trailing newline; Terraform trims it too (resource_tc_ssl_certificate.go, Read).
        public_key=public_key + "\n" if public_key else "",
        tags=_tags(reply.get("Tags")),
        dv_auths=_dv_auths(reply.get("DvAuthDetail")),
    )


def _summary(row: Mapping[str, Any]) -> CertificateSummary:
    return CertificateSummary(
        certificate_id=_text(row.get("CertificateId")),
        domain=_text(row.get("Domain")),
        alias=_text(row.get("Alias")),
        certificate_type=_text(row.get("CertificateType")),
        status=_int(row.get("Status"), -1),
        project_id=_int(row.get("ProjectId")),
        source=_text(row.get("From")),
        inserted_at=parse_tencent_time(row.get("InsertTime")),
        not_after=parse_tencent_time(row.get("CertEndTime")),
        tags=_tags(row.get("Tags")),
    )


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in tags.items()]


def tag_resource_name(certificate_id: str, region: str) -> str:
    """The Tag service's six-part name of a certificate, as Terraform builds it (owner uin left empty)."""
    return f"qcs::ssl:{region}:uin/:certificate/{certificate_id}"


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------------- service


class SslService:
    """SSL and Tag operations on certificates over an API client; thread-safe when the client is.

    ``region`` is the region part of tag resource names (certificates themselves are not regional).
    """

    def __init__(self, client: ApiCaller, *, region: str = "ap-guangzhou") -> None:
        self._client = client
        self.region = region

    def close(self) -> None:
        """Close the client's connections, when the client can be closed."""
        close = getattr(self._client, "close", None)
        if callable(close):
            close()

    def _ssl(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._client.call(SSL_SERVICE, SSL_VERSION, action, params)

    def _ssl_for(self, certificate_id: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._ssl(action, params)
        except ApiError as error:
            if error.code == _NOT_FOUND:
                raise CertificateNotFound(certificate_id) from error
            raise

    # -- create

    def upload_certificate(
        self,
        *,
        public_key: str,
        private_key: str | None,
        certificate_type: str = "SVR",
        alias: str = "",
        project_id: int = 0,
        tags: Mapping[str, str] | None = None,
        repeatable: bool = True,
    ) -> str:
        """UploadCertificate; returns the new certificate id.

        ``repeatable`` stays True by default: with False Tencent answers with the id of any existing certificate
        of the same fingerprint, possibly one this caller does not own (API notes §6.6).
        """
        params: dict[str, Any] = {
            "CertificatePublicKey": public_key,
            "CertificateType": certificate_type,
            "ProjectId": int(project_id),
            "Repeatable": repeatable,
        }
        if private_key:
            params["CertificatePrivateKey"] = private_key
        if alias:
            params["Alias"] = alias
        if tags:
            params["Tags"] = _tag_list(tags)
        reply = self._ssl("UploadCertificate", params)
        return _text(reply.get("CertificateId")) or _text(reply.get("RepeatCertId"))

    def apply_certificate(
        self,
        *,
        domain: str,
        validation: str = "DNS_AUTO",
        alias: str = "",
        project_id: int = 0,
        delete_dns_auto_record: bool | None = None,
    ) -> str:
        """ApplyCertificate for a free DV certificate; returns the new certificate id (issuance is asynchronous)."""
        params: dict[str, Any] = {"DvAuthMethod": validation, "DomainName": domain}
        if project_id:
            params["ProjectId"] = int(project_id)
        if alias:
            params["Alias"] = alias
        if delete_dns_auto_record is not None:
            params["DeleteDnsAutoRecord"] = delete_dns_auto_record
        reply = self._ssl("ApplyCertificate", params)
        return _text(reply.get("CertificateId"))

    # -- read

    def describe_certificate_detail(self, certificate_id: str) -> CertificateDetail:
        """DescribeCertificateDetail; raises CertificateNotFound."""
        reply = self._ssl_for(certificate_id, "DescribeCertificateDetail", {"CertificateId": certificate_id})
        return _detail(reply, certificate_id)

    def find_certificates(
        self,
        *,
        tags: Mapping[str, str] | None = None,
        search_key: str | None = None,
        certificate_ids: Sequence[str] | None = None,
        certificate_type: str | None = None,
        page_size: int = _LIST_PAGE,
    ) -> list[CertificateSummary]:
        """DescribeCertificates with the given filters, every page."""
        params: dict[str, Any] = {}
        if tags:
            params["Tags"] = _tag_list(tags)
        if search_key:
            params["SearchKey"] = search_key
        if certificate_ids:
            params["CertIds"] = list(certificate_ids)
        if certificate_type:
            params["CertificateType"] = certificate_type
        found: list[CertificateSummary] = []
        offset = 0
        while True:
            reply = self._ssl("DescribeCertificates", {**params, "Offset": offset, "Limit": page_size})
            rows = reply.get("Certificates") or []
            found.extend(_summary(r) for r in rows if isinstance(r, dict))
            offset += len(rows)
            total = _int(reply.get("TotalCount"), offset)
            if not rows or len(rows) < page_size or offset >= total:
                return found

    def describe_deployed_resources(
        self, certificate_ids: Sequence[str], resource_types: Iterable[str] = DEPLOYED_RESOURCE_TYPES
    ) -> list[DeployedResources]:
        """DescribeDeployedResources for each resource type (one type per call); only types with resources."""
        found: list[DeployedResources] = []
        for resource_type in resource_types:
            reply = self._ssl(
                "DescribeDeployedResources",
                {"CertificateIds": list(certificate_ids), "ResourceType": resource_type},
            )
            for row in reply.get("DeployedResources") or []:
                if not isinstance(row, dict):
                    continue
                resources = _strings(row.get("Resources")) or _strings(row.get("ResourceIds"))
                count = _int(row.get("Count"), len(resources))
                if count or resources:
                    found.append(
                        DeployedResources(
                            certificate_id=_text(row.get("CertificateId")),
                            resource_type=_text(row.get("Type")) or resource_type,
                            count=count,
                            resources=resources,
                        )
                    )
        return found

    # -- update

    def modify_alias(self, certificate_id: str, alias: str) -> None:
        """ModifyCertificateAlias (an empty alias clears it)."""
        self._ssl_for(certificate_id, "ModifyCertificateAlias", {"CertificateId": certificate_id, "Alias": alias})

    def modify_project(self, certificate_id: str, project_id: int) -> None:
        """ModifyCertificateProject; raises ProjectChangeFailed when the id comes back in ``FailCertificates``."""
        reply = self._ssl_for(
            certificate_id,
            "ModifyCertificateProject",
            {"CertificateIdList": [certificate_id], "ProjectId": int(project_id)},
        )
        # The API can "succeed" while listing the id as failed, with no error code (Terraform checks this too).
        if certificate_id in _strings(reply.get("FailCertificates")):
            raise ProjectChangeFailed(certificate_id, int(project_id))

    # -- delete

    def delete_certificate(self, certificate_id: str, *, check_resources: bool = True) -> DeleteOutcome:
        """DeleteCertificate; with ``check_resources`` Tencent usually answers with a task to poll.

        Raises CertificateNotFound, DeletionTooSoon, CertificateStillBound or ServiceRoleNotAuthorised for the
        matching error codes.
        """
        try:
            reply = self._ssl_for(
                certificate_id,
                "DeleteCertificate",
                {"CertificateId": certificate_id, "IsCheckResource": bool(check_resources)},
            )
        except ApiError as error:
            if error.code in _TOO_SOON:
                raise DeletionTooSoon(
                    certificate_id, earliest=self._earliest_deletion(certificate_id), code=error.code
                ) from error
            if error.code in _BOUND:
                raise CertificateStillBound(certificate_id, reason=error.message) from error
            if error.code == _ROLE:
                raise ServiceRoleNotAuthorised(certificate_id, reason=error.message) from error
            raise
        task_id = _text(reply.get("TaskId")) or None
        return DeleteOutcome(deleted=bool(reply.get("DeleteResult")), task_id=task_id)

    def _earliest_deletion(self, certificate_id: str) -> dt.datetime | None:
        # Best effort: the error says "not within an hour"; InsertTime says when the hour ends.
        try:
            inserted = self.describe_certificate_detail(certificate_id).inserted_at
        except Exception:  # noqa: BLE001 - the refusal is what matters; the time is a courtesy
            return None
        return inserted + FREE_CERTIFICATE_MIN_AGE if inserted else None

    def describe_delete_tasks(self, task_ids: Sequence[str]) -> dict[str, DeleteTask]:
        """DescribeDeleteCertificatesTaskResult, by task id (ids Tencent does not know are absent)."""
        tasks: dict[str, DeleteTask] = {}
        for chunk in _chunks(list(task_ids), DELETE_TASK_POLL_LIMIT):
            reply = self._ssl("DescribeDeleteCertificatesTaskResult", {"TaskIds": list(chunk)})
            for row in reply.get("DeleteTaskResult") or []:
                if not isinstance(row, dict):
                    continue
                task = DeleteTask(
                    task_id=_text(row.get("TaskId")),
                    certificate_id=_text(row.get("CertId")),
                    status=_int(row.get("Status"), -1),
                    error=_text(row.get("Error")),
                    domains=_strings(row.get("Domains")),
                )
                tasks[task.task_id] = task
        return tasks

    # -- tags (Tag service; the SSL API has no "modify tags")

    def get_tags(self, certificate_id: str) -> dict[str, str]:
        """Every tag on the certificate (DescribeResourceTagsByResourceIds), system tags included."""
        tags: dict[str, str] = {}
        offset = 0
        limit = 50
        while True:
            reply = self._client.call(
                TAG_SERVICE,
                TAG_VERSION,
                "DescribeResourceTagsByResourceIds",
                {
                    "ServiceType": "ssl",
                    "ResourcePrefix": "certificate",
                    "ResourceIds": [certificate_id],
                    "ResourceRegion": self.region,
                    "Offset": offset,
                    "Limit": limit,
                },
            )
            rows = [r for r in reply.get("Tags") or [] if isinstance(r, dict)]
            for row in rows:
                if _text(row.get("ResourceId")) in ("", certificate_id) and row.get("TagKey"):
                    tags[str(row["TagKey"])] = _text(row.get("TagValue"))
            offset += len(rows)
            if len(rows) < limit or offset >= _int(reply.get("TotalCount"), offset):
                return tags

    def change_tags(
        self, certificate_id: str, *, replace: Mapping[str, str] | None = None, delete: Iterable[str] = ()
    ) -> None:
        """ModifyResourceTags: set ``replace`` and remove ``delete`` keys (in calls of at most 10 of each)."""
        replacing = list((replace or {}).items())
        deleting = [k for k in dict.fromkeys(delete) if k not in (replace or {})]
        resource = tag_resource_name(certificate_id, self.region)
        while replacing or deleting:
            params: dict[str, Any] = {"Resource": resource}
            if replacing:
                params["ReplaceTags"] = [{"TagKey": k, "TagValue": v} for k, v in replacing[:_TAG_PAGE]]
                replacing = replacing[_TAG_PAGE:]
            if deleting:
                params["DeleteTags"] = [{"TagKey": k} for k in deleting[:_TAG_PAGE]]
                deleting = deleting[_TAG_PAGE:]
            self._client.call(TAG_SERVICE, TAG_VERSION, "ModifyResourceTags", params)

    def replace_tags(
        self, certificate_id: str, desired: Mapping[str, str], current: Mapping[str, str] | None = None
    ) -> None:
        """Make the tags equal ``desired`` (reading ``current`` when not given); no call when they already are."""
        if current is None:
            current = self.get_tags(certificate_id)
        replace = {k: v for k, v in desired.items() if current.get(k) != v}
        delete = [k for k in current if k not in desired]
        if replace or delete:
            self.change_tags(certificate_id, replace=replace, delete=delete)
