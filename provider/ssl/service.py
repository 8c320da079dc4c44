"""``SslService``: typed operations of the Tencent Cloud SSL Certificates API (2019-12-05) and of the Tag API.

Each method makes the calls one operation needs (paging, batching, task polling) and turns the error codes a
caller must act on into the ``SslError`` tree; any other failure stays the client's ``ApiError`` or
``TransportError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from ..tencentcloud.config import DEFAULT_REGION
from ..tencentcloud.errors import ApiError, TencentCloudError
from ..tencentcloud.retry import is_throttling
from .delete_codes import ROLE_CODE, Handling, delete_code
from .deploy import DeployRecords
from .errors import (
    AccountActionNeeded,
    CertificateNotFound,
    CertificateStillBound,
    DeletionTooSoon,
    LiftsByItself,
    NeverDeletable,
    ProjectChangeFailed,
    RenewalNotIssued,
    ServiceRoleNotAuthorised,
)
from .models import CertificateDetail, CertificateSummary, DeleteOutcome, DeleteTask, DeployedResources, Uploaded
from .wire import (
    as_int,
    as_strings,
    as_text,
    certificate_detail,
    certificate_summary,
    delete_task,
    deployed_resources,
    tag_list,
    tag_resource_name,
)

__all__ = [
    "DELETE_TASK_POLL_LIMIT",
    "TAG_READ_IDS",
    "TAG_RESOURCES_PER_CALL",
    "DEPLOYED_RESOURCE_TYPES",
    "FREE_CERTIFICATE_MIN_AGE",
    "SSL_SERVICE",
    "SSL_VERSION",
    "TAG_SERVICE",
    "TAG_VERSION",
    "ApiCaller",
    "SslService",
]

SSL_SERVICE = "ssl"
SSL_VERSION = "2019-12-05"
TAG_SERVICE = "tag"
TAG_VERSION = "2018-08-13"

#: DescribeDeleteCertificatesTaskResult takes at most 100 task ids (API doc 400/105464).
DELETE_TASK_POLL_LIMIT = 100
#: UnTagResources takes at most 10 resources and 10 keys per call (SDK model UnTagResourcesRequest: "N取值范围：0~9").
TAG_RESOURCES_PER_CALL = 10
#: DescribeResourceTagsByResourceIds: at most 50 ResourceIds per call (the Tag SDK model), its rows paged 50 at a time
#: (the Offset a multiple of the Limit).
TAG_READ_IDS = 50
TAG_ROWS_PER_PAGE = 50
#: ResourceType values DescribeDeployedResources accepts, one per call (SDK model DescribeDeployedResourcesRequest).
DEPLOYED_RESOURCE_TYPES: tuple[str, ...] = ("clb", "cdn", "waf", "live", "vod", "antiddos", "teo")
#: Free certificates cannot be deleted within an hour of the application (error-code list, Terraform's doc).
FREE_CERTIFICATE_MIN_AGE = dt.timedelta(hours=1)

_LIST_PAGE = 1000  # DescribeCertificates treats larger limits as 1000
_TAG_PAGE = 10  # ModifyResourceTags accepts at most 10 ReplaceTags and 10 DeleteTags per call
_NOT_FOUND = "FailedOperation.CertificateNotFound"
_TOO_SOON = frozenset({"FailedOperation.CannotBeDeletedWithinHour", "FailedOperation.DeleteFailedTimeNotUp"})


class ApiCaller(Protocol):
    """What this module needs from ``provider.tencentcloud.Client``: its ``call``, one signed, retried call (the
    ``Response`` object, or ApiError/TransportError; each retried attempt's failure appended to ``failed_attempts``)."""

    def call(
        self, service: str, version: str, action: str, params: Mapping[str, Any], *,
        failed_attempts: list[TencentCloudError] | None = None,
    ) -> dict[str, Any]: ...  # fmt: skip


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SslService(DeployRecords):
    """SSL and Tag operations on certificates over an API client; thread-safe when the client is.

    ``region`` is the region part of tag resource names (certificates themselves are not regional).
    """

    def __init__(self, client: ApiCaller, *, region: str = DEFAULT_REGION) -> None:
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

    def upload(
        self,
        *,
        public_key: str,
        private_key: str | None,
        certificate_type: str = "SVR",
        alias: str = "",
        project_id: int = 0,
        tags: Mapping[str, str] | None = None,
        repeatable: bool = True,
    ) -> Uploaded:
        """UploadCertificate: the new certificate's id, and whether an attempt the client retried may have stored a
        certificate as well.

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
            params["Tags"] = tag_list(tags)
        failed: list[TencentCloudError] = []
        reply = self._client.call(SSL_SERVICE, SSL_VERSION, "UploadCertificate", params, failed_attempts=failed)
        certificate_id = as_text(reply.get("CertificateId")) or as_text(reply.get("RepeatCertId"))
        # A throttled attempt was refused before any work; any other failure (no reply, a gateway fault, an
        # InternalError) may have come after Tencent stored the certificate.
        ambiguous = any(not is_throttling(e) for e in failed)
        return Uploaded(certificate_id, ambiguous)

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
        return as_text(reply.get("CertificateId"))

    # -- read

    def describe_certificate_detail(self, certificate_id: str) -> CertificateDetail:
        """DescribeCertificateDetail; raises CertificateNotFound."""
        reply = self._ssl_for(certificate_id, "DescribeCertificateDetail", {"CertificateId": certificate_id})
        return certificate_detail(reply, certificate_id)

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
            params["Tags"] = tag_list(tags)
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
            found.extend(certificate_summary(r) for r in rows if isinstance(r, dict))
            offset += len(rows)
            total = as_int(reply.get("TotalCount"), offset)
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
                deployed = deployed_resources(row, resource_type) if isinstance(row, dict) else None
                if deployed is not None:
                    found.append(deployed)
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
        if certificate_id in as_strings(reply.get("FailCertificates")):
            raise ProjectChangeFailed(certificate_id, int(project_id))

    # -- delete

    def delete_certificate(self, certificate_id: str, *, check_resources: bool = True) -> DeleteOutcome:
        """DeleteCertificate; with ``check_resources`` Tencent usually answers with a task to poll.

        Raises an ``SslError`` for each documented code by its handling in ``delete_codes``: CertificateNotFound,
        DeletionTooSoon or LiftsByItself (RenewalNotIssued), CertificateStillBound, ServiceRoleNotAuthorised or
        AccountActionNeeded, NeverDeletable. Transient codes (the client already retried them) and undocumented
        ones stay ``ApiError``.
        """
        try:
            reply = self._ssl_for(
                certificate_id,
                "DeleteCertificate",
                {"CertificateId": certificate_id, "IsCheckResource": bool(check_resources)},
            )
        except ApiError as error:
            rule = delete_code(error.code)
            if rule is None or rule.handling is Handling.RETRIED:
                raise
            if error.code in _TOO_SOON:
                raise DeletionTooSoon(
                    certificate_id, earliest=self._earliest_deletion(certificate_id), code=error.code
                ) from error
            if rule.handling is Handling.WAITED:
                waited = RenewalNotIssued if error.code == "FailedOperation.RenewNotIssued" else LiftsByItself
                raise waited(certificate_id, rule, reason=error.message) from error
            if rule.handling is Handling.BOUND:
                raise CertificateStillBound(certificate_id, reason=error.message) from error
            if error.code == ROLE_CODE:
                raise ServiceRoleNotAuthorised(certificate_id, reason=error.message) from error
            if rule.handling is Handling.ACCOUNT:
                raise AccountActionNeeded(certificate_id, rule, reason=error.message) from error
            raise NeverDeletable(certificate_id, rule, reason=error.message) from error
        task_id = as_text(reply.get("TaskId")) or None
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
                if isinstance(row, dict):
                    task = delete_task(row)
                    tasks[task.task_id] = task
        return tasks

    # -- tags (Tag service; the SSL API has no "modify tags")

    def get_tags(self, certificate_id: str) -> dict[str, str]:
        """Every tag on the certificate (DescribeResourceTagsByResourceIds), system tags included."""
        return self.get_tags_of([certificate_id])[certificate_id]

    def get_tags_of(self, certificate_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """Every tag of each certificate, up to ``TAG_READ_IDS`` ids per DescribeResourceTagsByResourceIds call;
        a certificate without tags (or gone) maps to ``{}``."""
        tags: dict[str, dict[str, str]] = {cid: {} for cid in certificate_ids}
        for chunk in _chunks(list(tags), TAG_READ_IDS):
            offset = 0
            while True:
                reply = self._client.call(
                    TAG_SERVICE,
                    TAG_VERSION,
                    "DescribeResourceTagsByResourceIds",
                    {
                        "ServiceType": "ssl",
                        "ResourcePrefix": "certificate",
                        "ResourceIds": list(chunk),
                        "ResourceRegion": self.region,
                        "Offset": offset,
                        "Limit": TAG_ROWS_PER_PAGE,
                    },
                )
                rows = [r for r in reply.get("Tags") or [] if isinstance(r, dict)]
                for row in rows:
                    # A row without its resource id can only be the one certificate's asked about.
                    owner = as_text(row.get("ResourceId")) or (chunk[0] if len(chunk) == 1 else "")
                    if owner in tags and row.get("TagKey"):
                        tags[owner][str(row["TagKey"])] = as_text(row.get("TagValue"))
                offset += len(rows)
                if len(rows) < TAG_ROWS_PER_PAGE or offset >= as_int(reply.get("TotalCount"), offset):
                    break
        return tags

    def untag_certificates(self, certificate_ids: Sequence[str], keys: Sequence[str]) -> dict[str, str]:
        """UnTagResources: remove ``keys`` from each certificate, up to 10 per call; the failed ones, with why."""
        failed: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(certificate_ids)), TAG_RESOURCES_PER_CALL):
            names = {tag_resource_name(c, self.region): c for c in chunk}
            for key_chunk in _chunks(list(dict.fromkeys(keys)), TAG_RESOURCES_PER_CALL):
                reply = self._client.call(
                    TAG_SERVICE,
                    TAG_VERSION,
                    "UnTagResources",
                    {"ResourceList": list(names), "TagKeys": list(key_chunk)},
                )
                for row in reply.get("FailedResources") or []:
                    if isinstance(row, dict) and as_text(row.get("Resource")) in names:
                        code, message = as_text(row.get("Code")), as_text(row.get("Message"))
                        failed[names[as_text(row["Resource"])]] = f"{code}: {message}".strip(": ")
        return failed

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
