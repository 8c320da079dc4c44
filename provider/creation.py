"""Creating a certificate: upload, apply for a free one, or adopt; and bringing alias, project and tags in line.

A create whose reply was lost must not leave a second certificate behind: every upload is marked with a one-off
``pulumi:create`` tag (an application with a one-off alias), found again after a failure and de-duplicated, and sent
with ``Repeatable=false`` so that an attempt committed after the client's retry adds nothing. A certificate uploaded
by a create that was killed before the state recorded it (``pulumi:owner`` tag, same PEM) is used, not uploaded again.
Every create marks its certificate with the entry's owner token and its own claim (``provider.ownership``), the
marks the delete rule reads; an adoption of a certificate another stack manages is refused unless ``take_over``.
A replacement's create also names the certificate it replaces (``pulumi:replaces``, learnt from the engine's diff:
``provider.handover``), the link the old certificate's rotation follows. A certificate this create uploaded is
removed again when the create fails after the upload, so none is orphaned.

Calls per upload: UploadCertificate and one DescribeCertificateDetail (which already shows an uploaded certificate
usable), plus a share of UnTagResources calls made for many creates at once (``provider.sharing``), which drops the
in-flight mark of up to ten completed creates. The search for this create's mark runs only when the upload was
ambiguous (an attempt that failed without a clear refusal, or a reply without an id).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import CertificateError
from .inputs import CertificateInputs
from .ownership import Holder, holder_of, marks
from .pem import normalise_pem
from .readiness import WAITING_STATUSES, fresh_detail, wait_issued, wait_usable
from .reconcile import reconcile
from .rules import CLAIM_TAG, CREATE_TAG, OWNER_TAG, REPLACES_SEPARATOR, REPLACES_TAG, split_replaced
from .sharing import Step
from .ssl import (
    CertificateDetail,
    CertificateNotFound,
    CertificateStatus,
    CertificateSummary,
    DeletionRefused,
)
from .tencentcloud.errors import TencentCloudError

__all__ = ["WAITING_STATUSES", "Created", "Creator"]


@dataclass(frozen=True)
class Created:
    """What a create made or took: the certificate's detail, its user tags and the claim it wrote."""

    detail: CertificateDetail
    tags: dict[str, str]
    claim: str
    predecessor: str = ""  # the certificate a replacement replaces (recorded also as its pulumi:replaces tag)


