"""One-click certificate update actions (version 2019-12-05): update, list and detail records, retry, roll back.

UpdateCertificateInstance is asynchronous at Tencent: "DeployRecordId 0 means the task is still being created; call
again with the same parameters until it is greater than 0" (the API doc; Terraform's update_certificate_instance
operation retries on 0). The emulator answers 0 to the first ``DeployCreateCalls`` calls of the same request, then
creates the record; a call repeating a request whose record still runs (or left nothing to deploy) gets that record
back (``DeployStatus`` 0 while it runs, 1 once done) instead of a second one. Error codes are the ones the SDK lists
for these actions (tencentcloud-sdk-go ssl/v20191205 client.go) with their errorcodes.py meanings.
"""

from __future__ import annotations

from typing import Any

from emulator import deploy
from emulator.context import SSL, Context, action
from emulator.deploy import Target, is_running, running_records
from emulator.deploy_request import NewCertificate, regions_by_type, resource_types
from emulator.deploy_views import record_details, record_info, sync_progress
from emulator.errors import ApiError, invalid_value, missing, not_found
from emulator.params import TAG_LIST, Bool, Int, List, Obj, Str
from emulator.records import ROLLBACK, UPDATE, Certificate, DeployRecord
from emulator.tag_actions import normalise_tags

__all__ = ["ACTIONS"]

_DETAIL_LIMIT, _DETAIL_MAX = 10, 200
_RECORD_LIMIT, _RECORD_MAX = 10, 1000


def _cert(ctx: Context, cert_id: str) -> Certificate:
    cert = ctx.store.get_cert(cert_id)
    if cert is None:
        raise not_found(cert_id)
    return cert


def _record(ctx: Context, record_id: int) -> DeployRecord:
    record = ctx.store.get_deploy_record(record_id)
    if record is None:
        raise ApiError("FailedOperation.CertificateDeployNotExist", f"The deploy record `{record_id}` does not exist.")
    return record


def _pending(what: str) -> ApiError:
    return ApiError(
        "FailedOperation.CertificateDeployHasPendingRecord",
        f"{what} has a deployment still running; retry once it has finished.",
    )


def _existing_record(ctx: Context, key: str, targets: list[Target]) -> dict[str, Any] | None:
    """The newest record made by the same request, if a repeated call should get it back."""
    for record in ctx.store.deploy_records():
        if record.kind != UPDATE or record.request_key != key:
            continue
        if record.rolled_back_by is not None:
            return None
        if is_running(ctx.store.deploy_details(record.id)):
            return {"DeployRecordId": record.id, "DeployStatus": 0, "UpdateSyncProgress": None}
        if not targets:
            return {"DeployRecordId": record.id, "DeployStatus": 1, "UpdateSyncProgress": None}
        return None  # done, but the old certificate has resources of these types again: a new record
    return None


@action(
    SSL,
    "UpdateCertificateInstance",
    {
        "OldCertificateId": Str(required=True),
        "ResourceTypes": List(Str(), required=True),
        "CertificateId": Str(),
        "Regions": List(Str()),  # deprecated in the SDK model; accepted and ignored
        "ResourceTypesRegions": List(Obj({"ResourceType": Str(required=True), "Regions": List(Str())})),
        "CertificatePublicKey": Str(),
        "CertificatePrivateKey": Str(),
        "ExpiringNotificationSwitch": Int(choices=(0, 1)),
        "Repeatable": Bool(),
        "AllowDownload": Bool(),
        "Tags": TAG_LIST,
        "ProjectId": Int(minimum=0),
    },
)
def update_certificate_instance(ctx: Context) -> dict[str, Any]:
    """Start (or return) the record that moves the old certificate's resources of the given types to the new one."""
    p = ctx.params
    types = resource_types(p["ResourceTypes"])
    regions = regions_by_type(p.get("ResourceTypesRegions", []), types)
    old = _cert(ctx, p["OldCertificateId"])
    new = NewCertificate.from_params(ctx)
    tags = normalise_tags(p.get("Tags", []))
    key = deploy.request_key(old.id, new.key, types, regions)
    targets = deploy.matching_bindings(ctx.store, old.id, types, regions, ctx.region)
    existing = _existing_record(ctx, key, targets)
    if existing is not None:
        return existing
    new.check_usable(ctx, old)
    if not targets:
        raise ApiError(
            "FailedOperation.CertificateDeployInstanceEmpty",
            f"The certificate {old.id} is deployed to no instance of the selected cloud resource types "
            f"({', '.join(types)}); nothing can be updated.",
        )
    if running_records(ctx.store, old.id, types):
        raise _pending(f"The certificate {old.id}")
    new.check_repeatable(ctx)
    calls, needed = ctx.store.deploy_request_calls(key), ctx.settings.DeployCreateCalls
    if calls < needed:
        ctx.store.set_deploy_request_calls(key, calls + 1)
        progress = sync_progress(targets, types, calls, needed)
        return {"DeployRecordId": 0, "DeployStatus": 0, "UpdateSyncProgress": progress}
    cert = new.obtain(ctx, tags)
    if p.get("ExpiringNotificationSwitch") == 1:
        old.ignore_expiring = True
        ctx.store.put_cert(old)
    record = DeployRecord(
        id=ctx.store.new_deploy_record_id(),
        kind=UPDATE,
        cert_id=cert.id,
        old_cert_id=old.id,
        resource_types=[t for t in types if any(target.resource_type == t for target in targets)],
        created_at=ctx.now,
        request_key=key,
    )
    ctx.store.forget_deploy_request(key)
    deploy.add_details(
        ctx.store,
        record,
        targets,
        ctx.now,
        ctx.settings,
        domains=new.domains(),
        algorithm=new.algorithm(),
        old_algorithm=old.algorithm,
    )
    return {"DeployRecordId": record.id, "DeployStatus": 1, "UpdateSyncProgress": sync_progress(targets, types, 1, 1)}


