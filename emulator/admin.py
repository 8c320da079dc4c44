"""The admin API under ``/_emulator/``: state, settings, clock, faults, bindings, deploy records, call log.

Every reply is JSON; a bad request gets 400 ``{"Error": "..."}``, an unknown certificate 404. Who may call it
(loopback, no web page, JSON for writes) is decided before any route runs, by ``emulator.admin_guard``.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator import deploy
from emulator.clock import gmt8
from emulator.cloud_resources import REGIONAL_TYPES, RESOURCE_TYPES
from emulator.deploy_views import deploy_admin_view
from emulator.faults import Fault, FaultError
from emulator.identity import InstanceIdentity
from emulator.records import PAID_PACKAGE_TYPE, PAID_SOURCE, UPDATE, Certificate
from emulator.settings import SettingsError
from emulator.state import EmulatorState
from emulator.store import Store
from emulator.views import effective_status

__all__ = ["admin_app"]

_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z


async def _json(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        return await request.json()
    except (ValueError, RecursionError):
        raise HTTPException(400, "the body is not valid JSON") from None


def _field(body: Any, name: str, required: bool = True) -> str | None:
    value = body.get(name) if isinstance(body, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise HTTPException(400, f"{name} must be a non-empty string")
    return value


def _bindings(store: Store, cert_id: str) -> list[dict[str, Any]]:
    rows = []
    for kind, resource, region in store.binding_regions(cert_id):
        row: dict[str, Any] = {"ResourceType": kind, "ResourceId": resource, "Region": region}
        if domains := store.resource_domains(kind, resource):
            row["Domains"] = domains
        rows.append(row)
    return rows


def _domains(body: Any) -> list[str] | None:
    """A binding's optional ``Domains``: the domains the resource serves (a CLB listener's SNI/rule domains)."""
    value = body.get("Domains") if isinstance(body, dict) else None
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(d, str) and d for d in value):
        raise HTTPException(400, "Domains must be a list of non-empty strings")
    return value


class _Admin:
    def __init__(self, state: EmulatorState, identity: InstanceIdentity) -> None:
        self.state = state
        self._identity = identity

    async def identity(self, request: Request) -> Response:
        return JSONResponse(self._identity.to_json())

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"Reset": True})

    async def bindings(self, request: Request) -> Response:
        body = await _json(request)
        state = self.state
        if request.method in ("GET", "HEAD"):  # Starlette routes HEAD to every GET route: it reads, never writes
            with state.store.transaction() as store:
                rows = [{"CertificateId": c.id, **row} for c in store.certs() for row in _bindings(store, c.id)]
            return JSONResponse({"Bindings": rows})
        cert_id = _field(body, "CertificateId")
        adding = request.method == "POST"
        kind = _field(body, "ResourceType", required=adding)
        resource = _field(body, "ResourceId", required=adding)
        region = _field(body, "Region", required=False) if adding else None
        domains = _domains(body) if adding else None
        if kind is not None and kind not in RESOURCE_TYPES:
            raise HTTPException(400, f"ResourceType must be one of {', '.join(RESOURCE_TYPES)}")
        assert cert_id is not None
        with state.store.transaction() as store:
            if store.get_cert(cert_id) is None:
                raise HTTPException(404, f"certificate {cert_id} does not exist")
            if adding:
                assert kind is not None and resource is not None
                # A resource type with regions is in the account's region unless the binding says otherwise.
                store.add_binding(cert_id, kind, resource, region or (state.region if kind in REGIONAL_TYPES else None))
                if domains is not None:
                    store.set_resource_domains(kind, resource, domains)
                removed = 0
            else:
                removed = store.remove_binding(cert_id, kind, resource)
            rows = _bindings(store, cert_id)
        return JSONResponse({"CertificateId": cert_id, "Bindings": rows, "Removed": removed})

    async def settings(self, request: Request) -> Response:
        if request.method == "PUT":
            try:
                self.state.update_settings(await _json(request))
            except SettingsError as exc:
                raise HTTPException(400, str(exc)) from None
        return JSONResponse(self.state.settings.to_json())

    async def clock(self, request: Request) -> Response:
        clock = self.state.clock
        if request.method == "POST":
            body = await _json(request)
            if not isinstance(body, dict) or not body or set(body) - {"AdvanceSeconds", "Freeze"}:
                raise HTTPException(400, 'the body is {"AdvanceSeconds": n} and/or {"Freeze": true|false}')
            seconds = body.get("AdvanceSeconds", 0)
            if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                raise HTTPException(400, "AdvanceSeconds must be a number")
            # Python's JSON reads Infinity, NaN and 1e999; a clock beyond year 9999 has no date to answer with.
            if not (math.isfinite(seconds) and 0 <= clock.now() + seconds <= _LAST_SECOND):
                raise HTTPException(400, "AdvanceSeconds must keep the clock between 1970 and the year 9999")
            freeze = body.get("Freeze", clock.frozen)
            if not isinstance(freeze, bool):
                raise HTTPException(400, "Freeze must be true or false")
            clock.freeze(freeze)
            if seconds:
                self.state.advance_clock(seconds)
        now = clock.now()
        return JSONResponse({"Now": now, "NowGmt8": gmt8(now), "OffsetSeconds": clock.offset, "Frozen": clock.frozen})

    async def faults(self, request: Request) -> Response:
        faults = self.state.faults
        if request.method == "POST":
            try:
                fault = Fault.from_json(await _json(request))
            except FaultError as exc:
                raise HTTPException(400, str(exc)) from None
            faults.add(fault)
            return JSONResponse({"Fault": fault.to_json(), "Faults": faults.list()})
        if request.method == "DELETE":
            return JSONResponse({"Removed": faults.clear()})
        return JSONResponse({"Faults": faults.list()})

    async def calls(self, request: Request) -> Response:
        if request.method == "DELETE":
            return JSONResponse({"Removed": self.state.calls.clear()})
        return JSONResponse({"Calls": self.state.calls.list()})

    async def certificates(self, request: Request) -> Response:
        now = self.state.tick()
        with self.state.store.transaction() as store:
            rows = [self._certificate(store, cert, now) for cert in store.certs()]
        return JSONResponse({"Certificates": rows})

    def _certificate(self, store: Store, cert: Certificate, now: float) -> dict[str, Any]:
        # Everything a test may assert on, but never key material.
        return {
            "CertificateId": cert.id,
            "Status": effective_status(cert, now),
            "StatusMsg": cert.status_msg,
            "From": cert.source,
            "CertificateType": cert.certificate_type,
            "Domain": cert.domain,
            "SubjectAltName": cert.all_domains(),
            "Alias": cert.alias,
            "ProjectId": cert.project_id,
            "CertificateUse": cert.certificate_use,
            "Fingerprint": cert.fingerprint,
            "HasPrivateKey": cert.private_key is not None,
            "CertBeginTime": gmt8(cert.not_before),
            "CertEndTime": gmt8(cert.not_after),
            "InsertTime": gmt8(cert.insert_time),
            "Tags": store.tags(cert.id),
            "Bindings": _bindings(store, cert.id),
            "OpenTaskId": task.id if (task := store.open_task_for(cert.id)) else None,
            "Paid": cert.is_paid,
            "OrderReplaced": cert.order_replaced,
            "RenewalDueAt": gmt8(cert.renewal_due_at),
        }

    async def certificate_state(self, request: Request) -> Response:
        """Give a certificate the state behind Tencent's deletion refusals (see docs/emulator.md)."""
        body = await _json(request)
        cert_id = _field(body, "CertificateId")
        known = {"CertificateId", "Paid", "Status", "RenewalPendingSeconds", "OrderReplaced", "ProjectId"}
        unknown = set(body) - known
        if unknown:
            names, allowed = ", ".join(sorted(unknown)), ", ".join(sorted(known))
            raise HTTPException(400, f"unknown field(s) {names}; known: {allowed}")
        for name in ("Paid", "OrderReplaced"):
            if name in body and not isinstance(body[name], bool):
                raise HTTPException(400, f"{name} must be true or false")
        for name in ("Status", "ProjectId"):
            if name in body and (not isinstance(body[name], int) or isinstance(body[name], bool) or body[name] < 0):
                raise HTTPException(400, f"{name} must be an integer >= 0")
        pending = body.get("RenewalPendingSeconds")
        if pending is not None and (not isinstance(pending, int | float) or isinstance(pending, bool) or pending < 0):
            raise HTTPException(400, "RenewalPendingSeconds must be a number of seconds >= 0 or null")
        now = self.state.tick()
        with self.state.store.transaction() as store:
            cert = store.get_cert(cert_id or "")
            if cert is None:
                raise HTTPException(404, f"certificate {cert_id} does not exist")
            if body.get("Paid"):
                cert.source, cert.package_type = PAID_SOURCE, PAID_PACKAGE_TYPE
            if "Status" in body:
                cert.status = body["Status"]
            if "ProjectId" in body:
                cert.project_id = body["ProjectId"]
            if "OrderReplaced" in body:
                cert.order_replaced = body["OrderReplaced"]
            if "RenewalPendingSeconds" in body:
                cert.renewal_due_at = None if pending is None else now + pending
            store.put_cert(cert)
            row = self._certificate(store, cert, now)
        return JSONResponse(row)

    async def tasks(self, request: Request) -> Response:
        self.state.tick()
        with self.state.store.transaction() as store:
            rows = [
                {
                    "TaskId": t.id,
                    "CertId": t.cert_id,
                    "Status": t.status,
                    "Error": t.error,
                    "CreatedAt": gmt8(t.created_at),
                    "DueAt": gmt8(t.due_at),
                    "ResolvedAt": gmt8(t.resolved_at),
                }
                for t in store.tasks()
            ]
        return JSONResponse({"Tasks": rows})

    async def deploys(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._roll_back_in_place(request)
        now = self.state.tick()
        with self.state.store.transaction() as store:
            rows = [deploy_admin_view(store, record, now) for record in store.deploy_records()]
        return JSONResponse({"Records": rows})

    async def _roll_back_in_place(self, request: Request) -> Response:
        """Report a finished update's deployed details as rolled back (4, each resource moved back to the old
        certificate) or rollback failed (5, it stays), with no rollback record: UpdateRecordDetail.Status has both
        for an update's own details, so a reader cannot count on a separate rollback record to see one."""
        body = await _json(request)
        record_id, status = body.get("DeployRecordId"), body.get("DetailStatus")
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            raise HTTPException(400, "DeployRecordId must be an integer")
        if status not in (deploy.ROLLED_BACK, deploy.ROLLBACK_FAILED):
            raise HTTPException(400, "DetailStatus must be 4 (rolled back) or 5 (rollback failed)")
        unknown = set(body) - {"DeployRecordId", "DetailStatus"}
        if unknown:
            raise HTTPException(400, f"unknown field(s) {', '.join(sorted(unknown))}")
        now = self.state.tick()
        with self.state.store.transaction() as store:
            record = store.get_deploy_record(record_id)
            if record is None or record.kind != UPDATE:
                raise HTTPException(404, f"no update record {record_id}")
            details = store.deploy_details(record.id)
            if deploy.is_running(details):
                raise HTTPException(409, f"deploy record {record_id} has not finished")
            for detail in details:
                if detail.status != deploy.DEPLOYED:
                    continue
                if status == deploy.ROLLED_BACK:
                    store.move_binding(record.cert_id, record.old_cert_id, detail.resource_type, detail.resource_id)
                detail.status, detail.resolved_at = status, now
                store.put_deploy_detail(detail)
            row = deploy_admin_view(store, record, now)
        return JSONResponse(row)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"Error": exc.detail}, exc.status_code)


def admin_app(state: EmulatorState, identity: InstanceIdentity) -> Starlette:
    """The Starlette app serving ``/_emulator/...`` (wrap it in ``AdminGuard``)."""
    admin = _Admin(state, identity)
    routes = [
        Route("/_emulator/identity", admin.identity, methods=["GET"]),
        Route("/_emulator/reset", admin.reset, methods=["POST"]),
        Route("/_emulator/bindings", admin.bindings, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/settings", admin.settings, methods=["GET", "PUT"]),
        Route("/_emulator/clock", admin.clock, methods=["GET", "POST"]),
        Route("/_emulator/faults", admin.faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/calls", admin.calls, methods=["GET", "DELETE"]),
        Route("/_emulator/certificates", admin.certificates, methods=["GET"]),
        Route("/_emulator/certificate-state", admin.certificate_state, methods=["POST"]),
        Route("/_emulator/tasks", admin.tasks, methods=["GET"]),
        Route("/_emulator/deploys", admin.deploys, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
