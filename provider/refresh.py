"""Refreshing a certificate (``read``) from DescribeCertificates rows the process reads for many certificates at once.

``pulumi refresh`` reads every certificate of the stack at once. One DescribeCertificates call by id (``CertIds``, up
to 100, tags included), started after the read asked, serves all the reads that asked while the one before it ran: a
few calls for hundreds of certificates instead of a detail read and a tag read each, whatever the size of the
account. A row holds what the outputs need except the fingerprint, which is kept from the recorded outputs (a
certificate's PEM never changes under its id). A certificate without a row is read by id, so one deleted out of band
still leaves the state exactly as before."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .inputs import CertificateInputs, recorded_claim, recorded_predecessors
from .outputs import outputs, refreshed_inputs
from .rules import REPLACES_SEPARATOR, user_tags
from .sharing import Shared
from .ssl import CertificateDetail, CertificateNotFound, CertificateSummary, SslService
from .tencentcloud.errors import TencentCloudError

__all__ = ["Refreshed", "detail_from_row", "refresh"]


@dataclass(frozen=True)
class Refreshed:
    """What a read found: ``None`` for a certificate that no longer exists."""

    outputs: dict[str, Any]
    inputs: dict[str, Any] | None  # None: the engine keeps the stored inputs (provider.outputs.refreshed_inputs)


def detail_from_row(row: CertificateSummary, fingerprint: str = "") -> CertificateDetail:
    """A DescribeCertificates row as the detail fields the outputs use; ``fingerprint`` from the recorded outputs."""
    # Every summary field is a detail field of the same name (provider.ssl.wire maps both from one table).
    listed = {f.name: getattr(row, f.name) for f in fields(CertificateSummary)}
    return CertificateDetail(
        **{**listed, "tags": dict(row.tags)},
        fingerprint=fingerprint,
        verify_type="",
        is_dv=False,
        package_type="",
        public_key="",
    )


def refresh(ssl: SslService, shared: Shared, id_: str, props: Mapping[str, Any]) -> Refreshed | None:
    """The outputs and inputs of certificate ``id_`` as Tencent holds it now; ``None`` once it is gone."""
    row = _row(shared, id_)
    if row is not None:
        detail = detail_from_row(row, str(props.get("fingerprint") or ""))
        tags = user_tags(row.tags)
    else:
        try:
            detail = ssl.describe_certificate_detail(id_)
            tags = user_tags(ssl.get_tags(id_))
        except CertificateNotFound:
            return None
    # A state without a source (imported with `pulumi import`) reads as an adoption of that id.
    spec = CertificateInputs.parse(props if props.get("source") else {**props, "source": "adopt", "adopt_id": id_})
    # Each recorded predecessor stays recorded while it exists (its deletion is pending).
    kept = [p for p in recorded_predecessors(props) if _row(shared, p) is not None or _still_there(ssl, p)]
    predecessor = REPLACES_SEPARATOR.join(kept)
    outs = outputs(spec, detail, tags, recorded_claim(props), predecessor, recorded=props)
    return Refreshed(outs, refreshed_inputs(props, outs))


def _row(shared: Shared, certificate_id: str) -> CertificateSummary | None:
    """The certificate's DescribeCertificates row, read by id with the other reads running now (``None``: not there,
    or the read failed: the caller then reads it on its own)."""
    try:
        return shared.rows.get(certificate_id)
    except TencentCloudError:
        return None


def _still_there(ssl: SslService, certificate_id: str) -> str:
    """``certificate_id`` while it exists ("" once gone): refresh forgets a deleted one."""
    try:
        return ssl.describe_certificate_detail(certificate_id).certificate_id
    except CertificateNotFound:
        return ""
