"""What a DeleteCertificate of a certificate will meet, foretold from its DescribeCertificateDetail (read-only).

Used where a deletion is only being considered: the review's pre-flight, and the warning about a replaced
certificate still waiting to be deleted. The codes and their wording are the table's (``delete_codes``).
"""

from __future__ import annotations

from .delete_codes import DELETE_CODES, DeleteCode
from .models import CertificateDetail, CertificateStatus

__all__ = ["BUSY_STATUSES", "FREE_PACKAGE_TYPES", "expected_refusal"]

#: ``PackageType`` of Tencent's free DV packages (TrustAsia DV, TrustAsia C1 DV Free); any other package is paid.
FREE_PACKAGE_TYPES = frozenset({"2", "83"})
#: Statuses in which Tencent's order or CA is still working on a certificate (being cancelled, revoked, reissued,
#: awaiting a revocation confirmation, migrating): DeleteCertificate answers InvalidCertificateStatusCode meanwhile.
BUSY_STATUSES = frozenset({6, 9, 11, 12, 15})


def expected_refusal(detail: CertificateDetail) -> DeleteCode | None:
    """The refusal a DeleteCertificate of this certificate meets for what it is (a paid order, a busy status), as
    DescribeCertificateDetail shows it; None when nothing in it forbids the deletion."""
    paid = detail.source.lower() not in ("", "upload") and detail.package_type not in FREE_PACKAGE_TYPES
    code = ""
    if paid and detail.reissued_as:
        code = "FailedOperation.OrderAlreadyReplaced"
    elif paid and detail.status == CertificateStatus.ISSUED:
        code = "FailedOperation.CannotBeDeletedIssued"
    elif paid and detail.status == CertificateStatus.PENDING:
        code = "FailedOperation.CancelOrderFailed"
    elif detail.status in BUSY_STATUSES:
        code = "FailedOperation.InvalidCertificateStatusCode"
    return DELETE_CODES[code] if code else None
