"""Rotation: before a replaced certificate is deleted, move the cloud resources that use it to its successor.

A rotation acts on facts the stack recorded, never on guesses. A replacement's create names the certificate it
replaces in its ``pulumi:replaces`` tag (``provider.creation``, ``provider.handover``). When the checked delete of
the old certificate is refused because resources are bound to it (a CLB listener, a CDN domain...), the deleter asks
this module for the certificate that names it: the ``pulumi:owner`` of the entry that replaced it (the old entry's,
or after a rename the new name's: ``provider.handover``), ``pulumi:replaces`` = the old id, its create complete.
None is a removal, not a replacement: nothing moves and the delete is refused. Otherwise the bound resources are
moved there with Tencent's deploy record (``UpdateCertificateInstance``), waiting until each resource reports, and
the delete is tried again.

The record a rotation starts is written on the old certificate (``pulumi:deploy`` = ``<successor>/<record id>``, with
``pulumi:waiting``: ``waiting_marks``), so a later run resumes that very record, read with its status: still running
(waited for), partly failed (retried), rolled back or superseded by a later record (left alone), finished. Then
whatever is bound to the old certificate now, a resource bound since the record was made or moved back by a
rollback, gets a new record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from . import rules
from .coverage import refuse_uncovered
from .errors import CertificateError
from .ownership import successor_of
from .rules import (
    CREATE_TAG,
    DEPLOY_TAG,
    NO_RECORD,
    OWNER_TAG,
    REPLACES_SEPARATOR,
    REPLACES_TAG,
    WAITING_TAG,
    parse_renew_window,
    waiting_mark,
)
from .ssl import Case, CertificateNotFound, CertificateSummary, DeployedResources, Handling, SslService
from .ssl.deploy import DeployDetail, DeployDetailStatus, DeployRecord, ResourceRegions
from .ssl.refusals import expected_refusal
from .tencentcloud.errors import ApiError, TencentCloudError
from .waiting import Timing

__all__ = [
    "REGIONAL_TYPES",
    "Rotator",
    "due_for_renewal",
    "lingering",
    "recorded_record",
    "renewal_note",
    "mark_waiting",
    "unlinked_advice",
    "waiting_deletions",
    "waiting_marks",
]

#: Resource types whose deploy needs regions (UpdateCertificateInstance's ResourceTypesRegions: ``provider.rules``).
REGIONAL_TYPES = frozenset(rules.REGIONAL_TYPES)
#: How many times UpdateCertificateInstance may answer DeployRecordId 0 ("still being created") before giving up.
_CREATION_POLLS = 30
#: A record's status (UpdateRecordInfo.Status, on its details' scale) while it has not finished.
_RUNNING = frozenset({DeployDetailStatus.PENDING, DeployDetailStatus.DEPLOYING})
#: The statuses of a rollback record (UpdateCertificateRecordRollback's), and of details moved back by one.
_ROLLED_BACK = frozenset({DeployDetailStatus.ROLLED_BACK, DeployDetailStatus.ROLLBACK_FAILED})
_NOTHING_BOUND = "FailedOperation.CertificateDeployInstanceEmpty"
_NOT_RETRIABLE = "FailedOperation.CertificateDeployRetryStatusInvalid"


class Rotator:
    """One rotation's work: ``successor`` finds the replacement, ``move`` deploys it where the old one is bound."""

    def __init__(self, ssl: SslService, timing: Timing, say: Callable[[str], None]) -> None:
        self._ssl = ssl
        self._timing = timing
        self._say = say

    def successor(self, certificate_id: str, owner: str) -> str | None:
        """The certificate that recorded at its create that it replaces ``certificate_id``, marked by ``owner`` (the
        entry that replaced it), if any."""
        if not owner:
            return None
        # The entry's certificates: a pulumi:replaces value may name several ids, so no filter on its value.
        rows = self._ssl.find_certificates(tags={OWNER_TAG: owner})
        return successor_of(rows, certificate_id, owner)

    def newest_of(self, owner: str, certificate_id: str) -> str:
        """The newest complete certificate marked by ``owner`` other than ``certificate_id`` ("" if none or
        unreadable): named in advice only, never moved to without the recorded link."""
        if not owner:
            return ""
        try:
            rows = self._ssl.find_certificates(tags={OWNER_TAG: owner})
        except TencentCloudError:
            return ""
        rows = [r for r in rows if r.certificate_id != certificate_id and CREATE_TAG not in r.tags]
        rows.sort(key=lambda row: (row.inserted_at is not None, row.inserted_at), reverse=True)
        return rows[0].certificate_id if rows else ""

    def move(
        self,
        entry: str,
        old: str,
        new: str,
        bound: Sequence[DeployedResources],
        region: str,
        deadline: float,
        entry_regions: ResourceRegions | None = None,
    ) -> None:
        """Deploy ``new`` to the resources ``bound`` to ``old`` and wait; raise naming every resource that failed.

        The record an earlier run started for this pair is finished first; what is still bound to ``old`` after it
        gets a new record. Regional resource types deploy in the regions the entry lists for them
        (``deploy_regions``, from the current stack file), else in the stack's ``region``.
        """
        old_tags = self._ssl.get_tags(old)
        resumed = self._resume(entry, old, new, old_tags, deadline)
        if resumed is not None or not bound:
            # What the recorded record left bound or was bound since; or what the refusal did not list.
            bound = self._ssl.describe_deployed_resources([old])
        types = sorted({b.resource_type for b in bound})
        if not types:
            return
        listed = entry_regions or {}
        regions: ResourceRegions = {t: list(listed.get(t) or [region]) for t in types if t in REGIONAL_TYPES}
        self._before_deploy(entry, old, new, bound)
        record = self._start(entry, old, new, old_tags, types, regions, bound, deadline)
        details = self._wait(entry, old, new, record, deadline)
        failed = [d for d in details if not d.succeeded]
        if failed:
            raise CertificateError(_failure_message(entry, old, new, record, failed))
        unreached = [t for t in regions if not any(d.resource_type == t for d in details)]
        if unreached:
            why = f"deploy record {record} reached none of them"
            raise CertificateError(_regions_message(entry, old, new, unreached, regions, self._named(old, bound), why))
        self._moved(entry, old, new, record, details)

    def _moved(self, entry: str, old: str, new: str, record: int, details: list[DeployDetail]) -> list[DeployDetail]:
        self._say(f"{entry}: moved {len(details)} resource(s) from certificate {old} to {new} (deploy record "
                  f"{record})")  # fmt: skip
        return details

    def _before_deploy(self, entry: str, old: str, new: str, bound: Sequence[DeployedResources]) -> None:
        """The one place for checks that must pass before a new deploy record puts ``new`` on the resources
        ``bound`` to ``old`` (raise ``CertificateError`` to refuse; nothing has been deployed yet): ``new`` must
        cover the domain of every bound resource whose domain is known (``provider.coverage``)."""
        refuse_uncovered(self._ssl, entry, old, new, bound)

    def _named(self, certificate_id: str, bound: Sequence[DeployedResources]) -> Sequence[DeployedResources]:
        """``bound`` when it names the resources, else what DescribeDeployedResources names (for a message)."""
        if any(b.resources for b in bound):
            return bound
        try:
            return self._ssl.describe_deployed_resources([certificate_id])
        except TencentCloudError:
            return bound

    def _resume(
        self, entry: str, old: str, new: str, old_tags: dict[str, str], deadline: float
    ) -> list[DeployDetail] | None:
        """Finish the record this rotation recorded on ``old``; its details, or None when there is none to finish.

        Running: waited for. Partly failed: retried. Rolled back, superseded by a later record, gone or not
        retriable: left alone (None), so what is bound now gets a new record.
        """
        recorded = recorded_record(old_tags, new)
        if recorded is None:
            return None
        records = self._records_after_waiting(entry, old, new, recorded, deadline)
        if recorded not in records:
            self._say(
                f"{entry}: deploy record {recorded}, recorded on {old}, is not one moving {old} to {new} (it belongs "
                "to other certificates, or no longer exists): it is ignored and a new one is started"
            )
            return None
        later = [r for r in records.values() if r.record_id > recorded]
        details = self._ssl.deploy_details(recorded)
        rollbacks = [r.record_id for r in later if r.status in _ROLLED_BACK]
        if rollbacks or any(d.status in _ROLLED_BACK for d in details):
            by = f" (record {max(rollbacks)})" if rollbacks else ""
            self._say(
                f"{entry}: deploy record {recorded} ({old} -> {new}) was rolled back{by}; what is bound to {old} "
                "now gets a new record"
            )
            return None
        if later:
            newest = max(r.record_id for r in later)
            self._say(
                f"{entry}: deploy record {recorded} ({old} -> {new}) was superseded by record {newest}, started "
                f"after it; its failures are not retried, and what is bound to {old} now gets a new record"
            )
            return None
        if details and all(d.finished for d in details):
            if all(d.succeeded for d in details):
                return self._moved(entry, old, new, recorded, details)
            self._say(f"{entry}: retrying the failed resources of deploy record {recorded}")
            try:
                self._ssl.retry_deploy(recorded)
            except ApiError as error:
                if error.code != _NOT_RETRIABLE:
                    raise
                self._say(f"{entry}: deploy record {recorded} cannot be retried ({error.code}); starting a new one")
                return None
        else:
            self._say(f"{entry}: resuming deploy record {recorded} ({old} -> {new})")
        details = self._wait(entry, old, new, recorded, deadline)
        failed = [d for d in details if not d.succeeded]
        if failed:
            raise CertificateError(_failure_message(entry, old, new, recorded, failed))
        return self._moved(entry, old, new, recorded, details)

    def _records_after_waiting(
        self, entry: str, old: str, new: str, recorded: int, deadline: float
    ) -> dict[int, DeployRecord]:
        """The pair's records, once any record started after ``recorded`` (a rollback, say) has finished."""
        records = {r.record_id: r for r in self._ssl.deploy_records(old, new)}
        for record in sorted(records.values(), key=lambda r: r.record_id):
            if record.record_id > recorded and record.status in _RUNNING:
                self._say(f"{entry}: waiting for deploy record {record.record_id}, started after record {recorded}")
                self._wait(entry, old, new, record.record_id, deadline)
                records = {r.record_id: r for r in self._ssl.deploy_records(old, new)}
        return records

    def _start(
        self,
        entry: str,
        old: str,
        new: str,
        old_tags: dict[str, str],
        types: Sequence[str],
        regions: ResourceRegions,
        bound: Sequence[DeployedResources],
        deadline: float,
    ) -> int:
        """A new deploy record for ``types``, written on the old certificate before it is waited for."""
        self._say(f"{entry}: moving {', '.join(t.upper() for t in types)} resources from certificate {old} to {new}")
        delay = self._timing.first_poll
        for _ in range(_CREATION_POLLS):
            try:
                started = self._ssl.start_deploy(old, new, types, regions)
            except ApiError as error:
                if error.code == _NOTHING_BOUND and regions:
                    why = f"Tencent Cloud found none of them ({error.code})"
                    named = self._named(old, bound)
                    raise CertificateError(
                        _regions_message(entry, old, new, list(regions), regions, named, why)
                    ) from None
                raise
            if started.record_id:
                # The fact a later run resumes from: this record, for this pair.
                self._ssl.change_tags(old, replace=waiting_marks(old_tags, f"{new}/{started.record_id}"))
                return started.record_id
            if self._timing.clock() >= deadline:
                break
            delay = self._timing.pause(delay, deadline)
        raise CertificateError(
            f"{entry}: Tencent Cloud did not create the deploy record moving certificate {old}'s resources to {new} "
            "in time (UpdateCertificateInstance kept answering DeployRecordId 0). Nothing was deleted; run `pulumi "
            "up` again"
        )

    def _wait(self, entry: str, old: str, new: str, record: int, deadline: float) -> list[DeployDetail]:
        delay = self._timing.first_poll
        last_report = self._timing.clock()
        while True:
            details = self._ssl.deploy_details(record)
            if details and all(d.finished for d in details):
                return details
            now = self._timing.clock()
            if now >= deadline:
                running = [d.describe() for d in details if not d.finished]
                raise CertificateError(
                    f"{entry}: deploy record {record} (certificate {old} -> {new}) is still running at the "
                    f"delete_timeout: {'; '.join(running) or 'no resource reported yet'}. Nothing was deleted; run "
                    "`pulumi up` again to resume waiting for the same record"
                )
            if now - last_report >= self._timing.progress_every:
                last_report = now
                done = sum(1 for d in details if d.finished)
                self._say(f"{entry}: deploy record {record}: {done} of {len(details)} resource(s) done")
            delay = self._timing.pause(delay, deadline)