@action(
    SSL,
    "DescribeHostUpdateRecord",
    {"Offset": Int(minimum=0), "Limit": Int(minimum=0), "CertificateId": Str(), "OldCertificateId": Str()},
)
def describe_host_update_record(ctx: Context) -> dict[str, Any]:
    """Deploy and rollback records, newest first, filtered by new and/or old certificate."""
    p = ctx.params
    every = ctx.store.deploy_records()
    records = every
    for name, attribute in (("CertificateId", "cert_id"), ("OldCertificateId", "old_cert_id")):
        wanted = p.get(name)
        if not wanted:
            continue
        # A certificate deleted after its update (the usual end of one) still has its records.
        if ctx.store.get_cert(wanted) is None and not any(getattr(r, attribute) == wanted for r in every):
            raise not_found(wanted)
        records = [r for r in records if getattr(r, attribute) == wanted]
    offset = p.get("Offset", 0)
    limit = min(p.get("Limit") or _RECORD_LIMIT, _RECORD_MAX)
    page = records[offset : offset + limit]
    return {
        "TotalCount": len(records),
        "DeployRecordList": [record_info(r, ctx.store.deploy_details(r.id), ctx.now) for r in page],
    }


def _number(ctx: Context, name: str, default: int) -> int:
    # DescribeHostUpdateRecordDetail's DeployRecordId, Limit and Offset are strings in the SDK model.
    value = ctx.params.get(name)
    if value is None:
        return default
    if not (value.strip().isascii() and value.strip().isdigit()):  # isdigit alone takes "²", which int() refuses
        raise invalid_value(name, f"`{value}` is not a non-negative decimal integer")
    return int(value.strip())


@action(SSL, "DescribeHostUpdateRecordDetail", {"DeployRecordId": Str(required=True), "Limit": Str(), "Offset": Str()})
def describe_host_update_record_detail(ctx: Context) -> dict[str, Any]:
    """A record's resources grouped by type, with success/failed/running/pending counts over all of them."""
    record = _record(ctx, _number(ctx, "DeployRecordId", 0))
    # Tencent's own example sends Limit 0 and gets results: 0 means the default.
    limit = min(_number(ctx, "Limit", _DETAIL_LIMIT) or _DETAIL_LIMIT, _DETAIL_MAX)
    offset = _number(ctx, "Offset", 0)
    details = ctx.store.deploy_details(record.id)
    ordered = sorted(details, key=lambda d: (record.resource_types.index(d.resource_type), d.id))
    statuses = [deploy.detail_status(d, ctx.now) for d in details]
    return {
        "TotalCount": len(details),
        "RecordDetailList": record_details(record, ordered[offset : offset + limit], details, ctx.now),
        "SuccessTotalCount": statuses.count(deploy.DEPLOYED) + statuses.count(deploy.ROLLED_BACK),
        "FailedTotalCount": statuses.count(deploy.FAILED) + statuses.count(deploy.ROLLBACK_FAILED),
        "RunningTotalCount": statuses.count(deploy.DEPLOYING),
        "PendingTotalCount": statuses.count(deploy.PENDING),
    }


