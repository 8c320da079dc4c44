"""One-click certificate updates as emulator time passes: records, per-resource details, their statuses and moves.

A deploy record (UpdateCertificateInstance) has one detail per admin binding it reaches; each detail moves that
binding from the old certificate to the new one once ``DeploySeconds`` of emulator time have passed (the first half
pending, the second deploying), unless the settings make its resource type fail or hang. A rollback record
(UpdateCertificateRecordRollback) moves the deployed bindings back. Detail statuses are the SDK model's
(``UpdateRecordDetail.Status``): 0 pending, 1 deployed, 2 failed, 3 deploying, 4 rolled back, 5 rollback failed,
6 no resource, nothing to deploy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from emulator.cloud_resources import REGIONAL_TYPES
from emulator.records import ROLLBACK, DeployDetail, DeployRecord
from emulator.settings import Settings
from emulator.store import Store

__all__ = [
    "DEPLOYED", "DEPLOYING", "FAILED", "NOTHING_TO_DEPLOY", "PENDING", "ROLLBACK_FAILED", "ROLLED_BACK", "Target",
    "add_details", "advance", "detail_status", "detail_updated_at", "is_running", "matching_bindings",
    "record_status", "request_key", "reschedule", "running_records",
]  # fmt: skip

PENDING, DEPLOYED, FAILED, DEPLOYING, ROLLED_BACK, ROLLBACK_FAILED, NOTHING_TO_DEPLOY = range(7)


@dataclass(frozen=True)
class Target:
    """A cloud resource a record deploys to: an admin binding's type, id and region (``None``: no region)."""

    resource_type: str
    resource_id: str
    region: str | None


def request_key(old_id: str, new_key: str, types: Sequence[str], regions: Mapping[str, Sequence[str]]) -> str:
    """What makes two UpdateCertificateInstance calls "the same request": the pair, the types and the regions."""
    by_type = {kind: sorted(set(values)) for kind, values in regions.items()}
    return json.dumps([old_id, new_key, sorted(set(types)), by_type], sort_keys=True)


def matching_bindings(
    store: Store, cert_id: str, types: Sequence[str], regions: Mapping[str, Sequence[str]], default_region: str
) -> list[Target]:
    """The bindings of ``cert_id`` a one-click update reaches, in the order of ``types``.

    For a type with regions, a binding without one is in the account's default region, and regions given for the
    type (``ResourceTypesRegions``) must include the binding's; without them every region is reached.
    """
    rows = store.binding_regions(cert_id)
    out: list[Target] = []
    for kind in types:
        wanted = regions.get(kind)
        for rtype, resource_id, region in rows:
            if rtype != kind:
                continue
            if kind in REGIONAL_TYPES:
                region = region or default_region
                if wanted and region not in wanted:
                    continue
            out.append(Target(kind, resource_id, region))
    return out


def detail_status(detail: DeployDetail, now: float) -> int:
    """The status a detail reports at ``now``: its outcome once decided, else pending or deploying by time."""
    if detail.status is not None:
        return detail.status
    return PENDING if now < detail.start_at else DEPLOYING


def detail_updated_at(detail: DeployDetail, now: float) -> float:
    """When a detail last changed (its ``UpdateTime``)."""
    if detail.resolved_at is not None:
        return detail.resolved_at
    return detail.start_at if now >= detail.start_at else detail.created_at


def is_running(details: Iterable[DeployDetail]) -> bool:
    """Whether any detail is still undecided (pending, deploying or hanging)."""
    return any(d.status is None for d in details)


def record_status(record: DeployRecord, details: Sequence[DeployDetail], now: float) -> int:
    """A record's overall status, on the same scale as its details (as Tencent's hosting records report it)."""
    statuses = [detail_status(d, now) for d in details]
    if statuses and all(s == PENDING for s in statuses):
        return PENDING
    if is_running(details):
        return DEPLOYING
    if record.kind == ROLLBACK:
        return ROLLBACK_FAILED if ROLLBACK_FAILED in statuses else ROLLED_BACK
    return FAILED if FAILED in statuses else DEPLOYED


def running_records(store: Store, cert_id: str, types: Iterable[str]) -> list[DeployRecord]:
    """Records still deploying to or from ``cert_id`` that share a resource type with ``types``."""
    wanted = set(types)
    return [
        record
        for record in store.deploy_records()
        if cert_id in (record.cert_id, record.old_cert_id)
        and wanted & set(record.resource_types)
        and is_running(store.deploy_details(record.id))
    ]


def _schedule(detail: DeployDetail, now: float, settings: Settings) -> None:
    detail.start_at = now + settings.DeploySeconds / 2
    detail.due_at = now + settings.DeploySeconds
    detail.status, detail.error, detail.resolved_at = None, "", None


def add_details(
    store: Store,
    record: DeployRecord,
    targets: Iterable[Target],
    now: float,
    settings: Settings,
    *,
    domains: list[str],
    algorithm: str | None,
    old_algorithm: str | None,
) -> None:
    """Store a new record with one detail per target, then settle what is due already (``DeploySeconds`` 0)."""
    store.put_deploy_record(record)
    for target in targets:
        detail = DeployDetail(
            id=store.new_deploy_detail_id(),
            record_id=record.id,
            resource_type=target.resource_type,
            resource_id=target.resource_id,
            region=target.region,
            created_at=now,
            start_at=now,
            due_at=now,
            domains=list(domains),
            algorithm=algorithm,
            old_algorithm=old_algorithm,
        )
        _schedule(detail, now, settings)
        store.put_deploy_detail(detail)
    advance(store, now, settings)


def reschedule(store: Store, details: Iterable[DeployDetail], now: float, settings: Settings) -> None:
    """Run failed details again (UpdateCertificateRecordRetry): pending, then deploying, then a new outcome."""
    for detail in details:
        _schedule(detail, now, settings)
        store.put_deploy_detail(detail)
    advance(store, now, settings)


def advance(store: Store, now: float, settings: Settings) -> None:
    """Decide every detail whose deploy time is up (hanging types stay deploying until the setting changes)."""
    for detail in store.due_deploy_details(now):
        if detail.resource_type not in settings.DeployHangs:
            _settle(store, detail, now, settings)


def _settle(store: Store, detail: DeployDetail, now: float, settings: Settings) -> None:
    record = store.get_deploy_record(detail.record_id)
    assert record is not None
    rollback = record.kind == ROLLBACK
    source, target = (record.cert_id, record.old_cert_id) if rollback else (record.old_cert_id, record.cert_id)
    done, failed = (ROLLED_BACK, ROLLBACK_FAILED) if rollback else (DEPLOYED, FAILED)
    what = f"{detail.resource_type} instance {detail.resource_id}"
    injected = settings.DeployFailures.get(detail.resource_type)
    if injected is not None:
        verb = "Rolling back" if rollback else "Deploying"
        status = failed
        error = injected or f"{verb} certificate {target} to {what} failed (injected by the emulator)."
    elif store.get_cert(target) is None:
        status, error = failed, f"The certificate {target} does not exist any more; {what} was left unchanged."
    elif store.move_binding(source, target, detail.resource_type, detail.resource_id):
        status, error = done, ""
    else:
        # The binding went away while the record waited (unbound, or its certificate deleted): nothing to deploy.
        status, error = NOTHING_TO_DEPLOY, f"{what} no longer uses certificate {source}; nothing to deploy."
    detail.status, detail.error, detail.resolved_at = status, error, now
    store.put_deploy_detail(detail)