def recorded_record(tags: dict[str, str], successor: str) -> int | None:
    """The deploy record a rotation onto ``successor`` wrote on the old certificate's tags, if any."""
    named, _, number = tags.get(DEPLOY_TAG, "").partition("/")
    return int(number) if named == successor and number.isdigit() and int(number) > 0 else None


def lingering(ssl: SslService, entry: str, predecessor: str, successor: str, *, retain: bool = False) -> str | None:
    """A warning when the certificate a replacement recorded replacing still exists (its deletion failed), else
    ``None``. ``retain``: the entry now says retain: true, so ``up`` lets go of it instead of deleting it.

    Read-only calls, for ``preview``: the engine itself says nothing about a deletion still pending.
    """
    try:
        detail = ssl.describe_certificate_detail(predecessor)
    except CertificateNotFound:
        return None
    waiting = f"warning: {entry}: certificate {predecessor}, replaced by {successor}, is still waiting to be deleted"
    if retain:
        return f"{waiting}; the entry says retain: true, so `pulumi up` lets go of it: it stays in Tencent Cloud"
    refusal = expected_refusal(detail)
    if refusal is not None and refusal.handling is Handling.PERMANENT:
        # No retry can lift it: say what can, not that `up` tries again.
        return (
            f"{waiting}, but Tencent Cloud will not delete it: {refusal.meaning} ({refusal.code}). "
            f"{refusal.advice_for(entry, predecessor, Case.REPLACEMENT)}"
        )
    reason = ""
    try:
        reason = _record_note(ssl, predecessor, ssl.get_tags(predecessor))
    except TencentCloudError:
        pass
    return f"{waiting}{reason}. `pulumi up` tries again (moving what is bound to it first)"