class Creator(Step):
    """One create call's work: ``upload``, ``apply`` or ``adopt`` return what they made or took (``Created``)."""

    # -- upload

    def upload(self, spec: CertificateInputs, replaces: str = "") -> Created:
        """UploadCertificate (marked for de-duplication), then wait until Tencent says it is usable.

        ``replaces`` is the certificate this create replaces (``provider.handover``): the upload names it in its
        ``pulumi:replaces`` tag, the one fact the old certificate's delete rotates by.
        """
        with self._shared.marks.expecting():
            return self._upload_marked(spec, replaces)

    def _upload_marked(self, spec: CertificateInputs, replaces: str) -> Created:
        ssl = self._ssl
        entry = spec.entry
        wanted_tags = dict(spec.tags)
        # A fresh token per create marks every certificate this call uploads, so a retried upload whose first
        # reply was lost (the client retries transport errors) can be found and its duplicate removed. It stays on
        # the certificate as its claim once the create is complete.
        nonce = secrets.token_hex(8)
        tags = {**wanted_tags, **marks(spec.owner, nonce, replaces), CREATE_TAG: nonce}
        # Repeatable=false: when an attempt the client gave up on (a lost or slow reply) was committed, even after
        # the retry, Tencent answers the other attempt with that certificate instead of storing a second one. It
        # answers with any identical certificate, though, so the tags say whose it is.
        certificate_id, ambiguous = self._upload(entry, spec, tags, nonce, repeatable=False)
        ours: set[str] = set()  # certificates known to be this entry's, removed again if the create fails
        claimed = True  # whether the certificate carries this create's claim already
        try:
            detail = fresh_detail(self._ssl, self._timing, certificate_id)
            if detail.tags.get(CREATE_TAG) == nonce:
                ours.add(certificate_id)
            elif _left_by_an_interrupted_create(detail, spec):
                ours.add(certificate_id)
                claimed = False
                self._say(
                    f"{entry}: using certificate {certificate_id}, uploaded for this entry by an earlier run that "
                    "was interrupted before it could record it"
                )
                reconcile(
                    ssl,
                    entry,
                    certificate_id,
                    spec,
                    alias=detail.alias,
                    project=detail.project_id,
                    tags=detail.tags,
                    provider_tags=_replacing(replaces, detail.tags),
                )
                detail = ssl.describe_certificate_detail(certificate_id)  # as reconciled
            else:  # someone else's identical certificate: never taken over
                if _left_by_this_entry(detail, spec, replaces):
                    self._say(_stray_message(entry, certificate_id))
                certificate_id, again = self._upload(entry, spec, tags, nonce, repeatable=True)
                ambiguous = ambiguous or again
                ours.add(certificate_id)
                detail = fresh_detail(self._ssl, self._timing, certificate_id)
            if ambiguous:  # an attempt that seemed to fail may have stored a second certificate
                self._remove_duplicates(entry, nonce, keep=certificate_id)
            deadline = self._timing.clock() + spec.create_timeout
            # The detail read above is the first readiness poll.
            detail = wait_usable(self._ssl, self._timing, entry, detail, deadline)
            # The create is complete and the engine records it next: drop the in-flight mark (so an identical
            # upload by a later create of this entry, a forced replace, never takes this certificate for one an
            # interrupted create left behind) and claim it for this create. The claim was set at upload: only the
            # mark goes, in a call shared with other creates finishing now.
            if claimed:
                self._shared.marks.drop(certificate_id)
            else:
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
        return Created(detail, wanted_tags, nonce, replaces)

    def _remove_duplicates(self, entry: str, nonce: str, keep: str) -> None:
        """Remove what a retried upload stored besides ``keep`` (this create's in-flight mark ``nonce``)."""
        for duplicate in self._uploaded_by(nonce):
            if duplicate != keep:
                self._discard(entry, duplicate)
                self._say(f"{entry}: removed duplicate certificate {duplicate} left by a retried upload")

    def _upload(
        self, entry: str, spec: CertificateInputs, tags: dict[str, str], nonce: str, repeatable: bool
    ) -> tuple[str, bool]:
        """The id of the certificate uploaded, and whether an earlier attempt may have stored one as well."""
        try:
            uploaded = self._ssl.upload(
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
            return survivors[0], True
        if not uploaded.certificate_id:
            # A reply without an id (seen as a blank id in later messages): find what this call created, if anything.
            survivors = self._uploaded_by(nonce)
            if not survivors:
                raise CertificateError(
                    f"{entry}: uploading the certificate failed: Tencent Cloud's UploadCertificate reply named no "
                    "certificate id, and no certificate carrying this upload's mark could be found. Run `pulumi up` "
                    "again: a certificate this upload did make is found by its marks and used, not uploaded twice"
                )
            self._say(f"{entry}: the upload reply named no certificate; certificate {survivors[0]} had been created")
            return survivors[0], True
        return uploaded.certificate_id, uploaded.ambiguous

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

    # -- apply (free DV)

    def apply(self, spec: CertificateInputs, replaces: str = "") -> Created:
        """ApplyCertificate (or resume this resource's pending application), then wait until it is issued.

        ``replaces``: as for ``upload``.
        """
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
            ssl.change_tags(certificate_id, replace={**marks(owner, nonce, replaces), CREATE_TAG: nonce})
            self._say(f"{entry}: applied for a free certificate for {domain}: {certificate_id}")
        reconcile(ssl, entry, certificate_id, spec, alias=None, project=None, tags=None)
        detail = wait_issued(self._ssl, self._timing, self._say, entry, certificate_id, domain, deadline)
        # Complete: drop the in-flight mark, so a later create of this entry never takes this certificate over, and
        # claim it for this create.
        # An application resumed from an earlier run may name no predecessor yet, or another one.
        named = {REPLACES_TAG: replaces} if replaces else {}
        ssl.change_tags(certificate_id, replace={CLAIM_TAG: nonce, **named}, delete=[CREATE_TAG])
        return Created(detail, wanted_tags, nonce, replaces)

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

    # -- adopt

    def adopt(self, spec: CertificateInputs, replaces: str = "") -> Created:
        """Take over an existing certificate (unless another stack manages it) and reconcile it; mark it ours.

        ``replaces``: as for ``upload`` (never the adopted certificate itself).
        """
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
        replaces = REPLACES_SEPARATOR.join(i for i in split_replaced(replaces) if i != certificate_id)
        tags = reconcile(
            ssl,
            entry,
            certificate_id,
            spec,
            alias=detail.alias,
            project=detail.project_id,
            tags=current,
            provider_tags=marks(owner, claim, replaces),
        )
        return Created(ssl.describe_certificate_detail(certificate_id), tags, claim, replaces)


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


def _left_by_this_entry(detail: CertificateDetail, spec: CertificateInputs, replaces: str) -> bool:
    """Whether ``detail``, identical to the one to upload but not one an interrupted create left, is marked as this
    entry's and is not the certificate this create replaces: a certificate a completed create made that the state
    may not hold (the run was killed after the create, before Pulumi recorded it; or it was retained)."""
    return (
        bool(spec.owner)
        and detail.tags.get(OWNER_TAG) == spec.owner
        and detail.certificate_id != replaces
        and detail.certificate_type == spec.certificate_type
        and normalise_pem(detail.public_key) == normalise_pem(spec.certificate)
    )


def _stray_message(entry: str, certificate_id: str) -> str:
    # Not taken: a certificate the state holds (a replaced one still pending deletion) carries the same marks, and
    # the create cannot see the state. The user can: the message must name the certificate, or it is left silently.
    return (
        f"{entry}: certificate {certificate_id} is identical to this upload and marked as this entry's, but its "
        "create completed earlier (a run killed after that create, before Pulumi recorded it, or a retain: true "
        "removal): a new certificate is uploaded. If `pulumi stack export` does not list "
        f"{certificate_id}, it is in no stack: adopt it (`adopt: {certificate_id}` for an entry) or delete it"
    )


def _replacing(replaces: str, tags: Mapping[str, str]) -> dict[str, str] | None:
    """The ``pulumi:replaces`` mark an interrupted create's certificate needs, when it names another (or none)."""
    return {REPLACES_TAG: replaces} if replaces and tags.get(REPLACES_TAG) != replaces else None


def _reason(error: BaseException) -> str:
    if isinstance(error, CertificateNotFound):
        return "Tencent Cloud kept answering that it does not exist (CertificateNotFound)"
    return str(error).rstrip(". ") or type(error).__name__
