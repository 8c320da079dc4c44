"""Deletion actions: synchronous and checked (asynchronous) deletes, batch deletes, task results, bound resources.

Without ``IsCheckResource`` Tencent deletes at once even a certificate still bound to cloud resources (its docs
warn about this). With it, the call returns ``DeleteResult: false`` and a ``TaskId`` whose outcome
DescribeDeleteCertificatesTaskResult reports once ``DeleteTaskSeconds`` of emulator time have passed.
"""

from __future__ import annotations

from typing import Any

from emulator.clock import gmt8
from emulator.cloud_resources import RESOURCE_TYPES
from emulator.context import SSL, Context, action
from emulator.errors import ApiError, check_account, check_project, invalid_value, not_found
from emulator.params import Bool, List, Str
from emulator.records import Certificate, DeleteTask

__all__ = ["ACTIONS", "RESOURCE_TYPES"]

_FREE_CERT_GRACE = 3600
# Statuses in which Tencent's order or CA is still working on the certificate: cancelling, revoking, reissuing,
# awaiting a revocation letter, migrating.
_BUSY_STATUSES = frozenset({6, 9, 11, 12, 15})


def _check_deletable(cert: Certificate, now: float) -> None:
    """Tencent's refusals that follow from the certificate itself, in the order its checks run."""
    if cert.renewal_due_at is not None and now < cert.renewal_due_at:
        raise ApiError(
            "FailedOperation.RenewNotIssued",
            f"The renewal certificate of certificate {cert.id} has not been issued, so it cannot be deleted.",
        )
    if cert.is_paid:
        if cert.order_replaced:
            raise ApiError("FailedOperation.OrderAlreadyReplaced", "The order has been reissued.")
        if cert.status == 1:
            raise ApiError(
                "FailedOperation.CannotBeDeletedIssued",
                "Failed to delete the certificate because it has been issued.",
            )
        if cert.status == 0:
            raise ApiError("FailedOperation.CancelOrderFailed", "Failed to cancel the order.")
    if cert.status in _BUSY_STATUSES:
        raise ApiError("FailedOperation.InvalidCertificateStatusCode", "The certificate status is incorrect.")
    if cert.is_free and now - cert.insert_time < _FREE_CERT_GRACE:
        raise ApiError(
            "FailedOperation.CannotBeDeletedWithinHour",
            f"A free certificate cannot be deleted within one hour of its application; certificate {cert.id} "
            f"can be deleted from {gmt8(cert.insert_time + _FREE_CERT_GRACE)} (GMT+8).",
        )


def _start_task(ctx: Context, cert: Certificate) -> DeleteTask:
    running = ctx.store.open_task_for(cert.id)
    if running is not None:
        return running
    task = DeleteTask(
        id=ctx.store.new_id(),
        cert_id=cert.id,
        domains=cert.all_domains(),
        created_at=ctx.now,
        due_at=ctx.now + ctx.settings.DeleteTaskSeconds,
    )
    ctx.store.put_task(task)
    return task


@action(SSL, "DeleteCertificate", {"CertificateId": Str(required=True), "IsCheckResource": Bool()})
def delete_certificate(ctx: Context) -> dict[str, Any]:
    """Delete now (``DeleteResult: true``) or, with ``IsCheckResource``, start or reuse a deletion task."""
    cert_id = ctx.params["CertificateId"]
    check_account(ctx, "DeleteCertificate")
    cert = ctx.store.get_cert(cert_id)
    if cert is None:
        raise not_found(cert_id)
    check_project(ctx, cert)
    if not ctx.settings.RealNameVerified:
        raise ApiError("FailedOperation.NoRealNameAuth", "Identity verification has not been completed.")
    _check_deletable(cert, ctx.now)
    if ctx.params.get("IsCheckResource", False):
        return {"DeleteResult": False, "TaskId": _start_task(ctx, cert).id}
    ctx.store.delete_cert(cert_id)
    return {"DeleteResult": True, "TaskId": None}


@action(
    SSL,
    "DeleteCertificates",
    {"CertificateIds": List(Str(), required=True), "IsSync": Bool()},
)
def delete_certificates(ctx: Context) -> dict[str, Any]:
    """Batch delete (at most 100 ids); failures are listed per certificate, not raised."""
    ids = list(dict.fromkeys(ctx.params["CertificateIds"]))
    if not ids or len(ids) > 100:
        raise ApiError(
            "FailedOperation.CertificateSyncTaskCertificateIdCountInvalid",
            f"CertificateIds must hold between 1 and 100 certificate ids, got {len(ids)}.",
        )
    success: list[str] = []
    fail: list[dict[str, str]] = []
    tasks: list[dict[str, str]] = []
    for cert_id in ids:
        cert = ctx.store.get_cert(cert_id)
        try:
            if cert is None:
                raise not_found(cert_id)
            check_project(ctx, cert)
            _check_deletable(cert, ctx.now)
        except ApiError as exc:
            fail.append({"CertId": cert_id, "Msg": exc.message})
            continue
        if ctx.params.get("IsSync", False):
            tasks.append({"CertId": cert_id, "TaskId": _start_task(ctx, cert).id})
        else:
            ctx.store.delete_cert(cert_id)
            success.append(cert_id)
    return {"Success": success, "Fail": fail, "CertTaskIds": tasks}


@action(SSL, "DescribeDeleteCertificatesTaskResult", {"TaskIds": List(Str(), required=True)})
def describe_delete_task_result(ctx: Context) -> dict[str, Any]:
    """Status 0 while a task runs; then 1 deleted, 2 failed, 3 role not authorised, 4 still bound, 5 timed out."""
    ids = ctx.params["TaskIds"]
    if not ids or len(ids) > 100:
        raise invalid_value("TaskIds", f"between 1 and 100 task ids are allowed, got {len(ids)}")
    results = []
    for task_id in dict.fromkeys(ids):
        task = ctx.store.get_task(task_id)
        if task is None:
            continue
        results.append(
            {
                "TaskId": task.id,
                "CertId": task.cert_id,
                "Domains": task.domains,
                "Status": 0 if task.status is None else task.status,
                "Error": task.error,
                "CacheTime": gmt8(task.resolved_at if task.resolved_at is not None else ctx.now),
            }
        )
    return {"DeleteTaskResult": results}


@action(
    SSL,
    "DescribeDeployedResources",
    {"CertificateIds": List(Str(), required=True, max_items=100), "ResourceType": Str(required=True)},
)
def describe_deployed_resources(ctx: Context) -> dict[str, Any]:
    """The fake cloud resources (admin bindings) of one type that use each certificate."""
    kind = ctx.params["ResourceType"]
    if kind not in RESOURCE_TYPES:
        raise invalid_value("ResourceType", f"`{kind}` is not one of {', '.join(RESOURCE_TYPES)}")
    out = []
    for cert_id in dict.fromkeys(ctx.params["CertificateIds"]):
        if ctx.store.get_cert(cert_id) is None:
            raise not_found(cert_id)
        resources = [rid for rtype, rid in ctx.store.bindings(cert_id) if rtype == kind]
        out.append(
            {"CertificateId": cert_id, "Count": len(resources), "Type": kind, "ResourceIds": resources,
             "Resources": resources}
        )  # fmt: skip
    return {"DeployedResources": out}


ACTIONS = [delete_certificate, delete_certificates, describe_delete_task_result, describe_deployed_resources]
