"""Tencent's wire format: CamelCase reply fields -> the typed models, and the few request shapes built twice.

Tencent's CamelCase stops here. Every converter accepts whatever JSON Tencent sends, ``null`` included, and
degrades to an empty value rather than raising: a field Tencent drops must not fail a whole read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .models import CertificateDetail, CertificateSummary, DvAuthRecord

__all__ = [
    "as_int",
    "as_strings",
    "as_text",
    "certificate_detail",
    "certificate_summary",
    "parse_tencent_time",
    "tag_list",
    "tag_resource_name",
]

# Tencent's Describe* times are wall-clock strings in China Standard Time (GMT+8, no DST).
_CHINA = dt.timezone(dt.timedelta(hours=8), "GMT+8")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_tencent_time(value: Any) -> dt.datetime | None:
    """``"2019-08-13 11:08:20"`` (GMT+8) -> an aware UTC datetime; ``None`` for null, empty or unparseable text."""
    if not isinstance(value, str) or not value.strip() or value.startswith("0000"):
        return None
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=_CHINA).astimezone(dt.UTC)
    try:  # an ISO 8601 value with an offset, should Tencent ever send one
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=_CHINA)).astimezone(dt.UTC)


def as_text(value: Any) -> str:
    """A string field; ``""`` for null."""
    return value if isinstance(value, str) else ("" if value is None else str(value))


def as_int(value: Any, default: int = 0) -> int:
    """An integer field, ``default`` when absent or not a number."""
    # ProjectId is an int in requests but a string in Describe* replies; JSON numbers may be floats.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def as_strings(value: Any) -> tuple[str, ...]:
    """A list of strings, nulls and empty strings dropped; ``()`` for null."""
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if v not in (None, ""))


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {
        str(t["TagKey"]): as_text(t.get("TagValue"))
        for t in value
        if isinstance(t, dict) and t.get("TagKey") not in (None, "")
    }


def _fingerprint(value: Any) -> str:
    # Tencent documents CertFingerprint as "SHA1 of the signing cert" without a format; normalise separators/case.
    return as_text(value).replace(":", "").replace(" ", "").lower()


def _dv_auths(value: Any) -> tuple[DvAuthRecord, ...]:
    if not isinstance(value, dict):
        return ()
    entries = value.get("DvAuths")
    if isinstance(entries, list) and entries:
        return tuple(
            DvAuthRecord(
                domain=as_text(e.get("DvAuthDomain")),
                key=as_text(e.get("DvAuthKey")),
                value=as_text(e.get("DvAuthValue")),
                verify_type=as_text(e.get("DvAuthVerifyType")),
                path=as_text(e.get("DvAuthPath")),
                sub_domain=as_text(e.get("DvAuthSubDomain")),
            )
            for e in entries
            if isinstance(e, dict)
        )
    if value.get("DvAuthKey") or value.get("DvAuthValue"):
        return (
            DvAuthRecord(
                domain=as_text(value.get("DvAuthDomain")),
                key=as_text(value.get("DvAuthKey")),
                value=as_text(value.get("DvAuthValue")),
                path=as_text(value.get("DvAuthPath")),
                sub_domain=as_text(value.get("DvAuthKeySubDomain")),
            ),
        )
    return ()


def certificate_detail(reply: Mapping[str, Any], certificate_id: str) -> CertificateDetail:
    """A DescribeCertificateDetail reply as a ``CertificateDetail`` (``certificate_id`` when the reply omits it)."""
    public_key = as_text(reply.get("CertificatePublicKey")).strip()
    return CertificateDetail(
        certificate_id=as_text(reply.get("CertificateId")) or certificate_id,
        domain=as_text(reply.get("Domain")),
        alias=as_text(reply.get("Alias")),
        certificate_type=as_text(reply.get("CertificateType")),
        status=as_int(reply.get("Status"), -1),
        status_message=as_text(reply.get("StatusMsg")),
        status_name=as_text(reply.get("StatusName")),
        project_id=as_int(reply.get("ProjectId")),
        source=as_text(reply.get("From")),
        subject_alt_names=as_strings(reply.get("SubjectAltName")),
        not_before=parse_tencent_time(reply.get("CertBeginTime")),
        not_after=parse_tencent_time(reply.get("CertEndTime")),
        inserted_at=parse_tencent_time(reply.get("InsertTime")),
        fingerprint=_fingerprint(reply.get("CertFingerprint")),
        verify_type=as_text(reply.get("VerifyType")),
        is_dv=bool(reply.get("IsDv")),
        package_type=as_text(reply.get("PackageType")),
        # Tencent may add a trailing newline; Terraform trims it too (resource_tc_ssl_certificate.go, Read).
        public_key=public_key + "\n" if public_key else "",
        tags=_tags(reply.get("Tags")),
        dv_auths=_dv_auths(reply.get("DvAuthDetail")),
    )


def certificate_summary(row: Mapping[str, Any]) -> CertificateSummary:
    """One DescribeCertificates row as a ``CertificateSummary``."""
    return CertificateSummary(
        certificate_id=as_text(row.get("CertificateId")),
        domain=as_text(row.get("Domain")),
        alias=as_text(row.get("Alias")),
        certificate_type=as_text(row.get("CertificateType")),
        status=as_int(row.get("Status"), -1),
        project_id=as_int(row.get("ProjectId")),
        source=as_text(row.get("From")),
        inserted_at=parse_tencent_time(row.get("InsertTime")),
        not_after=parse_tencent_time(row.get("CertEndTime")),
        tags=_tags(row.get("Tags")),
    )


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags in Tencent's request shape: ``[{"TagKey": ..., "TagValue": ...}]``."""
    return [{"TagKey": k, "TagValue": v} for k, v in tags.items()]


def tag_resource_name(certificate_id: str, region: str) -> str:
    """The Tag service's six-part name of a certificate, as Terraform builds it (owner uin left empty)."""
    return f"qcs::ssl:{region}:uin/:certificate/{certificate_id}"
