"""Deleting a certificate: DeleteCertificate (checked by default), following Tencent's task, and saying why not.

A certificate another stack or entry has taken since (``provider.ownership``) is left in place: the resource only
leaves the state. Any other outcome but "gone" raises ``CertificateError``, so the engine keeps the certificate in
the stack's state and the next ``pulumi up`` retries; a deadline reached while the task runs names the task, which
the next run resumes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import CertificateError
from .handover import Steering
from .inputs import CertificateInputs, entry_name, iso, recorded_claim, recorded_predecessors
from .leftovers import name_left_behind
from .ownership import Holder, holder_of, verdict
from .rotation import Rotator, mark_waiting, unlinked_advice
from .rules import REPLACES_SEPARATOR, REPLACES_TAG, split_replaced
from .sharing import Step
from .ssl import (
    BOUND_CODE,
    DELETE_CODES,
    DEPLOYED_RESOURCE_TYPES,
    ROLE_CODE,
    Case,
    CertificateNotFound,
    CertificateStillBound,
    DeleteTask,
    DeleteTaskFailed,
    DeletionRefused,
    DeletionTooSoon,
    DeployedResources,
    LiftsByItself,
    NeverDeletable,
    RefusedWithCode,
    ResourceCheckTimedOut,
    ServiceRoleNotAuthorised,
    delete_code,
)
from .tencentcloud.errors import ApiError, TencentCloudError

__all__ = ["Deleter"]


class Deleter(Step):
    """One delete call's work: ``delete`` returns once the certificate is gone and raises otherwise."""

    _checked_ours = False  # set once the ownership rule allowed this delete

    def delete(
        self,
        id_: str,
        props: Mapping[str, Any],
        steering: Steering | None = None,
        case: Case = Case.REMOVAL,
        successor: str = "",
        *,
        taken_in_run: bool = False,
    ) -> None:
        """DeleteCertificate, then wait for the deletion task; raise (keeping the state) unless it is gone.

        ``steering``: the entry's deploy_regions and delete_timeout from the current stack file, when this run
        declares the entry (a replaced certificate's pending delete); they win over the ones ``props`` recorded. Its
        owner token is the one the successor carries (the new name's, after a rename). When it says ``retain``, the
        certificate only leaves the state: the entry now keeps what it replaces. ``case`` picks the advice of a
        refusal no later run can lift. ``successor``: the certificate this run created for the entry when the engine
        replaced it without a diff (``pulumi up --replace``): it is tagged as replacing ``id_`` before the delete, the
        link its create could not record, so the rotation (now or in a later run) follows it. ``taken_in_run``: a
        create of this run made (adopted) this very certificate for the entry, so a claim that differs from the
        state's is that create's (``provider.ownership.verdict``).
        """
        try:
            self._delete(id_, props, steering, case, successor, taken_in_run)
        except CertificateError:
            # Still in the state (a pending deletion after a replacement): the mark lets preview report it even
            # when no replacement records replacing it.
            if self._checked_ours:
                mark_waiting(self._ssl, id_)
            raise
        finally:
            # This process's listing of marked certificates no longer holds after its own delete; a diff later in
            # the same process (rare: a run's diffs come before its deletes) reads it again.
            self._shared.waiting.forget()
            if case is not Case.REPLACEMENT:
                # The entry leaves the stack (removed, or a destroy): the last run that reads its certificates
                # (provider.leftovers). One read by its owner mark per removed entry, after the delete.
                self._name_left_behind(id_, props)

    def _delete(
        self,
        id_: str,
        props: Mapping[str, Any],
        steering: Steering | None,
        case: Case,
        successor: str,
        taken_in_run: bool,
    ) -> None:
        ssl = self._ssl
        spec = CertificateInputs.parse(props)
        if steering is not None:
            spec = dataclasses.replace(
                spec, deploy_regions=steering.deploy_regions, delete_timeout=steering.delete_timeout
            )
        entry = entry_name(props, id_)
        if steering is not None and steering.retain:
            self._say(
                f"{entry}: certificate {id_}, which the entry replaced, is not deleted: the entry says retain: true. "
                "It stays in Tencent Cloud and only leaves this stack's state"
            )
            return
        check = spec.check_resources
        timeout = spec.delete_timeout
        # The claim is an output (what the create wrote), not an input: read from the state's outputs.
        if not self._still_ours(entry, id_, spec.owner, recorded_claim(props), taken_in_run):
            return
        self._checked_ours = True
        if successor:
            self._link(entry, id_, successor)
        deadline = self._timing.clock() + timeout
        self._lift_started: float | None = None  # when a refusal that lifts by itself was first met
        self._lift_reported = 0.0
        checks_timed_out = 0
        retry_delay = self._timing.first_poll
        rotated = not spec.rotate  # at most one rotation per delete
        # The entry that replaced this certificate: this resource's own, or the new name it was renamed to.
        successor_owner = steering.owner if steering is not None and steering.owner else spec.owner
        # Still declared (the current file's diff steered it, or the engine replaced it without a diff): a link to a
        # successor could exist; a removal has none to look for.
        replaced = steering is not None or case is Case.REPLACEMENT
        while True:
            try:
                outcome = ssl.delete_certificate(id_, check_resources=check)
            except CertificateNotFound:
                self._say(f"{entry}: certificate {id_} is already deleted")
                return
            except DeletionRefused as refusal:
                if not rotated and isinstance(refusal, CertificateStillBound):
                    rotated = True
                    if self._rotate(entry, id_, spec, successor_owner, refusal, deadline, replaced):
                        continue
                waited = self._wait_to_lift(entry, id_, refusal, deadline, retry_delay, timeout)
                if waited is not None:
                    retry_delay = waited
                    continue
                lifting = isinstance(refusal, LiftsByItself) and self._lift_started is not None
                raise CertificateError(
                    self.refusal_message(entry, id_, refusal, case, waited_for=timeout if lifting else None)
                ) from None
            except TencentCloudError as error:
                raise CertificateError(self.failure_message(entry, id_, error)) from None
            if outcome.deleted:
                self._say(f"{entry}: deleted certificate {id_}")
                return
            if not outcome.task_id:
                raise CertificateError(
                    f"{entry}: Tencent Cloud did not delete certificate {id_} (DeleteResult false, no task). It stays "
                    "in the stack; run `pulumi up` again to retry"
                )
            task = self._wait_task(entry, id_, outcome.task_id, deadline, timeout, checks_timed_out)
            failure = task.failure()
            if failure is None:
                self._say(f"{entry}: deleted certificate {id_} (task {task.task_id})")
                return
            if isinstance(failure, ResourceCheckTimedOut) and self._timing.clock() < deadline:
                checks_timed_out += 1
                self._say(
                    f"{entry}: Tencent Cloud's check of resources bound to certificate {id_} timed out (task "
                    f"{task.task_id}); deleting again (attempt {checks_timed_out + 1})"
                )
                # Back off between attempts: a check that fails at once must not become a tight loop of
                # DeleteCertificate calls (41 in 4 s against the emulator before this pause).
                retry_delay = self._timing.pause(retry_delay, deadline)
                continue
            if not rotated and isinstance(failure, CertificateStillBound):
                rotated = True
                if self._rotate(entry, id_, spec, successor_owner, failure, deadline, replaced):
                    continue
            raise CertificateError(self.refusal_message(entry, id_, failure, case))

    def _wait_to_lift(
        self, entry: str, id_: str, refusal: DeletionRefused, deadline: float, delay: float, timeout: float
    ) -> float | None:
        """For a refusal that lifts by itself, wait (never past ``deadline``) and return the next delay; else None."""
        now = self._timing.clock()
        remaining = deadline - now
        if remaining <= 0 or not isinstance(refusal, DeletionTooSoon | LiftsByItself):
            return None
        if self._lift_started is None:
            self._lift_started = self._lift_reported = now
        elif now - self._lift_reported >= self._timing.progress_every:
            self._lift_reported = now
            self._say(
                f"{entry}: still waiting to delete certificate {id_}: {refusal} ({timeout - remaining:.0f}s of "
                f"delete_timeout {timeout:.0f}s)"
            )
        if isinstance(refusal, DeletionTooSoon) and refusal.earliest is not None:
            # One second past the hour: InsertTime has whole seconds, Tencent's own clock may not.
            seconds = (refusal.earliest - self._timing.now()).total_seconds() + 1
            if seconds > remaining:
                return None
            if seconds > 1:
                self._say(
                    f"{entry}: certificate {id_} can be deleted from {iso(refusal.earliest)}; waiting {seconds:.0f}s "
                    "(within delete_timeout)"
                )
                self._sleep_reporting(entry, id_, seconds, timeout, deadline)
                return delay
        # When it lifts is not known (a renewal), or the hour is over by our clock but not yet by Tencent's: back off.
        if delay == self._timing.first_poll:  # said once, not at every attempt
            self._say(f"{entry}: cannot delete certificate {id_} yet ({refusal}); trying again until delete_timeout")
        return self._timing.pause(delay, deadline)

    def _sleep_reporting(self, entry: str, id_: str, seconds: float, timeout: float, deadline: float) -> None:
        """Sleep ``seconds`` (the rest of a free certificate's hour), saying so every ``progress_every``."""
        end = self._timing.clock() + seconds
        while (left := end - self._timing.clock()) > 0:
            self._timing.sleep(min(left, self._timing.progress_every))
            now = self._timing.clock()
            if end - now > 0:
                self._say(
                    f"{entry}: still waiting to delete certificate {id_}: {end - now:.0f}s left of the hour "
                    f"({timeout - (deadline - now):.0f}s of delete_timeout {timeout:.0f}s)"
                )

    def failure_message(self, entry: str, certificate_id: str, error: TencentCloudError) -> str:
        """A call that failed for a reason other than a refusal: transient codes once the client's retries ran out."""
        rule = delete_code(error.code) if isinstance(error, ApiError) else None
        if rule is not None:
            return (
                f"{entry}: deleting certificate {certificate_id} failed: {rule.meaning} ({error}). "
                f"{rule.advice_for(entry, certificate_id)}. The certificate stays in the stack's state and in "
                "Tencent Cloud."
            )
        return (
            f"{entry}: deleting certificate {certificate_id} failed: {error}. It stays in the stack; run `pulumi up` "
            "again to retry"
        )

    def _rotate(
        self,
        entry: str,
        id_: str,
        spec: CertificateInputs,
        successor_owner: str,
        refusal: CertificateStillBound,
        deadline: float,
        replaced: bool,
    ) -> bool:
        """Move what is bound to a replaced certificate to the successor that names it, marked by
        ``successor_owner``; True once moved. ``replaced``: the entry is still declared (not a removal). With no such
        successor a removal gets False (the plain refusal follows) and a replacement the refusal, saying how to link
        one."""
        rotator = Rotator(self._ssl, self._timing, self._say)
        try:
            successor = rotator.successor(id_, successor_owner)
            if successor is None:
                # A removal, or a replacement that recorded no link (made before replacements recorded one, or
                # created afresh after a refresh dropped a replacement deleted outside Pulumi): moving the
                # resources to any other certificate would be a guess. Only a replacement could have had a link: a
                # removal gets the plain refusal.
                if not replaced:
                    return False
                raise CertificateError(
                    f"{self.refusal_message(entry, id_, refusal)}\n"
                    f"{unlinked_advice(entry, id_, rotator.newest_of(successor_owner, id_))}"
                )
            rotator.move(entry, id_, successor, refusal.resources, self._ssl.region, deadline, spec.deploy_regions)
        except TencentCloudError as error:
            raise CertificateError(
                f"{entry}: moving the resources bound to certificate {id_} to its replacement failed: {error}. "
                "Nothing was deleted; run `pulumi up` again"
            ) from None
        return True

    def _name_left_behind(self, id_: str, props: Mapping[str, Any]) -> None:
        """Name the certificates a killed run left for the entry being removed (one read of its marks)."""
        owner = str(props.get("owner") or "")
        name_left_behind(self._ssl, self._say, entry_name(props, id_), owner, id_, recorded_predecessors(props))

    def _link(self, entry: str, id_: str, successor: str) -> None:
        """Record on ``successor`` that it replaces ``id_`` (``pulumi:replaces``, appended to what it names)."""
        try:
            named = split_replaced(self._ssl.get_tags(successor).get(REPLACES_TAG, ""))
            if id_ not in named:
                value = REPLACES_SEPARATOR.join([*named, id_])
                self._ssl.change_tags(successor, replace={REPLACES_TAG: value})
        except TencentCloudError as error:
            raise CertificateError(
                f"{entry}: could not record on certificate {successor}, which this run created to replace {id_} "
                f"(`pulumi up --replace`), that it replaces it (tag {REPLACES_TAG}): {error}. Nothing was deleted; "
                f"run `pulumi up` again, or tag {successor} {REPLACES_TAG}={id_} yourself"
            ) from None
        self._say(
            f"{entry}: certificate {successor} replaces {id_} (`pulumi up --replace`): recorded on it as tag "
            f"{REPLACES_TAG}, so what is bound to {id_} moves there"
        )

    def _still_ours(self, entry: str, id_: str, owner: str, claim: str, taken_in_run: bool) -> bool:
        """The ownership rule: delete only a certificate whose marks still name this resource."""
        try:
            tags = self._marks_of(id_)
        except TencentCloudError as error:
            raise CertificateError(
                f"{entry}: could not read the ownership tags of certificate {id_} before deleting it: {error}. It "
                "stays in the stack; run `pulumi up` again to retry"
            ) from None
        judged = verdict(tags, owner, claim, taken_in_run)
        if not judged.may_delete:
            advice = judged.advice(id_)
            # Another entry of this stack: normally a rename that took it, but a run killed after a rename's update
            # moved the mark (before Pulumi recorded the new name) leaves it marked by an entry no state holds.
            if not advice and owner and holder_of(tags, owner) is Holder.OTHER_ENTRY:
                advice = (
                    f"If `pulumi stack export` lists it under no entry (a run killed during a rename leaves it so), "
                    f"adopt it (`adopt: {id_}` for an entry) or delete it"
                )
            self._say(
                f"{entry}: certificate {id_} is not deleted: {judged.reason}. It stays in Tencent Cloud, deployed "
                "where it is, and only leaves this stack's state" + (f", unmanaged. {advice}" if advice else "")
            )
        return judged.may_delete

    def _marks_of(self, id_: str) -> Mapping[str, str]:
        # A tag read shared with the deletes running now, in a call that started after this one asked: one call for
        # up to 50 certificates, whatever the size of the account.
        return self._shared.tags.get(id_) or {}

    def _wait_task(
        self,
        entry: str,
        certificate_id: str,
        task_id: str,
        deadline: float,
        timeout: float,
        checks_timed_out: int = 0,
    ) -> DeleteTask:
        # The process's poller asks Tencent about every task in flight in one call about every second (the first
        # time at once when it was idle: a task can finish within the call); this delete waits for each round.
        started = last_report = self._timing.clock()
        last_status: int | None = None
        with self._shared.tasks.watching(task_id) as watch:
            while True:
                try:
                    task = watch.next()
                except TencentCloudError as error:
                    raise CertificateError(
                        f"{entry}: could not follow the deletion of certificate {certificate_id} (task {task_id}): "
                        f"{error}. It stays in the stack; run `pulumi up` again to resume"
                    ) from None
                if task is not None and not task.running:
                    return task
                now = self._timing.clock()
                status = None if task is None else task.status
                if last_status is None:
                    self._say(
                        f"{entry}: deleting certificate {certificate_id}: waiting for Tencent Cloud's task {task_id}"
                    )
                    last_status, last_report = status if status is not None else -1, now
                elif status != last_status or now - last_report >= self._timing.progress_every:
                    last_status, last_report = status if status is not None else -1, now
                    self._say(
                        f"{entry}: still deleting certificate {certificate_id} (task {task_id}, "
                        f"{now - started:.0f}s of {timeout:.0f}s)"
                    )
                if now >= deadline:
                    earlier = (
                        f" (the check of bound resources had timed out {checks_timed_out} time(s) before)"
                        if checks_timed_out
                        else ""
                    )
                    raise CertificateError(
                        f"{entry}: certificate {certificate_id} was not deleted within delete_timeout "
                        f"({timeout:.0f}s): Tencent Cloud's deletion task {task_id} is still running{earlier}. The "
                        "certificate stays in the stack; run `pulumi up` again to resume waiting for the same task "
                        "(each run waits up to delete_timeout more; a removed entry keeps the delete_timeout it had)"
                    )

    def refusal_message(
        self,
        entry: str,
        certificate_id: str,
        refusal: DeletionRefused,
        case: Case = Case.REMOVAL,
        waited_for: float | None = None,
    ) -> str:
        """What went wrong and what to do about it, for each way Tencent refuses a deletion."""
        task = f" (task {refusal.task_id})" if refusal.task_id else ""
        keep = "The certificate stays in the stack's state and in Tencent Cloud."
        if isinstance(refusal, CertificateStillBound):
            resources = refusal.resources or self._bound_resources(certificate_id)
            bound = "; ".join(_describe_bound(r) for r in resources) or (
                "none that DescribeDeployedResources lists for the types the provider asks about ("
                + ", ".join(t.upper() for t in DEPLOYED_RESOURCE_TYPES)
                + "): look in the service that uses it"
            )
            reason = f" ({refusal.reason})" if refusal.reason else ""
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: it is still bound to cloud resources"
                f"{reason}. Bound to: {bound}. {DELETE_CODES[BOUND_CODE].advice}. {keep}"
            )
        if isinstance(refusal, ServiceRoleNotAuthorised):
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: Tencent Cloud cannot check which "
                f"resources use it because the service role {refusal.role} is not authorised. "
                f"{DELETE_CODES[ROLE_CODE].advice}. {keep}"
            )
        if isinstance(refusal, ResourceCheckTimedOut):
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: Tencent Cloud's check of the resources "
                f"bound to it kept timing out until delete_timeout. Run `pulumi up` again later. {keep}"
            )
        if isinstance(refusal, DeletionTooSoon):
            when = "in less than an hour"
            if refusal.earliest is not None:
                minutes = max(0, int((refusal.earliest - self._timing.now()).total_seconds() // 60) + 1)
                when = f"after {iso(refusal.earliest)} (in about {minutes} min)"
            return (
                f"{entry}: cannot delete certificate {certificate_id} yet: Tencent Cloud does not delete a free "
                f"certificate within an hour of its application ({refusal.code or 'CannotBeDeletedWithinHour'}). "
                f"Deletion becomes possible {when}; run `pulumi up` again then. {keep}"
            )
        if isinstance(refusal, RefusedWithCode):
            said = f": {refusal.reason.rstrip('. ')}" if refusal.reason else ""
            if isinstance(refusal, NeverDeletable):
                keep = "The certificate stays in Tencent Cloud, and in the stack's state until it is released."
            if waited_for is not None:
                said += f"; waited {waited_for:.0f}s (delete_timeout) for it to lift"
            return (
                f"{entry}: cannot delete certificate {certificate_id}: {refusal.rule.meaning} "
                f"({refusal.rule.code}{said}). {refusal.rule.advice_for(entry, certificate_id, case)}. {keep}"
            )
        if isinstance(refusal, DeleteTaskFailed):
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: the deletion task failed: "
                f"{refusal.reason.rstrip('. ') or 'Tencent Cloud gave no reason'}. Run `pulumi up` again to retry. "
                f"{keep}"
            )
        return f"{entry}: cannot delete certificate {certificate_id}{task}: {refusal}. {keep}"

    def _bound_resources(self, certificate_id: str) -> Sequence[DeployedResources]:
        try:
            return self._ssl.describe_deployed_resources([certificate_id])
        except TencentCloudError:
            return ()


def _describe_bound(resources: DeployedResources) -> str:
    names = ", ".join(resources.resources) or f"{resources.count} resource(s)"
    return f"{resources.resource_type.upper()}: {names}"
