"""Reading the stack's state (``pulumi stack export``): what ``pulumi preview --json`` leaves out.

The CLI's JSON preview lists no step for a certificate that stays the same, nor for one an earlier run replaced and
failed to delete (the state keeps it with ``"delete": true`` and the next ``up`` deletes it first). The review takes
both from the state: kept certificates for the expiry window, leftovers as pending deletions, each with the
replacement the state records as its successor (``up`` retries the rotation onto that one). Secret outputs stay
the ciphertext objects they are in the export and are never read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..inputs import recorded_predecessors
from .plan import CERTIFICATE_TYPE, Plan, PlanError, Step, load_json

__all__ = ["StateCertificate", "read_state", "recorded_successors", "with_released", "with_state"]


@dataclass(frozen=True)
class StateCertificate:
    """One certificate resource of the state."""

    entry: str
    certificate_id: str
    outputs: Mapping[str, Any] = field(default_factory=dict)
    pending_delete: bool = False
    protect: bool = False
    retain: bool = False


def read_state(text: str) -> tuple[StateCertificate, ...]:
    """The certificates of a ``pulumi stack export`` document; ``PlanError`` when it is not one."""
    document = load_json(text, "the stack export")
    deployment = document.get("deployment") if isinstance(document, dict) else None
    if not isinstance(deployment, dict):
        raise PlanError("the stack export has no deployment (is it the output of `pulumi stack export`?)")
    resources = deployment.get("resources")
    if not isinstance(resources, list | None):
        raise PlanError("the stack export's deployment.resources is not a list")
    found = []
    for number, raw in enumerate(resources or [], 1):
        if not isinstance(raw, dict) or raw.get("type") != CERTIFICATE_TYPE:
            continue
        urn, id_, outputs = raw.get("urn"), raw.get("id"), raw.get("outputs")
        where = f"the stack export's resource {number}"
        if not isinstance(urn, str) or not isinstance(id_, str | None):
            raise PlanError(f"{where} has a urn or id that is not text")
        if not isinstance(outputs, dict | None):
            raise PlanError(f"{where} ({urn}) has outputs that are not an object")
        found.append(
            StateCertificate(
                entry=urn.rsplit("::", 1)[-1],
                certificate_id=id_ or "",
                outputs=outputs or {},
                pending_delete=_flag(raw, "delete", where),
                protect=_flag(raw, "protect", where),
                retain=_flag(raw, "retainOnDelete", where),
            )
        )
    return tuple(sorted(found, key=lambda c: (c.entry, c.pending_delete, c.certificate_id)))


def recorded_successors(state: Iterable[StateCertificate]) -> dict[str, str]:
    """Certificate id -> the id of the replacement whose state records replacing it (its ``replaces`` output).

    The one place the review reads the link a replacement records at its create; ``up`` rotates a pending
    deletion's deployments onto that successor only.
    """
    return {
        predecessor: cert.certificate_id
        for cert in state
        if not cert.pending_delete and cert.certificate_id
        for predecessor in recorded_predecessors(cert.outputs)
    }


def with_state(plan: Plan, state: tuple[StateCertificate, ...]) -> Plan:
    """The plan with the state's pending deletions as steps and its unchanged certificates as ``same`` steps; a
    refused entry's step names the certificate the state holds for it."""
    held = {cert.entry: cert for cert in state if not cert.pending_delete}
    plan = replace(
        plan,
        steps=tuple(
            replace(s, certificate_id=held[s.entry].certificate_id, old=held[s.entry].outputs)
            if s.refusal and not s.certificate_id and s.entry in held
            else s
            for s in plan.steps
        ),
    )
    listed = {s.certificate_id for s in plan.steps if s.certificate_id}
    changed_entries = {s.entry for s in plan.steps if s.kind != "same"}
    added = []
    for cert in state:
        if cert.certificate_id in listed:
            continue
        if cert.pending_delete:
            added.append(_step(cert, "delete", pending=True))
        elif cert.entry not in changed_entries:
            added.append(_step(cert, "same", pending=False))
    successors = recorded_successors(state)
    steps = sorted(
        (replace(s, successor=successors.get(s.certificate_id, "")) if s.pending else s for s in (*plan.steps, *added)),
        key=lambda s: (s.entry, s.pending, s.certificate_id, s.op),
    )
    return Plan(stack=plan.stack, config=plan.config, steps=tuple(steps))


def with_released(plan: Plan, released: Iterable[str]) -> Plan:
    """The plan with the entries the stack file lists under ``release:`` shown as released: the JSON preview leaves
    out their steps (nothing changes but the retain option), so they come from the state as unchanged."""
    names = set(released)
    steps = tuple(
        replace(s, released=True) if s.entry in names and s.op in ("same", "update") and not s.retain else s
        for s in plan.steps
    )
    return Plan(stack=plan.stack, config=plan.config, steps=steps)


def _flag(raw: Mapping[str, Any], name: str, where: str) -> bool:
    value = raw.get(name)
    if not isinstance(value, bool | None):
        raise PlanError(f"{where}: {name} is not true or false")
    return bool(value)


def _step(cert: StateCertificate, op: str, *, pending: bool) -> Step:
    return Step(
        entry=cert.entry,
        op=op,
        certificate_id=cert.certificate_id,
        old=cert.outputs,
        protect=cert.protect,
        retain=cert.retain,
        pending=pending,
    )