def waiting_deletions(
    marked: Iterable[CertificateSummary], owner: str, current: str, known: Sequence[str] = ()
) -> list[str]:
    """The certificates of the entry marked ``owner`` whose deletion failed and is still pending, other than
    ``current`` and ``known``, among the ``marked`` ones (the stack's certificates carrying ``pulumi:waiting``, one
    listing a run shares: ``provider.sharing``): a failed delete leaves ``pulumi:deploy`` on its certificate (a
    rotation's record, or ``none``) with ``pulumi:waiting`` (``waiting_marks``). For ``preview``, which sees a
    pending deletion the state links to no successor."""
    if not owner:
        return []
    return sorted(
        row.certificate_id
        for row in marked
        if row.tags.get(OWNER_TAG) == owner
        and DEPLOY_TAG in row.tags
        and CREATE_TAG not in row.tags
        and row.certificate_id != current
        and row.certificate_id not in known
    )


def waiting_marks(tags: dict[str, str], deploy: str) -> dict[str, str]:
    """The tags marking a certificate whose ``tags`` are these as waiting to be deleted, ``pulumi:deploy`` =
    ``deploy``: with ``pulumi:waiting`` = its stack's value, which the stack's shared read filters on exactly
    (``provider.sharing``), unless it has no owner mark (preview reports only its own stack's) or its create is in
    flight (never reported; and so the two never take more than one of the tags the provider keeps)."""
    marks = {DEPLOY_TAG: deploy}
    stack = waiting_mark(tags.get(OWNER_TAG, ""))
    if stack and CREATE_TAG not in tags:
        marks[WAITING_TAG] = stack
    return marks


