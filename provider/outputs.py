"""A certificate's outputs: the inputs echoed, plus what Tencent reports (ids, names, dates, status, live tags)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .inputs import CertificateInputs, iso
from .pem import sha1_fingerprint
from .ssl import CertificateDetail, CertificateStatus

__all__ = ["OUTPUT_NAMES", "outputs", "status_name"]

#: Computed outputs (besides the inputs, which are echoed; alias, project_id and tags hold the live values).
OUTPUT_NAMES = (
    "certificate_id",
    "domain",
    "subject_alt_names",
    "not_before",
    "not_after",
    "status",
    "status_name",
    "fingerprint",
    "certificate_type",
    "claim",
    "predecessor",
)


def outputs(
    spec: CertificateInputs,
    detail: CertificateDetail,
    tags: Mapping[str, str],
    claim: str | None = None,
    predecessor: str = "",
) -> dict[str, Any]:
    """The complete outputs of a certificate from its inputs, its detail, its user tags and its claim.

    ``claim`` is the ``pulumi:claim`` of the create that took the certificate (``provider.ownership``); the delete
    compares it with the certificate's. ``predecessor`` is the certificate a replacement replaced: preview checks
    whether it is still waiting to be deleted.
    """
    outs = spec.to_props()
    fingerprint = detail.fingerprint
    if not fingerprint and spec.certificate:
        fingerprint = sha1_fingerprint(spec.certificate)
    outs.update(
        certificate_id=detail.certificate_id,
        domain=detail.domain,
        subject_alt_names=list(detail.domains),
        not_before=iso(detail.not_before),
        not_after=iso(detail.not_after),
        status=int(detail.status),
        status_name=detail.status_name or status_name(detail.status),
        fingerprint=fingerprint,
        certificate_type=detail.certificate_type or spec.certificate_type,
        alias=detail.alias,
        project_id=detail.project_id,
        tags=dict(tags),
    )
    if claim:
        outs["claim"] = claim
    if predecessor:
        outs["predecessor"] = predecessor
    return outs


def status_name(status: int) -> str:
    """A readable name for a certificate status Tencent gave no name for."""
    try:
        return CertificateStatus(status).name.lower().replace("_", " ")
    except ValueError:
        return f"status {status}"
