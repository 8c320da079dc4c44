"""Tencent's one-click certificate update: deploy records that move cloud resources from one certificate to another.

``UpdateCertificateInstance`` starts a deploy record (``DeployRecordId``; 0 means "still being created, call again
with the same parameters"), ``DescribeHostUpdateRecord`` lists records by old and new certificate,
``DescribeHostUpdateRecordDetail`` reports each resource, ``UpdateCertificateRecordRetry`` retries the failed ones and
``UpdateCertificateRecordRollback`` moves deployed resources back. Field names and status values follow the official
SDK models (tencentcloud-sdk-python-ssl, ``UpdateRecordDetail``, ``UpdateRecordInfo``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .wire import as_int, as_strings, as_text

__all__ = [
    "ListenerDomains",
    "DeployDetail",
    "DeployDetailStatus",
    "DeployRecord",
    "DeployRecords",
    "DeployStarted",
    "ResourceRegions",
]

#: ResourceTypesRegions: resource type -> the regions to deploy in (types that have regions need them).
ResourceRegions = Mapping[str, Sequence[str]]

_DETAIL_PAGE = 200  # DescribeHostUpdateRecordDetail's largest Limit
_CLB_PAGE = 100  # DescribeHostClbInstanceList instances per call


class DeployDetailStatus(enum.IntEnum):
    """``UpdateRecordDetail.Status``."""

    PENDING = 0
    DEPLOYED = 1
    FAILED = 2
    DEPLOYING = 3
    ROLLED_BACK = 4
    ROLLBACK_FAILED = 5
    NOTHING_TO_DEPLOY = 6


#: Details that will not change any more on their own.
FINISHED = frozenset(
    {
        DeployDetailStatus.DEPLOYED,
        DeployDetailStatus.FAILED,
        DeployDetailStatus.ROLLED_BACK,
        DeployDetailStatus.ROLLBACK_FAILED,
        DeployDetailStatus.NOTHING_TO_DEPLOY,
    }
)


@dataclass(frozen=True)
class DeployStarted:
    """``UpdateCertificateInstance``'s answer: ``record_id`` 0 while Tencent is still creating the record."""

    record_id: int
    created: bool  # DeployStatus 1: a new record; 0: one for these certificates was already running


@dataclass(frozen=True)
class DeployRecord:
    """``UpdateRecordInfo``: one deploy record."""

    record_id: int
    certificate_id: str
    old_certificate_id: str
    resource_types: tuple[str, ...]
    status: int


@dataclass(frozen=True)
class DeployDetail:
    """``UpdateRecordDetail``: one cloud resource of a record."""

    detail_id: int
    resource_type: str
    region: str
    instance_id: str
    instance_name: str
    listener_id: str
    domains: tuple[str, ...]
    status: int
    error: str

    @property
    def finished(self) -> bool:
        """Whether the resource's deploy (or rollback) is over, successfully or not."""
        return self.status in FINISHED

    @property
    def succeeded(self) -> bool:
        """Whether the resource now uses the new certificate (or had nothing to deploy)."""
        return self.status in (DeployDetailStatus.DEPLOYED, DeployDetailStatus.NOTHING_TO_DEPLOY)

    def describe(self) -> str:
        """``CLB lb-7x3kq2 (listener lbl-1, ap-guangzhou)``: which resource, for messages."""
        where = ", ".join(x for x in (f"listener {self.listener_id}" if self.listener_id else "", self.region) if x)
        name = self.instance_id or self.instance_name or ", ".join(self.domains) or f"detail {self.detail_id}"
        return f"{self.resource_type.upper()} {name}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class ListenerDomains:
    """A CLB listener (``lb-…|lbl-…``, as DescribeDeployedResources names it), the domains of its rules, and those
    Tencent says the certificate to deploy does not match (DescribeHostClbInstanceList, ``ClbListener``)."""

    resource_id: str
    domains: tuple[str, ...]
    unmatched: tuple[str, ...]


class _Caller(Protocol):
    def _ssl(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]: ...


def _detail(row: Mapping[str, Any], resource_type: str) -> DeployDetail:
    return DeployDetail(
        detail_id=as_int(row.get("Id")),
        resource_type=as_text(row.get("ResourceType")) or resource_type,
        region=as_text(row.get("Region")),
        instance_id=as_text(row.get("InstanceId")),
        instance_name=as_text(row.get("InstanceName")),
        listener_id=as_text(row.get("ListenerId")),
        domains=as_strings(row.get("Domains")),
        status=as_int(row.get("Status")),
        error=as_text(row.get("ErrorMsg")),
    )


