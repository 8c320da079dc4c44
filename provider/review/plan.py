"""Reading ``pulumi preview --json``: the planned steps on certificates, with the state before and the inputs after.

The document is the CLI's (checked against v3.274.1): ``{"config": {...}, "steps": [{"op", "urn", "oldState",
"newState", "detailedDiff", ...}], "changeSummary", "duration"}``. Secret values arrive as the string ``[secret]``;
nothing here keeps them. ``duration`` and the states' timestamps are ignored so the same plan reviews the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import UNCHECKED

__all__ = [
    "CERTIFICATE_TYPE",
    "Plan",
    "PlanError",
    "Step",
    "error_diagnostics",
    "failed_on",
    "load_json",
    "parse_plan",
    "read_plan",
]

#: The resource type of ``provider.certificate.Certificate`` (its explicit module and name).
CERTIFICATE_TYPE = "pulumi-python:dynamic/tencentcloud:Certificate"

# Step ops of the engine, by what they do to the certificate a step starts from (sdk/go/common/apitype, OpType).
_DELETES = frozenset({"delete", "delete-replaced", "discard", "discard-replaced"})
_REPLACES = frozenset({"replace", "create-replacement"})
_KNOWN = _DELETES | _REPLACES | {"same", "create", "update", "read", "refresh", "import", "import-replacement"}
# The engine's refusal of a protected resource's delete (pkg/resource/deploy), and the line that closes a failure.
_PROTECTED = re.compile(r'resource "(urn:pulumi:[^"]+)" cannot be deleted\s+because it is protected')
_GENERIC_FAILURES = frozenset({"error: preview failed", "preview failed"})
# What the engine adds once a resource's check or diff failed: the program is stopped, not a cause of its own.
_CONSEQUENCES = frozenset({"error: Resource monitor has terminated, shutting down"})
# A provider failure that says nothing of the change: a bug (a traceback) or Tencent Cloud not answering a check.
_NOT_VERDICTS = ("Traceback (most recent call last)", UNCHECKED)


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
    released: bool = False  # the stack file's release: lists it: kept in the state, now retained
    pending: bool = False
    adopted_by: str = ""  # the entry that adopts this certificate in the same plan (a rename of an adopt entry)
    successor: str = ""  # for a pending delete: the replacement the state records as replacing it
    refusal: str = ""  # the provider refused the entry's change in check or diff: its message (the step is "refused")
    urn: str = ""

    @property
    def deletes(self) -> bool:
        """Whether ``up`` ends with the starting certificate gone from the stack (deleted, or only dropped)."""
        return self.op in _DELETES or self.op in _REPLACES

    @property
    def kind(self) -> str:
        """The operation as the review names it: create, update, replace, delete, retain, release, refused or
        same."""
        if self.refusal:
            return "refused"
        if self.released:
            return "release"
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
    return parse_plan(load_json(text, "the preview"))


def load_json(text: str, what: str) -> Any:
    """``text`` parsed as JSON; ``PlanError`` naming ``what`` when it is not JSON Python can hold."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(f"{what} is not JSON ({error.msg} at line {error.lineno})") from None
    except (ValueError, RecursionError) as error:  # an integer of 5,000 digits; arrays nested thousands deep
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise PlanError(f"{what} is JSON this review cannot read: {reason}") from None


def failed_on(document: Any) -> tuple[set[str], dict[str, str]] | None:
    """What a failed ``pulumi preview --json`` failed on, when every failure is a verdict on the change: the URNs of
    protected resources it would delete, and the certificates whose change the provider refused (by URN, with the
    provider's message); ``None`` when something else failed (the review cannot judge the plan).

    A provider's refusal in ``check`` or ``diff`` (a rename the engine would not make, an input ``check`` rejects) is
    attributed to the resource's URN, and the engine then stops the program: ``up`` fails the same way before any
    change. A provider traceback, or a check that could not ask Tencent Cloud, is no verdict: the review fails.
    """
    diagnostics = document.get("diagnostics") if isinstance(document, dict) else None
    if not isinstance(diagnostics, list):
        return None
    protected: set[str] = set()
    refused: dict[str, str] = {}
    stopped = False
    for diagnostic in diagnostics:
        if not isinstance(diagnostic, dict) or diagnostic.get("severity") != "error":
            continue
        message = " ".join(str(diagnostic.get("message", "")).split())
        urn = diagnostic.get("urn")
        if match := _PROTECTED.search(message):
            protected.add(match.group(1))
        elif isinstance(urn, str) and f"::{CERTIFICATE_TYPE}::" in urn and message:
            if any(marker in message for marker in _NOT_VERDICTS):
                return None
            refused[urn] = message.removeprefix("error: ")[:2000]
        elif message in _CONSEQUENCES:
            stopped = True
        elif message not in _GENERIC_FAILURES:
            return None
    if stopped and not refused:
        return None  # the program was stopped by a failure that named no certificate
    return (protected, refused) if protected or refused else None


def error_diagnostics(document: Any) -> list[str]:
    """The messages of the preview's ``severity: error`` diagnostics, the CLI's closing "preview failed" left out."""
    found = document.get("diagnostics") if isinstance(document, dict) else None
    listed = found if isinstance(found, list) else []
    errors = [d for d in listed if isinstance(d, dict) and d.get("severity") == "error"]
    messages = [" ".join(str(d.get("message", "")).split()).removeprefix("error: ")[:2000] for d in errors]
    named = [m for m in messages if m and m not in _GENERIC_FAILURES]
    return named or (["preview failed"] if errors else [])


