"""The pre-flight: for every certificate ``up`` would delete, ask Tencent Cloud (read-only) whether it will let it.

The same rules the deletion meets (``provider.deletion``), checked before the merge instead of during ``up``:
Pulumi refuses to delete a ``protect``ed resource; Tencent refuses the checked deletion (``check_resources``) of a
certificate still deployed to a CLB, CDN, ... (``DescribeDeployedResources``), unless ``up`` first moves them to a
replacement (``rotate``: a replacement in the plan, or for a deletion left pending the certificate tagged as its
replacement, which ``up`` looks up the same way);
it refuses to delete a free certificate within an hour of its application (``DescribeCertificateDetail``'s insert
time), an issued paid certificate (its ``From`` and ``PackageType``), and any certificate in a project the key may
not use (the read is refused the same way). Those two are worded from the DeleteCertificate code table
(``provider.ssl.delete_codes``). A removed entry's certificate that another entry adopts in the same plan is not
deleted at all (``provider.ownership``: the adopting create takes its marks first). Only read actions are called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..inputs import as_bool, iso
from ..ownership import successor_of
from ..rules import OWNER_TAG, REPLACES_TAG
from ..ssl import DELETE_CODES, Case, CertificateDetail, CertificateNotFound, DeployedResources, Handling, SslService
from ..ssl.refusals import FREE_PACKAGE_TYPES, expected_refusal
from ..ssl.service import FREE_CERTIFICATE_MIN_AGE
from ..tencentcloud.errors import ApiError
from .plan import Step

__all__ = ["FREE_PACKAGE_TYPES", "FREE_SOURCES", "Verdict", "asked_about", "preflight"]

#: Tencent's ``From`` of free DV certificates (TrustAsia issues them), for adopted ones the state does not mark.
FREE_SOURCES = frozenset({"trustasia"})
_NO_PROJECT = "FailedOperation.NoProjectPermission"
_BATCH = 100  # certificate ids per DescribeDeployedResources call


@dataclass(frozen=True)
class Verdict:
    """What the pre-flight found for one step: whether ``up`` will be refused, why, and what else to know."""

    refused: bool = False
    reasons: tuple[str, ...] = ()  # why it will be refused, each with what to do
    notes: tuple[str, ...] = ()  # what else happens (rotation, already gone, unchecked deletion of a bound one)
    bound: tuple[str, ...] = ()  # "CLB: lb-7x3kq2", one per resource type
    checked: bool = False  # whether Tencent Cloud was asked


def asked_about(steps: Sequence[Step]) -> list[str]:
    """The certificates Tencent Cloud is asked about: those ``up`` would delete (not retained, not protected, not
    adopted by another entry of the plan)."""
    return sorted(
        {
            s.certificate_id
            for s in steps
            if s.deletes and s.certificate_id and s.kind != "retain" and not s.protect and not s.adopted_by
        }
    )


def preflight(steps: Sequence[Step], ssl: SslService | None, now: dt.datetime) -> dict[int, Verdict]:
    """A verdict for each step (by index in ``steps``) that deletes a certificate; others are left out.

    ``ssl`` may be ``None`` when ``asked_about(steps)`` is empty.
    """
    targets = {i: s for i, s in enumerate(steps) if s.deletes and s.certificate_id}
    asked = asked_about(steps)
    if asked and ssl is None:
        raise ValueError("the pre-flight needs the SSL service to ask about " + ", ".join(asked))
    details = {cid: _detail(ssl, cid) for cid in asked} if ssl is not None else {}
    present = [cid for cid, detail in details.items() if isinstance(detail, CertificateDetail)]
    bound = _bound(ssl, present) if ssl is not None else {}
    verdicts: dict[int, Verdict] = {}
    for i, s in targets.items():
        detail = details.get(s.certificate_id)
        if isinstance(detail, ApiError):
            verdicts[i] = _refused_by_code(s, detail.code)
            continue
        successor = _successor(ssl, s) if ssl is not None and s.certificate_id in bound else ""
        verdicts[i] = _judge(s, detail, bound.get(s.certificate_id, ()), now, successor)
    return verdicts


def _successor(ssl: SslService, step: Step) -> str:
    """For a pending deletion ``up`` would rotate: the replacement it would move the bindings to, found as
    ``provider.rotation`` finds it (the entry's certificate tagged ``pulumi:replaces=<id>``); "" when none."""
    owner = str(step.old.get("owner") or "")
    if not (step.pending and owner and _rotates(step)):
        return ""
    # The entry's certificates: a pulumi:replaces value may name several ids, so no filter on its value.
    rows = ssl.find_certificates(tags={OWNER_TAG: owner})
    return successor_of(rows, step.certificate_id, owner) or ""


def _rotates(step: Step) -> bool:
    return as_bool(step.old.get("check_resources"), True) and as_bool(step.old.get("rotate"), True)


def _detail(ssl: SslService, certificate_id: str) -> CertificateDetail | ApiError | None:
    """The certificate's detail; None when it is gone; the error when its project is closed to the key."""
    try:
        return ssl.describe_certificate_detail(certificate_id)
    except CertificateNotFound:
        return None
    except ApiError as error:
        # DescribeCertificateDetail and DeleteCertificate check the project alike: a read refused for it means a
        # refused delete. Any other read error is the review's own failure.
        if error.code == _NO_PROJECT:
            return error
        raise


def _refused_by_code(step: Step, code: str) -> Verdict:
    rule = DELETE_CODES[code]
    case = Case.REPLACEMENT if step.kind == "replace" or step.pending else Case.REMOVAL
    advice = rule.advice_for(step.entry, step.certificate_id, case)
    if rule.handling is Handling.WAITED:
        advice = f"`up` waits up to delete_timeout for it to lift, then fails. {advice}; or merge once it has lifted"
    return Verdict(
        refused=True,
        reasons=(f"{rule.meaning} ({code}): Tencent Cloud refuses to delete {step.certificate_id}. {advice}",),
        checked=True,
    )


def _bound(ssl: SslService, certificate_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[DeployedResources]] = {}
    for start in range(0, len(certificate_ids), _BATCH):
        for row in ssl.describe_deployed_resources(certificate_ids[start : start + _BATCH]):
            found.setdefault(row.certificate_id, []).append(row)
    return {cid: _describe(rows) for cid, rows in found.items()}


def _describe(rows: Iterable[DeployedResources]) -> tuple[str, ...]:
    by_type: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        by_type.setdefault(row.resource_type, set()).update(row.resources)
        counts[row.resource_type] = counts.get(row.resource_type, 0) + row.count
    return tuple(
        f"{kind.upper()}: {', '.join(sorted(names)) or f'{counts[kind]} resource(s)'}"
        for kind, names in sorted(by_type.items())
    )


def _judge(
    step: Step, detail: CertificateDetail | None, bound: tuple[str, ...], now: dt.datetime, successor: str = ""
) -> Verdict:
    cid = step.certificate_id
    if step.kind == "retain":
        return Verdict(notes=(f"retained: {cid} only leaves the stack's state and stays in Tencent Cloud",))
    if step.protect:
        return Verdict(
            refused=True,
            reasons=(
                f"protected: Pulumi refuses to delete {cid} while the entry has protect: true. Remove protect in a "
                "change of its own and run `pulumi up` first (for an entry already removed: `pulumi state "
                "unprotect` on its URN)",
            ),
        )
    if step.adopted_by:
        # The adopting create runs first and takes the certificate's ownership marks, so the old entry's delete
        # leaves it in place (provider.ownership): nothing to ask Tencent Cloud.
        return Verdict(
            notes=(
                f"entry {step.adopted_by} adopts {cid} in this change: up moves the certificate to it and leaves it in "
                "Tencent Cloud, deployed where it is",
            )
        )
    if detail is None:
        return Verdict(
            notes=(f"{cid} is already gone from Tencent Cloud: up only drops it from the state",), checked=True
        )
    expected = expected_refusal(detail)
    if expected is not None:
        return _refused_by_code(step, expected.code)
    reasons: list[str] = []
    notes: list[str] = []
    earliest = _deletable_from(step, detail)
    if earliest is not None and earliest > now:
        reasons.append(
            f"free certificate applied at {iso(detail.inserted_at)}: Tencent Cloud does not delete a free certificate "
            f"within an hour of its application, so not before {iso(earliest)}. Merge after that time"
        )
    if bound:
        where = "; ".join(bound)
        if not as_bool(step.old.get("check_resources"), True):
            notes.append(
                f"bound to {where}, and check_resources is false: {cid} is deleted anyway and those resources lose "
                "their certificate"
            )
        elif step.kind == "replace" and as_bool(step.old.get("rotate"), True):
            notes.append(f"bound to {where}: up moves them to the new certificate (rotate), then deletes {cid}")
        elif successor:
            notes.append(
                f"bound to {where}: the rotation will be retried: up moves them to {successor}, the replacement "
                f"recorded as replacing {cid}, then deletes {cid}"
            )
        else:
            reasons.append(
                f"still bound to {where}: Tencent Cloud refuses the checked deletion of {cid}. Unbind it from these "
                "resources or deploy another certificate to them before merging" + _no_link(step)
            )
    return Verdict(refused=bool(reasons), reasons=tuple(reasons), notes=tuple(notes), bound=bound, checked=True)


def _no_link(step: Step) -> str:
    """Why a pending deletion the state links to a replacement is not rotated: the link ``up`` follows is missing."""
    if not (step.pending and step.successor and _rotates(step)):
        return ""
    return (
        f"; the state records {step.successor} as its replacement, but that certificate does not carry the tag "
        f"{REPLACES_TAG}={step.certificate_id} (with the entry's {OWNER_TAG}) that up follows to move them: "
        "add it and up retries the rotation"
    )


def _deletable_from(step: Step, detail: CertificateDetail) -> dt.datetime | None:
    free = step.old.get("source") == "free" or detail.source.lower() in FREE_SOURCES
    if not free or detail.inserted_at is None:
        return None
    return detail.inserted_at + FREE_CERTIFICATE_MIN_AGE
