"""Creating a certificate: upload, apply for a free one, or adopt; and bringing alias, project and tags in line.

A create whose reply was lost must not leave a second certificate behind: every upload is marked with a one-off
``pulumi:create`` tag (an application with a one-off alias), found again after a failure and de-duplicated, and sent
with ``Repeatable=false`` so that an attempt committed after the client's retry adds nothing. A certificate uploaded
by a create that was killed before the state recorded it (``pulumi:owner`` tag, same PEM) is used, not uploaded again.
Every create marks its certificate with the entry's owner token and its own claim (``provider.ownership``), the
marks the delete rule reads; an adoption of a certificate another stack manages is refused unless ``take_over``.
A certificate this create uploaded is removed again when the create fails after the upload, so none is orphaned.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .errors import CertificateError
from .inputs import CertificateInputs
from .ownership import Holder, holder_of, marks, newest_other_claim
from .pem import normalise_pem
from .reconcile import reconcile
from .rules import CLAIM_TAG, CREATE_TAG, OWNER_TAG
from .ssl import (
    CertificateDetail,
    CertificateNotFound,
    CertificateStatus,
    CertificateSummary,
    DeletionRefused,
    SslService,
)
from .tencentcloud.errors import TencentCloudError
from .waiting import Timing

__all__ = ["WAITING_STATUSES", "Created", "Creator"]

#: Reads of a certificate right after its upload that may answer CertificateNotFound before Tencent's read side
#: has it (eventual consistency), each after the usual backoff.
_FRESH_READS = 4

#: Statuses of a certificate on its way to being issued or usable.
WAITING_STATUSES = frozenset(
    {
        CertificateStatus.PENDING,
        CertificateStatus.DNS_RECORD_ADDED,
        CertificateStatus.FREE_INFO_PENDING,
        CertificateStatus.REISSUING,
        CertificateStatus.MIGRATING,
    }
)


@dataclass(frozen=True)
class Created:
    """What a create made or took: the certificate's detail, its user tags and the claim it wrote."""

    detail: CertificateDetail
    tags: dict[str, str]
    claim: str
    predecessor: str = ""  # the certificate of this entry a replacement replaces, while it still exists