@action(SSL, "UpdateCertificateRecordRetry", {"DeployRecordId": Int(minimum=0), "DeployRecordDetailId": Int(minimum=0)})
def update_certificate_record_retry(ctx: Context) -> dict[str, Any]:
    """Run a finished record's failed resources again (all of them, or the one ``DeployRecordDetailId`` names)."""
    record_id, detail_id = ctx.params.get("DeployRecordId"), ctx.params.get("DeployRecordDetailId")
    if detail_id is not None:
        detail = ctx.store.get_deploy_detail(detail_id)
        if detail is None or record_id not in (None, detail.record_id):
            raise ApiError(
                "FailedOperation.CertificateDeployNotExist", f"The deploy record detail `{detail_id}` does not exist."
            )
        record_id = detail.record_id
    if record_id is None:
        raise missing("DeployRecordId")
    record = _record(ctx, record_id)
    details = ctx.store.deploy_details(record.id)
    failed = [d for d in details if detail_id in (None, d.id) and d.status in (deploy.FAILED, deploy.ROLLBACK_FAILED)]
    if is_running(details):
        raise _pending(f"The deploy record {record.id}")
    if not failed or record.rolled_back_by is not None:
        raise ApiError(
            "FailedOperation.CertificateDeployRetryStatusInvalid",
            "Only failed deployments can be retried" + (", and this record was rolled back." if failed else "."),
        )
    target = record.old_cert_id if record.kind == ROLLBACK else record.cert_id
    _cert(ctx, target)
    others = running_records(ctx.store, target, {d.resource_type for d in failed})
    if others:
        raise _pending(f"The certificate {target}")
    deploy.reschedule(ctx.store, failed, ctx.now, ctx.settings)
    return {}


@action(SSL, "UpdateCertificateRecordRollback", {"DeployRecordId": Int(required=True, minimum=0)})
def update_certificate_record_rollback(ctx: Context) -> dict[str, Any]:
    """Start a rollback record moving a finished update's deployed resources back to the old certificate."""
    record = _record(ctx, ctx.params["DeployRecordId"])
    details = ctx.store.deploy_details(record.id)
    invalid = "FailedOperation.CertificateDeployRollbackStatusInvalid"
    if record.kind == ROLLBACK:
        raise ApiError(invalid, f"The deploy record {record.id} is a rollback; only updates can be rolled back.")
    if is_running(details):
        raise ApiError(
            "FailedOperation.CertificateDeployDetailRollbackStatusInvalid",
            f"The deploy record {record.id} must have finished before it can be rolled back.",
        )
    if record.rolled_back_by is not None:
        if is_running(ctx.store.deploy_details(record.rolled_back_by)):
            raise ApiError(
                "FailedOperation.CertificateDeployHasPendingRecord",
                f"The deploy record {record.id} is being rolled back (record {record.rolled_back_by}); "
                "retry once it has finished.",
            )
        raise ApiError(invalid, f"The deploy record {record.id} was already rolled back ({record.rolled_back_by}).")
    deployed = [d for d in details if d.status == deploy.DEPLOYED]
    if not deployed:
        raise ApiError(invalid, f"The deploy record {record.id} has no successful deployment to roll back.")
    _cert(ctx, record.old_cert_id)
    types = list(dict.fromkeys(d.resource_type for d in deployed))
    if running_records(ctx.store, record.cert_id, types) or running_records(ctx.store, record.old_cert_id, types):
        raise _pending(f"The certificate {record.cert_id}")
    rollback = DeployRecord(
        id=ctx.store.new_deploy_record_id(),
        kind=ROLLBACK,
        cert_id=record.cert_id,
        old_cert_id=record.old_cert_id,
        resource_types=types,
        created_at=ctx.now,
        rollback_of=record.id,
    )
    record.rolled_back_by = rollback.id
    ctx.store.put_deploy_record(record)
    first = deployed[0]
    deploy.add_details(
        ctx.store,
        rollback,
        [Target(d.resource_type, d.resource_id, d.region) for d in deployed],
        ctx.now,
        ctx.settings,
        domains=first.domains,
        algorithm=first.algorithm,
        old_algorithm=first.old_algorithm,
    )
    return {"DeployRecordId": rollback.id}


ACTIONS = [
    update_certificate_instance,
    describe_host_update_record,
    describe_host_update_record_detail,
    update_certificate_record_retry,
    update_certificate_record_rollback,
]
