"""How deploy records look in DescribeHostUpdateRecord(Detail) and UpdateCertificateInstance responses.

Field lists and order are the SDK models' (tencentcloud-sdk-python-ssl 3.1.145: ``UpdateRecordInfo``,
``UpdateRecordDetail``, ``UpdateRecordDetails``, ``UpdateSyncProgress``, ``UpdateSyncProgressRegion``); every field
is present. Strings that do not apply are ``""`` and numbers ``null``, as Tencent's published example shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.clock import gmt8
from emulator.deploy import Target, detail_status, detail_updated_at, record_status
from emulator.records import DeployDetail, DeployRecord
from emulator.store import Store

__all__ = ["deploy_admin_view", "record_detail", "record_details", "record_info", "sync_progress"]

# UpdateSyncProgress(Region).Status: 0 pending, 1 done, 3 in progress.
_SYNC_PENDING, _SYNC_DONE, _SYNC_RUNNING = 0, 1, 3


def record_info(record: DeployRecord, details: Sequence[DeployDetail], now: float) -> dict[str, Any]:
    """One ``UpdateRecordInfo`` of DescribeHostUpdateRecord's ``DeployRecordList``."""
    updated = max([detail_updated_at(d, now) for d in details], default=record.created_at)
    return {
        "Id": record.id,
        "CertId": record.cert_id,
        "OldCertId": record.old_cert_id,
        "ResourceTypes": list(record.resource_types),
        "Regions": sorted({d.region for d in details if d.region}),
        "Status": record_status(record, details, now),
        "CreateTime": gmt8(record.created_at),
        "UpdateTime": gmt8(updated),
    }


def _instance_fields(detail: DeployDetail) -> dict[str, Any]:
    # The binding's id in the shapes Tencent's deploy APIs use: clb "lb-x|lbl-y", tke "cls-x|namespace|secret".
    parts = detail.resource_id.split("|")
    kind = detail.resource_type
    return {
        "InstanceId": parts[0],
        "InstanceName": parts[0],
        "ListenerId": parts[1] if kind == "clb" and len(parts) > 1 else "",
        "Bucket": detail.resource_id if kind == "cos" else "",
        "Namespace": parts[1] if kind == "tke" and len(parts) > 1 else "",
        "SecretName": parts[2] if kind == "tke" and len(parts) > 2 else "",
        "EnvId": detail.resource_id if kind == "tcb" else "",
    }


def record_detail(record: DeployRecord, detail: DeployDetail, now: float) -> dict[str, Any]:
    """One ``UpdateRecordDetail``: a resource of the record, its status and error."""
    instance = _instance_fields(detail)
    return {
        "Id": detail.id,
        "CertId": record.cert_id,
        "OldCertId": record.old_cert_id,
        "Domains": list(detail.domains),
        "ResourceType": detail.resource_type,
        "Region": detail.region,
        "Status": detail_status(detail, now),
        "ErrorMsg": detail.error,
        "CreateTime": gmt8(detail.created_at),
        "UpdateTime": gmt8(detail_updated_at(detail, now)),
        "InstanceId": instance["InstanceId"],
        "InstanceName": instance["InstanceName"],
        "ListenerId": instance["ListenerId"],
        "ListenerName": "",
        "Protocol": "",
        "SniSwitch": None,
        "Bucket": instance["Bucket"],
        "Port": None,
        "Namespace": instance["Namespace"],
        "SecretName": instance["SecretName"],
        "EnvId": instance["EnvId"],
        "TCBType": "",
        "Url": "",
        "Algorithm": detail.algorithm or "",
        "OldAlgorithm": detail.old_algorithm or "",
        "InstanceStatus": "",
        "ListenerStatus": "",
    }


def record_details(
    record: DeployRecord, page: Sequence[DeployDetail], every: Sequence[DeployDetail], now: float
) -> list[dict[str, Any]]:
    """``RecordDetailList``: the ``page`` of details grouped by resource type, each group counting all of its type."""
    groups = []
    for kind in record.resource_types:
        listed = [d for d in page if d.resource_type == kind]
        if listed:
            total = sum(1 for d in every if d.resource_type == kind)
            groups.append(
                {"ResourceType": kind, "List": [record_detail(record, d, now) for d in listed], "TotalCount": total}
            )
    return groups


def sync_progress(targets: Sequence[Target], types: Sequence[str], done: int, of: int) -> list[dict[str, Any]]:
    """``UpdateSyncProgress``: per type and region, how many resources the asynchronous creation has gone through.

    ``done``/``of`` is how far creation is (calls answered so far / calls it takes): each region reports that share
    of its resources as ``OffsetCount``.
    """
    out = []
    for kind in types:
        regions: dict[str | None, int] = {}
        for target in targets:
            if target.resource_type == kind:
                regions[target.region] = regions.get(target.region, 0) + 1
        if not regions:
            continue
        rows = []
        for region, total in regions.items():
            offset = total if of == 0 else total * done // of
            status = _SYNC_DONE if offset == total else (_SYNC_RUNNING if offset else _SYNC_PENDING)
            rows.append({"Region": region, "TotalCount": total, "OffsetCount": offset, "Status": status})
        statuses = {row["Status"] for row in rows}
        overall = statuses.pop() if len(statuses) == 1 else _SYNC_RUNNING
        out.append({"ResourceType": kind, "UpdateSyncProgressRegions": rows, "Status": overall})
    return out


def deploy_admin_view(store: Store, record: DeployRecord, now: float) -> dict[str, Any]:
    """A record as ``GET /_emulator/deploys`` shows it: what a test asserts on, with emulator-clock times."""
    details = store.deploy_details(record.id)
    return {
        "DeployRecordId": record.id,
        "Kind": record.kind,
        "CertificateId": record.cert_id,
        "OldCertificateId": record.old_cert_id,
        "ResourceTypes": list(record.resource_types),
        "Status": record_status(record, details, now),
        "RollbackOf": record.rollback_of,
        "RolledBackBy": record.rolled_back_by,
        "CreatedAt": gmt8(record.created_at),
        "Details": [
            {
                "Id": d.id,
                "ResourceType": d.resource_type,
                "ResourceId": d.resource_id,
                "Region": d.region,
                "Status": detail_status(d, now),
                "ErrorMsg": d.error,
                "StartAt": gmt8(d.start_at),
                "DueAt": gmt8(d.due_at),
                "ResolvedAt": gmt8(d.resolved_at),
            }
            for d in details
        ],
    }
