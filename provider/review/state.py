"""Reading the stack's state (``pulumi stack export``): what ``pulumi preview --json`` leaves out.

The CLI's JSON preview lists no step for a certificate that stays the same, nor for one an earlier run replaced and
failed to delete (the state keeps it with ``"delete": true`` and the next ``up`` deletes it first). The review takes
both from the state: kept certificates for the expiry window, leftovers as pending deletions. Secret outputs stay
the ciphertext objects they are in the export and are never read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .plan import CERTIFICATE_TYPE, Plan, PlanError, Step

__all__ = ["StateCertificate", "read_state", "with_state"]


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
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(f"the stack export is not JSON ({error.msg} at line {error.lineno})") from None
    deployment = document.get("deployment") if isinstance(document, dict) else None
    if not isinstance(deployment, dict):
        raise PlanError("the stack export has no deployment (is it the output of `pulumi stack export`?)")
    found = []
    for raw in deployment.get("resources") or []:
        if not isinstance(raw, dict) or raw.get("type") != CERTIFICATE_TYPE:
            continue
        outputs = raw.get("outputs")
        found.append(
            StateCertificate(
                entry=str(raw.get("urn", "")).rsplit("::", 1)[-1],
                certificate_id=str(raw.get("id") or ""),
                outputs=outputs if isinstance(outputs, dict) else {},
                pending_delete=bool(raw.get("delete")),
                protect=bool(raw.get("protect")),
                retain=bool(raw.get("retainOnDelete")),
            )
        )
    return tuple(sorted(found, key=lambda c: (c.entry, c.pending_delete, c.certificate_id)))


def with_state(plan: Plan, state: tuple[StateCertificate, ...]) -> Plan:
    """The plan with the state's pending deletions as steps and its unchanged certificates as ``same`` steps."""
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
    steps = sorted((*plan.steps, *added), key=lambda s: (s.entry, s.pending, s.certificate_id, s.op))
    return Plan(stack=plan.stack, config=plan.config, steps=tuple(steps))


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
