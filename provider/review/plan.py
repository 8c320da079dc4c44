"""Reading ``pulumi preview --json``: the planned steps on certificates, with the state before and the inputs after.

The document is the CLI's (checked against v3.274.1): ``{"config": {...}, "steps": [{"op", "urn", "oldState",
"newState", "detailedDiff", ...}], "changeSummary", "duration"}``. Secret values arrive as the string ``[secret]``;
nothing here keeps them. ``duration`` and the states' timestamps are ignored so the same plan reviews the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CERTIFICATE_TYPE", "PlanError", "Plan", "Step", "parse_plan", "read_plan"]

#: The resource type of ``provider.certificate.Certificate`` (its explicit module and name).
CERTIFICATE_TYPE = "pulumi-python:dynamic/tencentcloud:Certificate"

# Step ops of the engine, by what they do to the certificate a step starts from (sdk/go/common/apitype, OpType).
_DELETES = frozenset({"delete", "delete-replaced", "discard", "discard-replaced"})
_REPLACES = frozenset({"replace", "create-replacement"})
_KNOWN = _DELETES | _REPLACES | {"same", "create", "update", "read", "refresh", "import", "import-replacement"}


class PlanError(ValueError):
    """Raised when the preview document is not JSON of the expected shape (the message says what is wrong)."""


@dataclass(frozen=True)
class Step:
    """One planned step on one certificate: what the engine will do and the properties before and after.

    ``old`` is the state's outputs (empty for a create), ``new`` the planned inputs (empty for a delete).
    ``pending`` marks the deletion of a certificate an earlier run replaced and failed to delete.
    """

    entry: str
    op: str
    certificate_id: str
    old: Mapping[str, Any] = field(default_factory=dict)
    new: Mapping[str, Any] = field(default_factory=dict)
    changed: tuple[str, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    protect: bool = False
    retain: bool = False
    pending: bool = False

    @property
    def deletes(self) -> bool:
        """Whether ``up`` ends with the starting certificate gone from the stack (deleted, or only dropped)."""
        return self.op in _DELETES or self.op in _REPLACES

    @property
    def kind(self) -> str:
        """The operation as the review names it: create, update, replace, delete, retain or same."""
        if self.op in _REPLACES:
            return "replace"
        if self.op in _DELETES:
            return "retain" if self.retain or self.op.startswith("discard") else "delete"
        return self.op


@dataclass(frozen=True)
class Plan:
    """The stack's name, its (non-secret) config and the steps on certificates, in entry order."""

    stack: str
    config: Mapping[str, str]
    steps: tuple[Step, ...]

    @property
    def changes(self) -> tuple[Step, ...]:
        """The steps that change something."""
        return tuple(s for s in self.steps if s.kind != "same")


def read_plan(text: str) -> Plan:
    """The plan in the text of ``pulumi preview --json``; ``PlanError`` when it is not one."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(f"the preview is not JSON ({error.msg} at line {error.lineno})") from None
    return parse_plan(document)


def parse_plan(document: Any) -> Plan:
    """The plan in a parsed ``pulumi preview --json`` document."""
    if not isinstance(document, dict) or not isinstance(document.get("steps", []), list):
        raise PlanError("the preview JSON has no list of steps (is it the output of `pulumi preview --json`?)")
    stack = ""
    steps: list[Step] = []
    for raw in document.get("steps") or []:
        if not isinstance(raw, dict):
            continue
        urn = str(raw.get("urn", ""))
        stack = stack or _stack_of(urn)
        step = _step(raw, urn)
        if step is not None:
            steps.append(step)
    config = {str(k): str(v) for k, v in (document.get("config") or {}).items() if isinstance(v, str | int | bool)}
    return Plan(stack=stack, config=config, steps=_merged(steps))


def _stack_of(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<type>::<name>
    parts = urn.split("::")
    return parts[0].rsplit(":", 1)[-1] if parts and parts[0].startswith("urn:pulumi:") else ""


def _step(raw: Mapping[str, Any], urn: str) -> Step | None:
    old_state = raw.get("oldState") if isinstance(raw.get("oldState"), dict) else {}
    new_state = raw.get("newState") if isinstance(raw.get("newState"), dict) else {}
    assert isinstance(old_state, dict) and isinstance(new_state, dict)
    parts = urn.split("::")
    kind = old_state.get("type") or new_state.get("type") or (parts[2] if len(parts) > 3 else "")
    if kind != CERTIFICATE_TYPE:
        return None
    op = str(raw.get("op", ""))
    if op not in _KNOWN:
        raise PlanError(f"the preview has a step of unknown kind {op!r} on {urn}")
    old = old_state.get("outputs") or {}
    new = new_state.get("inputs") or {}
    diff = raw.get("detailedDiff") or {}
    changed = sorted({*(raw.get("diffReasons") or []), *(k.split(".", 1)[0].split("[", 1)[0] for k in diff)})
    return Step(
        entry=urn.rsplit("::", 1)[-1],
        op=op,
        certificate_id=str(old_state.get("id") or ""),
        old=old if isinstance(old, dict) else {},
        new=new if isinstance(new, dict) else {},
        changed=tuple(c for c in changed if not c.startswith("__")),
        replace_reasons=tuple(sorted(str(r) for r in raw.get("replaceReasons") or [])),
        protect=bool(old_state.get("protect") or new_state.get("protect")),
        retain=bool(old_state.get("retainOnDelete") or new_state.get("retainOnDelete")),
        # A replace step's old state is marked for deletion too; a lone delete of a marked state is left over.
        pending=op in _DELETES and bool(old_state.get("delete")),
    )


def _merged(steps: list[Step]) -> tuple[Step, ...]:
    """One step per certificate: a create-replacement and its delete-replaced become one replace; sorted."""
    replacing = {s.entry for s in steps if s.op in _REPLACES}
    kept = [s for s in steps if not (s.op == "delete-replaced" and s.entry in replacing and not s.pending)]
    return tuple(sorted(kept, key=lambda s: (s.entry, s.pending, s.certificate_id, s.op)))