def parse_plan(document: Any) -> Plan:
    """The plan in a parsed ``pulumi preview --json`` document, a failed one's too when it failed only on verdicts
    (``failed_on``): the steps of protected resources are marked ``protect``; a certificate whose change the provider
    refused gets a ``refused`` step carrying the provider's message (the engine planned nothing for it)."""
    if not isinstance(document, dict) or not isinstance(document.get("steps", []), list | None):
        raise PlanError("the preview JSON has no list of steps (is it the output of `pulumi preview --json`?)")
    protected, refused = failed_on(document) or (set(), {})
    failures = [] if protected or refused else error_diagnostics(document)
    if failures:
        # A preview that failed for any other reason plans nothing up would do: "no change" would be a lie.
        raise PlanError("the preview failed: " + "; ".join(failures))
    if not document.get("steps") and not isinstance(document.get("changeSummary"), dict):
        # The CLI always prints a changeSummary (and the stack resource's step): without either, this is not one.
        raise PlanError(
            "the preview JSON has neither steps nor a changeSummary (is it the output of `pulumi preview --json`?)"
        )
    stack = ""
    steps: list[Step] = []
    for number, raw in enumerate(document.get("steps") or [], 1):
        if not isinstance(raw, dict):
            raise PlanError(f"the preview's step {number} is not an object")
        urn = raw.get("urn", "")
        if not isinstance(urn, str):
            raise PlanError(f"the preview's step {number} has a urn that is not text")
        stack = stack or _stack_of(urn)
        step = _step(raw, urn, urn in protected)
        if step is not None and urn not in refused:
            steps.append(step)
    for urn, message in sorted(refused.items()):
        stack = stack or _stack_of(urn)
        steps.append(Step(entry=urn.rsplit("::", 1)[-1], op="same", certificate_id="", refusal=message, urn=urn))
    missing = sorted(protected - {s.urn for s in steps})
    if missing:
        raise PlanError(f"the preview failed: {missing[0]} cannot be deleted because it is protected")
    return Plan(stack=stack, config=_config(document.get("config")), steps=_merged(steps))


def _config(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise PlanError("the preview's config is not an object of key: value")
    # Plain values only: a secret arrives as "[secret]", and this review reads no structured config.
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, str | int | bool)}


def _stack_of(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<type>::<name>
    parts = urn.split("::")
    return parts[0].rsplit(":", 1)[-1] if parts and parts[0].startswith("urn:pulumi:") else ""


def _step(raw: Mapping[str, Any], urn: str, protected: bool) -> Step | None:
    old_state = raw.get("oldState") if isinstance(raw.get("oldState"), dict) else {}
    new_state = raw.get("newState") if isinstance(raw.get("newState"), dict) else {}
    assert isinstance(old_state, dict) and isinstance(new_state, dict)
    parts = urn.split("::")
    kind = old_state.get("type") or new_state.get("type") or (parts[2] if len(parts) > 3 else "")
    if kind != CERTIFICATE_TYPE:
        return None
    entry = urn.rsplit("::", 1)[-1]
    where = f"the preview's step on `{entry}`"
    op = raw.get("op", "")
    if not isinstance(op, str) or op not in _KNOWN:
        raise PlanError(f"{where} is of unknown kind {str(op)!r}")
    old = _object(old_state.get("outputs"), f"{where}: oldState.outputs")
    new = _object(new_state.get("inputs"), f"{where}: newState.inputs")
    diff = _object(raw.get("detailedDiff"), f"{where}: detailedDiff")
    reasons = _names(raw.get("diffReasons"), f"{where}: diffReasons")
    changed = sorted({*reasons, *(k.split(".", 1)[0].split("[", 1)[0] for k in diff)})
    certificate_id = old_state.get("id")
    if certificate_id is not None and not isinstance(certificate_id, str):
        raise PlanError(f"{where}: oldState.id is not text")
    return Step(
        entry=entry,
        op=op,
        certificate_id=certificate_id or "",
        old=old,
        new=new,
        changed=tuple(c for c in changed if not c.startswith("__")),
        replace_reasons=tuple(sorted(_names(raw.get("replaceReasons"), f"{where}: replaceReasons"))),
        protect=protected or _flag(old_state, "protect", where) or _flag(new_state, "protect", where),
        retain=_flag(old_state, "retainOnDelete", where) or _flag(new_state, "retainOnDelete", where),
        # A release: the program declares the entry as the state has it, newly retained (provider.resource).
        released=op in ("same", "update")
        and _flag(new_state, "retainOnDelete", where)
        and not _flag(old_state, "retainOnDelete", where),
        # A replace step's old state is marked for deletion too; a lone delete of a marked state is left over.
        pending=op in _DELETES and _flag(old_state, "delete", where),
        urn=urn,
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PlanError(f"{where} is not an object")
    return value


def _names(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"{where} is not a list of property names")
    return value


def _flag(state: Mapping[str, Any], name: str, where: str) -> bool:
    value = state.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise PlanError(f"{where}: {name} is not true or false")
    return value


def _merged(steps: list[Step]) -> tuple[Step, ...]:
    """One step per certificate: a create-replacement and its delete-replaced become one replace; a removed entry's
    delete knows the entry that adopts its certificate in the same plan; sorted."""
    replacing = {s.entry for s in steps if s.op in _REPLACES}
    adopters = {
        str(s.new.get("adopt_id")): s.entry
        for s in steps
        if s.op in ("create", *_REPLACES) and s.new.get("source") == "adopt" and s.new.get("adopt_id")
    }
    kept = [
        replace(s, adopted_by=adopters.get(s.certificate_id, "")) if s.kind == "delete" and s.certificate_id else s
        for s in steps
        if not (s.op == "delete-replaced" and s.entry in replacing and not s.pending)
    ]
    return tuple(sorted(kept, key=lambda s: (s.entry, s.pending, s.certificate_id, s.op)))
