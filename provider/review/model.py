"""The review as data: one row per certificate that changes, the pre-flight verdicts, pending and expiring ones.

Both renderers (``markdown``, ``jsonfmt``) read this model only, so the comment and the JSON carry the same facts.
Everything is ordered (by entry, then certificate id) and holds no time of its own, so the same plan and the same
answers from Tencent Cloud give the same review.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..fields import INPUTS
from ..inputs import as_bool
from .facts import CertificateFacts, facts_of_inputs, facts_of_outputs
from .plan import Plan, PlanError, Step
from .policies import PolicyResult
from .preflight import Verdict

__all__ = ["EXIT_OK", "EXIT_REFUSED", "OPERATIONS", "Expiring", "FieldChange", "Review", "Row", "build_review"]

EXIT_OK = 0
EXIT_REFUSED = 2
#: The operations in the order the summary counts them.
OPERATIONS = ("create", "update", "replace", "delete", "retain", "release", "refused")

_SECRET_FIELDS = frozenset(f.name for f in INPUTS if f.secret)
_PEM_FIELDS = frozenset(f.name for f in INPUTS if f.kind == "pem" and not f.secret)
_VALUE_LIMIT = 120


@dataclass(frozen=True)
class FieldChange:
    """One changed input, as text safe to show (secrets and PEM bodies are described, never shown)."""

    name: str
    old: str
    new: str


@dataclass(frozen=True)
class Row:
    """One certificate that ``up`` changes."""

    entry: str
    operation: str
    certificate_id: str
    old: CertificateFacts | None
    new: CertificateFacts | None
    check_resources: bool
    retain: bool
    protect: bool
    pending: bool
    changes: tuple[FieldChange, ...]
    verdict: Verdict | None
    successor: str = ""  # for a pending deletion: the replacement the state records as replacing it

    @property
    def refused(self) -> bool:
        """Whether the pre-flight says ``up`` will be refused on this row."""
        return self.verdict is not None and self.verdict.refused

    @property
    def uncertain(self) -> bool:
        """Whether the pre-flight could not tell something that may make ``up`` fail on this row."""
        return self.verdict is not None and not self.verdict.refused and bool(self.verdict.uncertain)


@dataclass(frozen=True)
class Expiring:
    """A certificate the stack keeps that expires within the window."""

    entry: str
    certificate_id: str
    domain: str
    not_after: str


@dataclass(frozen=True)
class Review:
    """Everything the comment says, for one stack."""

    stack: str
    rows: tuple[Row, ...]
    expiring: tuple[Expiring, ...]
    expiry_window_days: int
    #: What the policy pack said (``--policy-pack``): a mandatory violation fails `up` as a refusal does.
    policies: tuple[PolicyResult, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Rows by operation (pending deletions included), every operation listed."""
        return {op: sum(1 for r in self.rows if r.operation == op) for op in OPERATIONS}

    @property
    def refused(self) -> tuple[Row, ...]:
        """The rows ``up`` will be refused on."""
        return tuple(r for r in self.rows if r.refused)

    @property
    def pending(self) -> tuple[Row, ...]:
        """Deletions left over by an earlier run."""
        return tuple(r for r in self.rows if r.pending)

    @property
    def destructive(self) -> bool:
        """Whether a certificate is deleted or replaced (a retained one only leaves the state)."""
        return any(r.operation in ("delete", "replace") for r in self.rows)

    @property
    def exit_code(self) -> int:
        """0, or 2 when something planned will be refused or violates a mandatory policy."""
        return EXIT_REFUSED if self.refused or any(p.mandatory for p in self.policies) else EXIT_OK


def build_review(plan: Plan, verdicts: Mapping[int, Verdict], now: dt.datetime, expiry_window_days: int = 30) -> Review:
    """The review of ``plan`` given the pre-flight ``verdicts`` (by step index); ``now`` only sets the window."""
    rows = tuple(
        _row(step, _refusal(step) if step.refusal else verdicts.get(i))
        for i, step in enumerate(plan.steps)
        if step.kind != "same"
    )
    horizon = now + dt.timedelta(days=expiry_window_days)
    expiring = []
    for step in plan.steps:
        if step.kind not in ("same", "update"):
            continue  # a replaced or deleted certificate's expiry no longer matters
        facts = facts_of_outputs(step.old)
        expiry = _parse_time(facts.not_after, step.entry)
        if expiry is not None and expiry <= horizon:
            expiring.append(Expiring(step.entry, step.certificate_id, facts.domain, facts.not_after))
    return Review(
        stack=plan.stack,
        rows=rows,
        expiring=tuple(sorted(expiring, key=lambda e: (e.not_after, e.entry))),
        expiry_window_days=expiry_window_days,
    )


def _refusal(step: Step) -> Verdict:
    """The verdict on a change the provider refused in the preview: ``up`` fails the same way, before any change."""
    return Verdict(
        refused=True, reasons=(f"the preview failed on this entry, and up fails the same way: {step.refusal}",)
    )


def _row(step: Step, verdict: Verdict | None) -> Row:
    props = step.new or step.old
    # A removal whose certificate up leaves in place (its marks name someone else now) deletes nothing: it is
    # counted as up treats it, with the certificates kept in Tencent Cloud.
    kept = step.kind == "delete" and verdict is not None and verdict.left_in_place
    return Row(
        entry=step.entry,
        operation="retain" if kept else step.kind,
        certificate_id=step.certificate_id,
        old=facts_of_outputs(step.old) if step.old else None,
        new=facts_of_inputs(step.new) if step.new and step.kind in ("create", "replace") else None,
        check_resources=as_bool(props.get("check_resources"), True),
        retain=step.retain,
        protect=step.protect,
        pending=step.pending,
        changes=tuple(_change(name, step.old, step.new) for name in step.changed) if step.old and step.new else (),
        verdict=verdict,
        successor=step.successor,
    )


def _change(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> FieldChange:
    if name in _SECRET_FIELDS or "[secret]" in (old.get(name), new.get(name)):
        return FieldChange(name, "(secret)", "(secret, changed)")
    if name in _PEM_FIELDS:
        before, after = facts_of_outputs(old).fingerprint, facts_of_inputs(new).fingerprint
        return FieldChange(name, f"PEM, fingerprint {before or '?'}", f"PEM, fingerprint {after or '?'}")
    return FieldChange(name, _shown(old.get(name)), _shown(new.get(name)))


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(", ", ": "))
    if "-----BEGIN" in text:
        return "(PEM, not shown)"
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 1] + "…"


def _parse_time(text: str, entry: str) -> dt.datetime | None:
    """The state's ``not_after`` (the provider writes ISO 8601 UTC, ``Z``); ``PlanError`` for anything else, since a
    time without a zone is ambiguous by hours and one that is no time at all would drop the entry from the list."""
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise PlanError(f"the state's not_after of `{entry}` is {text!r}, not an ISO 8601 time with a zone")
    return parsed