class Creator:
    """One create call's work: ``upload``, ``apply`` or ``adopt`` return what they made or took (``Created``)."""

    def __init__(self, ssl: SslService, timing: Timing, say: Callable[[str], None]) -> None:
        self._ssl = ssl
        self._timing = timing
        self._say = say

    # -- upload

    def upload(self, spec: CertificateInputs) -> Created:
        """UploadCertificate (marked for de-duplication), then wait until Tencent says it is usable."""
        ssl = self._ssl
        entry = spec.entry
        wanted_tags = dict(spec.tags)
        # A fresh token per create marks every certificate this call uploads, so a retried upload whose first
        # reply was lost (the client retries transport errors) can be found and its duplicate removed. It stays on
        # the certificate as its claim once the create is complete.
        nonce = secrets.token_hex(8)
        tags = {**wanted_tags, **marks(spec.owner, nonce), CREATE_TAG: nonce}
        # Repeatable=false: when an attempt the client gave up on (a lost or slow reply) was committed, even after
        # the retry, Tencent answers the other attempt with that certificate instead of storing a second one. It
        # answers with any identical certificate, though, so the tags say whose it is.
        certificate_id = self._upload(entry, spec, tags, nonce, repeatable=False)
        ours: set[str] = set()  # certificates known to be this entry's, removed again if the create fails
        try:
            detail = self._fresh_detail(certificate_id)
            if detail.tags.get(CREATE_TAG) == nonce:
                ours.add(certificate_id)
            elif _left_by_an_interrupted_create(detail, spec):
                ours.add(certificate_id)
                self._say(
                    f"{entry}: using certificate {certificate_id}, uploaded for this entry by an earlier run that "
                    "was interrupted before it could record it"
                )
                reconcile(
                    ssl, entry, certificate_id, spec, alias=detail.alias, project=detail.project_id, tags=detail.tags
                )
            else:  # someone else's identical certificate: never taken over
                certificate_id = self._upload(entry, spec, tags, nonce, repeatable=True)
                ours.add(certificate_id)
                self._fresh_detail(certificate_id)
            predecessor = self._tidy(entry, spec.owner, nonce, keep=certificate_id)
            deadline = self._timing.clock() + spec.create_timeout
            detail = self._wait_usable(entry, certificate_id, deadline)
            # The create is complete and the engine records it next: drop the in-flight mark (so an identical
            # upload by a later create of this entry, a forced replace, never takes this certificate for one an
            # interrupted create left behind) and claim it for this create.
            ssl.change_tags(certificate_id, replace={CLAIM_TAG: nonce}, delete=[CREATE_TAG])
        except Exception as error:
            # Nothing records the certificates of a failed create: remove them (only ones known to be this
            # entry's: never an identical certificate Repeatable=false answered with), or they would be orphaned.
            for leftover in sorted(ours.union(self._uploaded_by(nonce))):
                self._discard(entry, leftover)
            if isinstance(error, CertificateError):
                raise
            raise CertificateError(
                f"{entry}: the certificate was uploaded ({certificate_id}) but the create could not complete: "
                f"{_reason(error)}. What this create uploaded was removed again; run `pulumi up` again"
            ) from None
        return Created(detail, wanted_tags, nonce, predecessor)

    def _tidy(self, entry: str, owner: str, nonce: str, keep: str) -> str:
        """Remove duplicates a retried upload left, and name the certificate this create replaces ("" if none).

        One listing serves both: the entry's certificates (its owner mark) are this call's duplicates (in-flight mark
        ``nonce``) and, when a replacement is running, the certificate being replaced (another claim, not in flight).
        """
        try:
            mark = {OWNER_TAG: owner} if owner else {CREATE_TAG: nonce}
            siblings = [c for c in self._ssl.find_certificates(tags=mark) if c.certificate_id != keep]
        except TencentCloudError:
            return ""
        for duplicate in (c for c in siblings if c.tags.get(CREATE_TAG) == nonce):
            self._discard(entry, duplicate.certificate_id)
            self._say(f"{entry}: removed duplicate certificate {duplicate.certificate_id} left by a retried upload")
        return newest_other_claim(siblings, keep, nonce) or ""

    def _fresh_detail(self, certificate_id: str) -> CertificateDetail:
        """The detail of a certificate uploaded a moment ago, which Tencent may not be able to read yet."""
        delay = self._timing.first_poll
        for attempt in range(_FRESH_READS):
            try:
                return self._ssl.describe_certificate_detail(certificate_id)
            except CertificateNotFound:
                if attempt == _FRESH_READS - 1:
                    raise
            delay = self._timing.pause(delay, self._timing.clock() + delay)
        raise AssertionError("unreachable")

    def _upload(self, entry: str, spec: CertificateInputs, tags: dict[str, str], nonce: str, repeatable: bool) -> str:
        try:
            certificate_id = self._ssl.upload_certificate(
                public_key=spec.certificate,
                private_key=spec.private_key or None,
                certificate_type=spec.certificate_type,
                alias=spec.alias,
                project_id=spec.project_id,
                tags=tags,
                repeatable=repeatable,
            )
        except TencentCloudError as error:
            survivors = self._uploaded_by(nonce)
            if not survivors:
                raise CertificateError(f"{entry}: uploading the certificate failed: {error}") from None
            self._say(f"{entry}: the upload reply was lost; certificate {survivors[0]} had been created")
            return survivors[0]
        if not certificate_id:
            # A reply without an id (seen as a blank id in later messages): find what this call created, if anything.
            survivors = self._uploaded_by(nonce)
            if not survivors:
                raise CertificateError(
                    f"{entry}: uploading the certificate failed: Tencent Cloud's UploadCertificate reply named no "
                    "certificate id, and no certificate carrying this upload's mark could be found. Run `pulumi up` "
                    "again: a certificate this upload did make is found by its marks and used, not uploaded twice"
                )
            self._say(f"{entry}: the upload reply named no certificate; certificate {survivors[0]} had been created")
            return survivors[0]
        return certificate_id

    def _uploaded_by(self, nonce: str) -> list[str]:
        try:
            return [c.certificate_id for c in self._ssl.find_certificates(tags={CREATE_TAG: nonce})]
        except TencentCloudError:
            return []

    def _discard(self, entry: str, certificate_id: str) -> None:
        # Only for certificates this very call created a moment ago: nothing can be bound to them yet.
        try:
            self._ssl.delete_certificate(certificate_id, check_resources=False)
        except CertificateNotFound:
            pass
        except (TencentCloudError, DeletionRefused) as error:
            self._say(f"{entry}: could not remove certificate {certificate_id} created by this step: {error}")

    def _wait_usable(self, entry: str, certificate_id: str, deadline: float) -> CertificateDetail:
        """Wait until an uploaded certificate is usable (Status 1, or 3 for an expired one allowed by check)."""
        delay = self._timing.first_poll
        while True:
            detail = self._ssl.describe_certificate_detail(certificate_id)
            if detail.status in (CertificateStatus.ISSUED, CertificateStatus.EXPIRED):
                return detail
            if detail.status not in WAITING_STATUSES:
                raise CertificateError(
                    f"{entry}: certificate {certificate_id} was rejected by Tencent Cloud: status {detail.status} "
                    f"{detail.status_name or ''} {detail.status_message or ''}".rstrip()
                )
            if self._timing.clock() >= deadline:
                raise CertificateError(
                    f"{entry}: certificate {certificate_id} is still not usable (status {detail.status}) at the "
                    "create_timeout; it was removed, run `pulumi up` again"
                )
            delay = self._timing.pause(delay, deadline)

    # -- apply (free DV)

    def apply(self, spec: CertificateInputs) -> Created:
        """ApplyCertificate (or resume this resource's pending application), then wait until it is issued."""
        ssl = self._ssl
        entry = spec.entry
        domain = spec.free_domain
        owner = spec.owner
        wanted_tags = dict(spec.tags)
        deadline = self._timing.clock() + spec.create_timeout
        nonce = secrets.token_hex(8)
        earlier = self._earlier_application(owner, domain)
        if earlier is not None:
            certificate_id = earlier.certificate_id
            if earlier.status in WAITING_STATUSES:
                self._say(f"{entry}: resuming the pending application {certificate_id} for {domain}")
            else:
                self._say(
                    f"{entry}: using the free certificate {certificate_id} for {domain}, applied for by an earlier "
                    "run that was interrupted before it could record it"
                )
        else:
            # ApplyCertificate takes no tags: a unique temporary alias finds the applications of this call, so one
            # whose reply was lost (and was retried) is not left behind unnoticed.
            marker = f"pulumi-{nonce}"
            try:
                certificate_id = ssl.apply_certificate(
                    domain=domain,
                    validation=spec.free_validation,
                    alias=marker,
                    project_id=spec.project_id,
                )
            except TencentCloudError as error:
                found = self._applied_by(marker)
                if not found:
                    raise CertificateError(
                        f"{entry}: applying for a free certificate for {domain} failed: {error}"
                    ) from None
                certificate_id = found[0]
            for duplicate in self._applied_by(marker):
                if duplicate != certificate_id:
                    self._discard(entry, duplicate)
            ssl.change_tags(certificate_id, replace={**marks(owner, nonce), CREATE_TAG: nonce})
            self._say(f"{entry}: applied for a free certificate for {domain}: {certificate_id}")
        reconcile(ssl, entry, certificate_id, spec, alias=None, project=None, tags=None)
        detail = self._wait_issued(entry, certificate_id, domain, deadline)
        # Complete: drop the in-flight mark, so a later create of this entry never takes this certificate over, and
        # claim it for this create.
        ssl.change_tags(certificate_id, replace={CLAIM_TAG: nonce}, delete=[CREATE_TAG])
        return Created(detail, wanted_tags, nonce)

    def _applied_by(self, marker: str) -> list[str]:
        try:
            return [c.certificate_id for c in self._ssl.find_certificates(search_key=marker) if c.alias == marker]
        except TencentCloudError:
            return []

    def _earlier_application(self, owner: str, domain: str) -> CertificateSummary | None:
        # An application this entry made in an earlier run that never recorded it: the run failed at its
        # create_timeout (still pending) or was killed (pending, or issued since, still carrying the in-flight
        # pulumi:create mark). Take it over instead of applying again (free certificates cannot be deleted within
        # an hour). A completed create drops the mark, so a replacement never takes over the certificate it replaces.
        if not owner:
            return None
        for row in self._ssl.find_certificates(tags={OWNER_TAG: owner}):
            if row.domain.lower() != domain or row.source == "upload":
                continue
            if row.status in WAITING_STATUSES or (row.status == CertificateStatus.ISSUED and CREATE_TAG in row.tags):
                return row
        return None

    def _wait_issued(self, entry: str, certificate_id: str, domain: str, deadline: float) -> CertificateDetail:
        delay = self._timing.first_poll
        last_report = self._timing.clock()
        while True:
            detail = self._ssl.describe_certificate_detail(certificate_id)
            if detail.status == CertificateStatus.ISSUED:
                return detail
            if detail.status not in WAITING_STATUSES:
                raise CertificateError(
                    f"{entry}: the free certificate {certificate_id} for {domain} was not issued: status "
                    f"{detail.status} {detail.status_name} {detail.status_message}".rstrip()
                )
            now = self._timing.clock()
            if now >= deadline:
                raise CertificateError(_pending_message(entry, detail, domain))
            if now - last_report >= self._timing.progress_every:
                last_report = now
                self._say(
                    f"{entry}: waiting for the free certificate {certificate_id} for {domain} to be issued "
                    f"({detail.status_message or detail.status_name or 'pending'})"
                )
            delay = self._timing.pause(delay, deadline)

    # -- adopt

    def adopt(self, spec: CertificateInputs) -> Created:
        """Take over an existing certificate (unless another stack manages it) and reconcile it; mark it ours."""
        ssl = self._ssl
        entry = spec.entry
        certificate_id = spec.adopt_id
        try:
            detail = ssl.describe_certificate_detail(certificate_id)
            current = ssl.get_tags(certificate_id)
        except CertificateNotFound:
            raise CertificateError(
                f"{entry}: cannot adopt certificate {certificate_id}: it does not exist in this account"
            ) from None
        owner = spec.owner
        holder = holder_of(current, owner)
        claimed = current.get(OWNER_TAG)
        if holder is Holder.OTHER_STACK and not spec.take_over:
            raise CertificateError(
                f"{entry}: certificate {certificate_id} is managed by another Pulumi stack (tag {OWNER_TAG}="
                f"{claimed}); adopting it here would let either stack delete it under the other. If that stack has "
                "released it (removed with retain: true) or you are moving it here on purpose, write "
                "`adopt: {id: " + certificate_id + ", take_over: true}`: that stack will then leave it in place "
                "when its entry is removed"
            )
        if holder is Holder.OTHER_STACK:
            self._say(f"{entry}: taking over certificate {certificate_id} from another stack ({OWNER_TAG}={claimed})")
        elif holder is Holder.OTHER_ENTRY:
            # Within one stack only a rename moves an id between entries (the loader refuses two entries adopting
            # one id): the old entry's delete then sees this entry's mark and leaves the certificate in place.
            self._say(
                f"{entry}: taking over certificate {certificate_id} from another entry of this stack (a rename "
                "without renamed_from?); the old entry will leave it in place"
            )
        claim = secrets.token_hex(8)
        tags = reconcile(
            ssl,
            entry,
            certificate_id,
            spec,
            alias=detail.alias,
            project=detail.project_id,
            tags=current,
            provider_tags=marks(owner, claim),
        )
        return Created(ssl.describe_certificate_detail(certificate_id), tags, claim)