def mark_waiting(ssl: SslService, certificate_id: str) -> None:
    """Mark a certificate whose deletion just failed, keeping a rotation's record when one marks it already, and
    completing a mark an older version wrote without ``pulumi:waiting`` (best effort: the failure being reported
    matters more)."""
    try:
        tags = ssl.get_tags(certificate_id)
        wanted = waiting_marks(tags, tags.get(DEPLOY_TAG) or NO_RECORD)
        missing = {k: v for k, v in wanted.items() if tags.get(k) != v}
        if missing:
            ssl.change_tags(certificate_id, replace=missing)
    except TencentCloudError:
        pass


def _record_note(ssl: SslService, old: str, tags: dict[str, str]) -> str:
    """The state of the deploy record a rotation wrote on ``old``, read as ``Rotator._resume`` reads it ("" if none)."""
    named = tags.get(DEPLOY_TAG, "").partition("/")[0]
    recorded = recorded_record(tags, named)
    if recorded is None:
        return ""
    records = {r.record_id: r for r in ssl.deploy_records(old, named)}
    if recorded not in records:
        return f"; deploy record {recorded} is not one moving {old} to {named} (another pair's, or gone): ignored"
    later = [r for r in records.values() if r.record_id > recorded]
    details = ssl.deploy_details(recorded)
    rollbacks = [r.record_id for r in later if r.status in _ROLLED_BACK]
    if rollbacks or any(d.status in _ROLLED_BACK for d in details):
        by = f" (record {max(rollbacks)})" if rollbacks else ""
        return f"; deploy record {recorded} was rolled back{by}: what is bound to {old} now gets a new record"
    if later:
        return f"; deploy record {recorded} was superseded by record {max(r.record_id for r in later)}"
    if any(not d.finished for d in details):
        return f"; deploy record {recorded} is still running"
    failed = [d for d in details if not d.succeeded]
    if not failed:
        return ""
    return f"; deploy record {recorded} failed for " + "; ".join(
        f"{d.describe()}: {d.error or f'status {d.status}'}" for d in failed
    )


