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
deleted at all (``provider.ownership``: the adopting create takes its marks first), nor is one whose marks say another
stack or entry took it over (read as ``up`` reads them before a delete). Where ``up`` would move the resources
first, the move is judged as ``up`` makes it: the new certificate must cover their domains (``provider.coverage``),
and it must not be deleted by the same change; regional resources, whose region no read call gives, leave the
verdict uncertain. Only read actions are called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..coverage import missing_domains, resource_domain
from ..inputs import as_bool, iso, recorded_claim, regions_of
from ..ownership import Verdict as Ownership
from ..ownership import adopt_again, successor_of, verdict
from ..rotation import REGIONAL_TYPES
from ..rules import OWNER_TAG, REPLACES_TAG
from ..ssl import DELETE_CODES, Case, CertificateDetail, CertificateNotFound, DeployedResources, Handling, SslService
from ..ssl.deploy import ListenerDomains
from ..ssl.refusals import FREE_PACKAGE_TYPES, expected_refusal
from ..ssl.service import FREE_CERTIFICATE_MIN_AGE
from ..tencentcloud.errors import ApiError, TencentCloudError
from .facts import facts_of_inputs
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
    uncertain: tuple[str, ...] = ()  # what could refuse up that read calls cannot tell
    left_in_place: bool = False  # up leaves the certificate in Tencent Cloud: its marks name someone else now


@dataclass(frozen=True)
class _Move:
    """What the pre-flight found of a rotation ``up`` would make: the domains the new certificate misses, what it
    could not check."""

    missing: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()


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


def preflight(steps: Sequence[Step], ssl: SslService | None, now: dt.datetime, region: str = "") -> dict[int, Verdict]:
    """A verdict for each step (by index in ``steps``) that deletes a certificate; others are left out.

    ``ssl`` may be ``None`` when ``asked_about(steps)`` is empty. ``region`` is the stack's (where ``up`` moves
    regional resources when the entry lists no ``deploy_regions``).
    """
    targets = {i: s for i, s in enumerate(steps) if s.deletes and s.certificate_id}
    asked = asked_about(steps)
    if asked and ssl is None:
        raise ValueError("the pre-flight needs the SSL service to ask about " + ", ".join(asked))
    details = {cid: _detail(ssl, cid) for cid in asked} if ssl is not None else {}
    present = [cid for cid, detail in details.items() if isinstance(detail, CertificateDetail)]
    rows = _bound_rows(ssl, present) if ssl is not None else {}
    # up reads the ownership marks before any delete (provider.deletion): one taken over is left in place.
    tags = ssl.get_tags_of(present) if ssl is not None and present else {}
    # A create of this plan that adopts the very certificate explains a claim that differs from the state's.
    readopted = {
        str(s.new.get("adopt_id"))
        for s in steps
        if s.op in ("create", "update", "replace", "create-replacement") and s.new.get("source") == "adopt"
    }
    kept = {
        s.certificate_id: judged
        for s in targets.values()
        if s.certificate_id in tags
        and not (
            judged := verdict(
                tags[s.certificate_id],
                str(s.old.get("owner") or ""),
                recorded_claim(s.old),
                s.certificate_id in readopted,
            )
        ).may_delete
    }
    # The certificates this change removes from Tencent Cloud: none of them is there to move resources to.
    going = {cid for cid in asked if cid not in kept and details.get(cid) is not None}
    verdicts: dict[int, Verdict] = {}
    for i, s in targets.items():
        detail = details.get(s.certificate_id)
        if isinstance(detail, ApiError):
            verdicts[i] = _refused_by_code(s, detail.code)
            continue
        if s.certificate_id in kept:
            verdicts[i] = _left_in_place(s, kept[s.certificate_id])
            continue
        bound_rows = rows.get(s.certificate_id, [])
        successor = _successor(ssl, s) if ssl is not None and bound_rows else ""
        move = _Move()
        if ssl is not None and bound_rows and _moves(s, successor) and successor not in going:
            move = _check_move(ssl, s, successor, bound_rows, region)
        bound = _describe(bound_rows) if bound_rows else ()
        verdicts[i] = _judge(s, detail, bound, now, successor, move, going)
    return verdicts


def _left_in_place(step: Step, judged: Ownership) -> Verdict:
    """up reads the marks before it deletes and leaves a certificate someone else now holds: said as up says it."""
    cid = step.certificate_id
    advice = judged.advice(cid)
    return Verdict(
        notes=(
            f"{cid} is not deleted: {judged.reason}. up leaves it in Tencent Cloud, deployed where it is, and only "
            "drops it from this stack's state" + (f", unmanaged. {advice}" if advice else ""),
        ),
        checked=True,
        left_in_place=True,
    )


def _moves(step: Step, successor: str) -> bool:
    """Whether ``up`` would move the certificate's resources before deleting it (a rotation)."""
    if not as_bool(step.old.get("check_resources"), True):
        return False
    return (step.kind == "replace" and as_bool(step.old.get("rotate"), True)) or bool(successor)