def _left_by_an_interrupted_create(detail: CertificateDetail, spec: CertificateInputs) -> bool:
    """Whether ``detail`` is this entry's certificate, uploaded by a create that stopped before the state recorded it.

    Such a certificate carries this entry's owner tag, still carries the in-flight ``pulumi:create`` mark (a create
    that completed removed it), and is identical to the one to upload: same type, same PEM (chain included). So the
    certificate a replacement replaces never is, even when the replacement was forced with the same PEM.
    """
    return (
        bool(spec.owner)
        and CREATE_TAG in detail.tags  # a completed create drops it
        and detail.tags.get(OWNER_TAG) == spec.owner
        and detail.certificate_type == spec.certificate_type
        and normalise_pem(detail.public_key) == normalise_pem(spec.certificate)
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, CertificateNotFound):
        return "Tencent Cloud kept answering that it does not exist (CertificateNotFound)"
    return str(error).rstrip(". ") or type(error).__name__


def _pending_message(entry: str, detail: CertificateDetail, domain: str) -> str:
    lines = [
        f"{entry}: the free certificate {detail.certificate_id} for {domain} was not issued within the "
        f"create_timeout (status {detail.status}: {detail.status_message or detail.status_name or 'pending'}).",
    ]
    if detail.dv_auths:
        lines.append("Tencent Cloud is waiting for these domain validation records:")
        for record in detail.dv_auths:
            where = record.path or record.key
            kind = record.verify_type or detail.verify_type or "DNS"
            lines.append(f"  {kind} {record.domain or domain}: {where} = {record.value}")
    lines.append(
        "Publish them, then run `pulumi up` again: it resumes waiting for this application instead of applying "
        "again (raise create_timeout to wait longer)."
    )
    return "\n".join(lines)