def unlinked_advice(entry: str, certificate_id: str, newest: str = "") -> str:
    """What to do when no certificate records replacing bound ``certificate_id``: how to record the link by hand."""
    current = f" (the entry's newest certificate is {newest})" if newest else ""
    return (
        f"No certificate of {entry} records that it replaces {certificate_id} (tag {REPLACES_TAG} naming it), so "
        "nothing was moved: a removed entry's certificate never is, and a replacement made by an older version, "
        "or created again after a refresh dropped a replacement deleted outside Pulumi, recorded no link. If "
        f"{certificate_id} was replaced by the entry's current certificate{current}, tag that certificate "
        f"{REPLACES_TAG}={certificate_id} (append `{REPLACES_SEPARATOR}{certificate_id}` when the tag already has a "
        f"value) and run `pulumi up` again: what is bound to {certificate_id} moves there, then it is deleted. "
        f"Otherwise unbind those resources from {certificate_id}"
    )


def due_for_renewal(not_after: object, window: object, now: dt.datetime) -> dt.datetime | None:
    """The expiry date when it falls within ``window`` (``renew_before``, e.g. ``30d``) from ``now``, else ``None``."""
    if not isinstance(not_after, str) or not isinstance(window, str) or not window:
        return None
    try:
        expiry = dt.datetime.fromisoformat(not_after.replace("Z", "+00:00"))
        seconds = parse_renew_window(window)
    except ValueError:
        return None  # an unknown value during preview, or a state from before the option
    return expiry if expiry - now <= dt.timedelta(seconds=seconds) else None


def renewal_note(entry: str, certificate_id: str, source: str, expiry: dt.datetime, window: str) -> str:
    """What preview says about a certificate inside its ``renew_before`` window."""
    when = expiry.astimezone(dt.UTC).strftime("%Y-%m-%d")
    if source == "free":
        return (
            f"{entry}: the free certificate {certificate_id} expires on {when}, within renew_before ({window}): it "
            "is renewed (a new one is applied for, deployments move to it, then it is deleted)"
        )
    return (
        f"warning: {entry}: certificate {certificate_id} expires on {when}, within renew_before ({window}): upload "
        "a renewed one"
    )


def _failure_message(entry: str, old: str, new: str, record: int, failed: Sequence[DeployDetail]) -> str:
    lines = [
        f"{entry}: moving certificate {old}'s resources to {new} failed for {len(failed)} resource(s) (deploy "
        f"record {record}):"
    ]
    lines += [f"  {d.describe()}: {d.error or f'status {d.status}'}" for d in failed]
    lines.append(
        f"Certificate {old} was not deleted and stays in the stack; those resources still use it. Fix the cause and "
        f"run `pulumi up` again: it retries the same deploy record. To undo the resources already moved, roll the "
        f"record back (UpdateCertificateRecordRollback with DeployRecordId {record})."
    )
    return "\n".join(lines)


def _regions_message(
    entry: str,
    old: str,
    new: str,
    unreached: Sequence[str],
    regions: ResourceRegions,
    bound: Sequence[DeployedResources],
    why: str,
) -> str:
    """Bound regional resources a deploy did not reach: the ``deploy_regions`` that would reach them."""
    searched = "; ".join(f"{t}: {', '.join(regions[t])}" for t in unreached)
    names = "; ".join(
        f"{b.resource_type.upper()} {', '.join(b.resources) or f'{b.count} resource(s)'}"
        for b in bound
        if b.resource_type in unreached
    )
    kinds = ", ".join(t.upper() for t in unreached)
    example = ", ".join(f"{t}: [{', '.join([*regions[t], '<its region>'])}]" for t in unreached)
    return (
        f"{entry}: cannot move certificate {old}'s {kinds} resources{f' ({names})' if names else ''} to {new}: "
        f"{why} in the regions searched ({searched}). A regional resource is moved only in the regions the entry's "
        f"deploy_regions lists for its type (else the stack's region): add its region, e.g. `deploy_regions: "
        f"{{{example}}}`, then run `pulumi up` again. Certificate {old} was not deleted and stays in the stack"
    )