class DeployRecords:
    """The deploy-record operations; mixed into ``SslService`` (which provides ``_ssl``)."""

    def start_deploy(
        self: _Caller, old_certificate_id: str, certificate_id: str, resource_types: Sequence[str],
        regions: ResourceRegions | None = None,
    ) -> DeployStarted:  # fmt: skip
        """UpdateCertificateInstance: move ``resource_types`` of the old certificate to the new one."""
        params: dict[str, Any] = {
            "OldCertificateId": old_certificate_id,
            "CertificateId": certificate_id,
            "ResourceTypes": list(resource_types),
        }
        if regions:
            params["ResourceTypesRegions"] = [
                {"ResourceType": kind, "Regions": list(names)} for kind, names in regions.items() if names
            ]
        reply = self._ssl("UpdateCertificateInstance", params)
        return DeployStarted(as_int(reply.get("DeployRecordId")), as_int(reply.get("DeployStatus"), 1) == 1)

    def deploy_records(self: _Caller, old_certificate_id: str, certificate_id: str) -> list[DeployRecord]:
        """DescribeHostUpdateRecord for one old/new pair, newest first as Tencent lists them."""
        reply = self._ssl(
            "DescribeHostUpdateRecord",
            {"OldCertificateId": old_certificate_id, "CertificateId": certificate_id, "Offset": 0, "Limit": 100},
        )
        records = []
        for row in reply.get("DeployRecordList") or []:
            if isinstance(row, dict):
                records.append(
                    DeployRecord(
                        record_id=as_int(row.get("Id")),
                        certificate_id=as_text(row.get("CertId")),
                        old_certificate_id=as_text(row.get("OldCertId")),
                        resource_types=as_strings(row.get("ResourceTypes")),
                        status=as_int(row.get("Status")),
                    )
                )
        return records

    def deploy_details(self: _Caller, record_id: int) -> list[DeployDetail]:
        """DescribeHostUpdateRecordDetail: every resource of the record, all pages."""
        details: list[DeployDetail] = []
        offset = 0
        while True:
            reply = self._ssl(
                "DescribeHostUpdateRecordDetail",
                # The SDK model types all three as strings.
                {"DeployRecordId": str(record_id), "Offset": str(offset), "Limit": str(_DETAIL_PAGE)},
            )
            rows = 0
            for group in reply.get("RecordDetailList") or []:
                if not isinstance(group, dict):
                    continue
                for row in group.get("List") or []:
                    if isinstance(row, dict):
                        details.append(_detail(row, as_text(group.get("ResourceType"))))
                        rows += 1
            offset += rows
            if rows == 0 or offset >= as_int(reply.get("TotalCount"), offset):
                return details

    def clb_listeners_missed(self: _Caller, old_certificate_id: str, certificate_id: str) -> list[ListenerDomains]:
        """DescribeHostClbInstanceList (filter ``domainMatch`` 0): the CLB listeners bound to the old certificate
        whose domains the new one does not match, every page."""
        return _clb_listeners(self, old_certificate_id, certificate_id, "0")

    def clb_listeners_of(self: _Caller, certificate_id: str) -> list[ListenerDomains]:
        """The CLB listeners bound to the certificate with their rules' domains (DescribeHostClbInstanceList for
        the certificate itself, matching listeners and the others), for a certificate not made yet to be matched
        against; ``unmatched`` is left empty (it would be the certificate's own misses)."""
        return [
            ListenerDomains(listener.resource_id, listener.domains, ())
            for match in ("1", "0")
            for listener in _clb_listeners(self, certificate_id, certificate_id, match)
        ]

    def retry_deploy(self: _Caller, record_id: int) -> None:
        """UpdateCertificateRecordRetry: deploy the record's failed resources again."""
        self._ssl("UpdateCertificateRecordRetry", {"DeployRecordId": record_id})

    def roll_back_deploy(self: _Caller, record_id: int) -> int:
        """UpdateCertificateRecordRollback: move the record's deployed resources back; the rollback record's id."""
        reply = self._ssl("UpdateCertificateRecordRollback", {"DeployRecordId": record_id})
        return as_int(reply.get("DeployRecordId"))


def _clb_listeners(caller: _Caller, old_certificate_id: str, certificate_id: str, match: str) -> list[ListenerDomains]:
    """DescribeHostClbInstanceList with filter ``domainMatch`` ``match``: the listeners bound to the old certificate
    that ``certificate_id`` matches ("1") or misses ("0"), every page."""
    found: list[ListenerDomains] = []
    offset = 0
    while True:
        reply = caller._ssl(
            "DescribeHostClbInstanceList",
            {"CertificateId": certificate_id, "OldCertificateId": old_certificate_id, "IsCache": 0,
             "Filters": [{"FilterKey": "domainMatch", "FilterValue": match}], "Offset": offset, "Limit": _CLB_PAGE},
        )  # fmt: skip
        instances = [row for row in reply.get("InstanceList") or [] if isinstance(row, dict)]
        for instance in instances:
            balancer = as_text(instance.get("LoadBalancerId"))
            for listener in instance.get("Listeners") or []:
                if not isinstance(listener, dict):
                    continue
                rules = [r for r in listener.get("Rules") or [] if isinstance(r, dict)]
                found.append(
                    ListenerDomains(
                        resource_id=f"{balancer}|{as_text(listener.get('ListenerId'))}",
                        domains=tuple(d for d in (as_text(r.get("Domain")) for r in rules) if d),
                        unmatched=as_strings(listener.get("NoMatchDomains")),
                    )
                )
        offset += len(instances)
        if not instances or offset >= as_int(reply.get("TotalCount"), offset):
            return found
