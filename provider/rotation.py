"""Rotation: before a replaced certificate is deleted, move the cloud resources that use it to its successor.

A replacement creates the new certificate, then the engine deletes the old one. When the checked delete of the old
one is refused because resources are bound to it (a CLB listener, a CDN domain...), the deleter asks this module to
find the certificate that replaced it — the one a later create of the same entry made: same ``pulumi:owner``, another
``pulumi:claim``, no create still in flight — and to move the bound resources there with Tencent's deploy record
(``UpdateCertificateInstance``), waiting until each resource reports. Then the delete is tried again. A deploy record
that already exists for the pair is resumed (running) or retried (failed) rather than started twice, so a failed or
interrupted rotation is finished by the next ``pulumi up``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from .coverage import refuse_uncovered
from .errors import CertificateError
from .ownership import newest_other_claim
from .rules import OWNER_TAG, parse_renew_window
from .ssl import CertificateNotFound, DeployedResources, SslService
from .ssl.deploy import DeployDetail, DeployRecord, ResourceRegions
from .tencentcloud.errors import TencentCloudError
from .waiting import Timing

__all__ = ["REGIONAL_TYPES", "Rotator", "due_for_renewal", "lingering", "renewal_note"]

#: Resource types whose deploy needs regions (UpdateCertificateInstance's ResourceTypesRegions, SDK model).
REGIONAL_TYPES = frozenset({"clb", "waf", "apigateway", "cos", "tke", "tse", "tcb"})
#: How many times UpdateCertificateInstance may answer DeployRecordId 0 ("still being created") before giving up.
_CREATION_POLLS = 30


class Rotator:
    """One rotation's work: ``successor`` finds the replacement, ``move`` deploys it where the old one is bound."""

    def __init__(self, ssl: SslService, timing: Timing, say: Callable[[str], None]) -> None:
        self._ssl = ssl
        self._timing = timing
        self._say = say

    def successor(self, certificate_id: str, owner: str, claim: str) -> str | None:
        """The certificate a later create of the same entry made, if it exists (the newest, should there be two)."""
        if not owner:
            return None
        return newest_other_claim(self._ssl.find_certificates(tags={OWNER_TAG: owner}), certificate_id, claim)

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

        Regional resource types deploy in the regions the entry lists for them (``deploy_regions``), else in the
        stack's ``region``.
        """
        types = sorted({b.resource_type for b in bound}) or sorted(self._bound_types(old))
        if not types:
            return
        listed = entry_regions or {}
        regions: ResourceRegions = {t: list(listed.get(t) or [region]) for t in types if t in REGIONAL_TYPES}
        refuse_uncovered(self._ssl, entry, old, new, bound)  # never a certificate on a domain it does not cover
        record = self._record(entry, old, new, types, regions, deadline)
        details = self._wait(entry, old, new, record, deadline)
        failed = [d for d in details if not d.succeeded]
        if failed:
            raise CertificateError(_failure_message(entry, old, new, record, failed))
        self._say(f"{entry}: moved {len(details)} resource(s) from certificate {old} to {new} (deploy record "
                  f"{record})")  # fmt: skip

    def _bound_types(self, certificate_id: str) -> set[str]:
        return {b.resource_type for b in self._ssl.describe_deployed_resources([certificate_id])}

    def _record(
        self, entry: str, old: str, new: str, types: Sequence[str], regions: ResourceRegions, deadline: float
    ) -> int:
        """The deploy record for the pair: an existing one resumed (its failures retried), or a new one."""
        existing = _latest(self._ssl.deploy_records(old, new))
        if existing is not None:
            details = self._ssl.deploy_details(existing.record_id)
            if any(d.finished and not d.succeeded for d in details):
                self._say(f"{entry}: retrying the failed resources of deploy record {existing.record_id}")
                self._ssl.retry_deploy(existing.record_id)
            else:
                self._say(f"{entry}: resuming deploy record {existing.record_id} ({old} -> {new})")
            return existing.record_id
        self._say(f"{entry}: moving {', '.join(t.upper() for t in types)} resources from certificate {old} to {new}")
        delay = self._timing.first_poll
        for _ in range(_CREATION_POLLS):
            started = self._ssl.start_deploy(old, new, types, regions)
            if started.record_id:
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


def lingering(ssl: SslService, entry: str, predecessor: str, successor: str) -> str | None:
    """A warning when the certificate a replacement replaced still exists (its deletion failed), else ``None``.

    Read-only calls, for ``preview``: the engine itself says nothing about a deletion still pending.
    """
    try:
        ssl.describe_certificate_detail(predecessor)
    except CertificateNotFound:
        return None
    reason = ""
    try:
        record = _latest(ssl.deploy_records(predecessor, successor))
        failed = [d for d in ssl.deploy_details(record.record_id) if d.finished and not d.succeeded] if record else []
        if failed:
            reason = f"; deploy record {record.record_id if record else ''} failed for " + "; ".join(
                f"{d.describe()}: {d.error or f'status {d.status}'}" for d in failed
            )
    except TencentCloudError:
        pass
    return (
        f"warning: {entry}: certificate {predecessor}, replaced by {successor}, is still waiting to be deleted"
        f"{reason}. `pulumi up` tries again (moving what is bound to it first)"
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


def _latest(records: Sequence[DeployRecord]) -> DeployRecord | None:
    return max(records, key=lambda r: r.record_id, default=None)


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
