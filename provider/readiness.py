"""Waiting for a certificate Tencent is still processing: a fresh upload's first reads, an upload until usable, a
free certificate until issued."""

from __future__ import annotations

from collections.abc import Callable

from .errors import CertificateError
from .ssl import CertificateDetail, CertificateNotFound, CertificateStatus, SslService
from .waiting import Timing

__all__ = ["WAITING_STATUSES", "fresh_detail", "pending_message", "wait_issued", "wait_usable"]

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


def fresh_detail(ssl: SslService, timing: Timing, certificate_id: str) -> CertificateDetail:
    """The detail of a certificate uploaded a moment ago, which Tencent may not be able to read yet."""
    delay = timing.first_poll
    for attempt in range(_FRESH_READS):
        try:
            return ssl.describe_certificate_detail(certificate_id)
        except CertificateNotFound:
            if attempt == _FRESH_READS - 1:
                raise
        delay = timing.pause(delay, timing.clock() + delay)
    raise AssertionError("unreachable")


def wait_usable(
    ssl: SslService, timing: Timing, entry: str, detail: CertificateDetail, deadline: float
) -> CertificateDetail:
    """Wait until an uploaded certificate is usable (Status 1, or 3 for an expired one allowed by check).

    ``detail`` is the first reading; the certificate is read again only while Tencent is still processing it.
    """
    certificate_id = detail.certificate_id
    delay = timing.first_poll
    while True:
        if detail.status in (CertificateStatus.ISSUED, CertificateStatus.EXPIRED):
            return detail
        if detail.status not in WAITING_STATUSES:
            raise CertificateError(
                f"{entry}: certificate {certificate_id} was rejected by Tencent Cloud: status {detail.status} "
                f"{detail.status_name or ''} {detail.status_message or ''}".rstrip()
            )
        if timing.clock() >= deadline:
            raise CertificateError(
                f"{entry}: certificate {certificate_id} is still not usable (status {detail.status}) at the "
                "create_timeout; it was removed, run `pulumi up` again"
            )
        delay = timing.pause(delay, deadline)
        detail = ssl.describe_certificate_detail(certificate_id)


def wait_issued(
    ssl: SslService,
    timing: Timing,
    say: Callable[[str], None],
    entry: str,
    certificate_id: str,
    domain: str,
    deadline: float,
) -> CertificateDetail:
    delay = timing.first_poll
    last_report = timing.clock()
    while True:
        detail = ssl.describe_certificate_detail(certificate_id)
        if detail.status == CertificateStatus.ISSUED:
            return detail
        if detail.status not in WAITING_STATUSES:
            raise CertificateError(
                f"{entry}: the free certificate {certificate_id} for {domain} was not issued: status "
                f"{detail.status} {detail.status_name} {detail.status_message}".rstrip()
            )
        now = timing.clock()
        if now >= deadline:
            raise CertificateError(pending_message(entry, detail, domain))
        if now - last_report >= timing.progress_every:
            last_report = now
            say(
                f"{entry}: waiting for the free certificate {certificate_id} for {domain} to be issued "
                f"({detail.status_message or detail.status_name or 'pending'})"
            )
        delay = timing.pause(delay, deadline)


def pending_message(entry: str, detail: CertificateDetail, domain: str) -> str:
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