def _check_move(ssl: SslService, step: Step, successor: str, bound: Sequence[DeployedResources], region: str) -> _Move:
    """The checks ``up`` makes before it deploys the new certificate where the old one is bound: the domains it
    must cover (``provider.coverage``, as ``Rotator._before_deploy`` applies it) and the regions it searches."""
    uncertain = list(_regions_unchecked(step, bound, region))
    names, unknown = _new_names(ssl, step, successor)
    if unknown:
        return _Move(uncertain=(unknown, *uncertain))
    keyed = any(resource_domain(g.resource_type, r) for g in bound for r in g.resources)
    listeners: list[ListenerDomains] = []
    if any(g.resource_type == "clb" for g in bound):
        try:
            listeners = ssl.clb_listeners_of(step.certificate_id)
        except TencentCloudError as error:
            uncertain.append(f"the CLB listeners' domains could not be read ({error}): their coverage is not checked")
    if not keyed and not listeners:
        return _Move(uncertain=tuple(uncertain))
    return _Move(missing=tuple(missing_domains(names, bound, listeners)), uncertain=tuple(uncertain))


def _new_names(ssl: SslService, step: Step, successor: str) -> tuple[tuple[str, ...], str]:
    """The names of the certificate ``up`` would deploy, and why they are not known ("" when they are)."""
    adopted = "" if successor else str(step.new.get("adopt_id") or "") if step.new.get("source") == "adopt" else ""
    known = successor or adopted
    if known:
        try:
            return tuple(ssl.describe_certificate_detail(known).domains), ""
        except CertificateNotFound:
            return (), f"{known}, the certificate up would move them to, is not in Tencent Cloud"
    names = facts_of_inputs(step.new).names
    if names:
        return names, ""
    return (), "the new certificate's names are not known before up: whether it covers the bound domains is not checked"


def _regions_unchecked(step: Step, bound: Sequence[DeployedResources], region: str) -> list[str]:
    """Bound regional resources: up moves them only in the regions it searches, which read calls cannot check."""
    listed = regions_of((step.new or step.old).get("deploy_regions"))
    notes = []
    for kind in sorted({g.resource_type for g in bound} & REGIONAL_TYPES):
        regions = listed.get(kind) or [region or "the stack's region"]
        whence = "the entry's deploy_regions" if listed.get(kind) else "no deploy_regions for it: the stack's region"
        notes.append(
            f"up moves the {kind.upper()} resources only in {', '.join(regions)} ({whence}); Tencent Cloud does not "
            f"say which region a bound {kind.upper()} resource is in, so this is not checked: one elsewhere makes up "
            f"fail (FailedOperation.CertificateDeployInstanceEmpty) until deploy_regions lists its region"
        )
    return notes


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


def _bound_rows(ssl: SslService, certificate_ids: Sequence[str]) -> dict[str, list[DeployedResources]]:
    found: dict[str, list[DeployedResources]] = {}
    for start in range(0, len(certificate_ids), _BATCH):
        for row in ssl.describe_deployed_resources(certificate_ids[start : start + _BATCH]):
            found.setdefault(row.certificate_id, []).append(row)
    return found


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
    step: Step,
    detail: CertificateDetail | None,
    bound: tuple[str, ...],
    now: dt.datetime,
    successor: str = "",
    move: _Move = _Move(),
    going: frozenset[str] | set[str] = frozenset(),
) -> Verdict:
    cid = step.certificate_id
    if step.kind == "retain":
        return Verdict(
            notes=(
                f"retained: {cid} only leaves the stack's state and stays in Tencent Cloud, deployed where it is, no "
                f"longer managed by this stack. {adopt_again(cid)}",
            )
        )
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
    uncertain: list[str] = []
    earliest = _deletable_from(step, detail)
    if earliest is not None and earliest > now:
        reasons.append(
            f"free certificate applied at {iso(detail.inserted_at)}: Tencent Cloud does not delete a free certificate "
            f"within an hour of its application, so not before {iso(earliest)}. Merge after that time"
        )
    if bound:
        where = "; ".join(bound)
        target = successor or "the new certificate"
        if not as_bool(step.old.get("check_resources"), True):
            notes.append(
                f"bound to {where}, and check_resources is false: {cid} is deleted anyway and those resources lose "
                "their certificate"
            )
        elif successor and successor in going:
            reasons.append(
                f"still bound to {where}: the rotation onto {successor}, the replacement recorded as replacing {cid}, "
                f"cannot succeed, because this change deletes {successor} too: up deletes it in the same run, the "
                f"resources have no certificate to move to and {cid} stays, still bound. Keep {successor}'s entry "
                "until its rotation has finished, or unbind those resources before merging"
            )
        elif move.missing:
            reasons.append(
                f"bound to {where}: up refuses to move them to {target}, which does not cover "
                f"{', '.join(move.missing)} (their clients would reject it), and {cid} stays. Give the entry a "
                "certificate that covers these domains, or move those resources to another certificate first"
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
        if not reasons:
            uncertain += move.uncertain
    return Verdict(
        refused=bool(reasons),
        reasons=tuple(reasons),
        notes=tuple(notes),
        bound=bound,
        checked=True,
        uncertain=tuple(uncertain),
    )


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
