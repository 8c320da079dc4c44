"""Tencent's replies -> the typed models: one field table per model, and the converters the tables use.

Adding a field to a model is one row in its table. Every converter takes whatever JSON Tencent sends, ``null``
included, and degrades to an empty value rather than raising: a field Tencent leaves out must not fail a read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any, TypeVar

from .models import CertificateDetail, CertificateSummary, DeleteTask, DeployedResources, DvAuthRecord

__all__ = [
    "CERTIFICATE_DETAIL_FIELDS",
    "CERTIFICATE_SUMMARY_FIELDS",
    "DELETE_TASK_FIELDS",
    "DV_AUTH_DETAIL_FIELDS",
    "DV_AUTH_FIELDS",
    "FieldTable",
    "as_int",
    "as_strings",
    "as_text",
    "certificate_detail",
    "certificate_summary",
    "delete_task",
    "deployed_resources",
    "parse_tencent_time",
    "tag_list",
    "tag_resource_name",
]

# Tencent's Describe* times are wall-clock strings in China Standard Time (GMT+8, no DST).
_CHINA = dt.timezone(dt.timedelta(hours=8), "GMT+8")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")

_Model = TypeVar("_Model")


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
    if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
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


def _status(value: Any) -> int:
    return as_int(value, -1)  # -1: no status in the reply, unlike 0 (PENDING)


def _fingerprint(value: Any) -> str:
    # Tencent documents CertFingerprint as "SHA1 of the signing cert" without a format; normalise separators/case.
    return as_text(value).replace(":", "").replace(" ", "").lower()


def _pem(value: Any) -> str:
    # Tencent may add a trailing newline; Terraform trims it too (resource_tc_ssl_certificate.go, Read).
    text = as_text(value).strip()
    return text + "\n" if text else ""


def _dv_auths(value: Any) -> tuple[DvAuthRecord, ...]:
    if not isinstance(value, dict):
        return ()
    entries = value.get("DvAuths")
    if isinstance(entries, list) and entries:
        return tuple(_build(DvAuthRecord, DV_AUTH_FIELDS, e) for e in entries if isinstance(e, dict))
    # Without a DvAuths list, DvAuthDetail itself carries one record, under partly different keys.
    if value.get("DvAuthKey") or value.get("DvAuthValue"):
        return (_build(DvAuthRecord, DV_AUTH_DETAIL_FIELDS, value),)
    return ()


#: One row per model field: (field name, reply key, converter of the reply's value, ``None`` included).
FieldTable = tuple[tuple[str, str, Callable[[Any], Any]], ...]

DV_AUTH_FIELDS: FieldTable = (
    ("domain", "DvAuthDomain", as_text),
    ("key", "DvAuthKey", as_text),
    ("value", "DvAuthValue", as_text),
    ("verify_type", "DvAuthVerifyType", as_text),
    ("path", "DvAuthPath", as_text),
    ("sub_domain", "DvAuthSubDomain", as_text),
)
#: The record DvAuthDetail holds in its own fields: no verify type, and the sub-domain under another key.
DV_AUTH_DETAIL_FIELDS: FieldTable = tuple(
    (name, "DvAuthKeySubDomain" if name == "sub_domain" else key, convert)
    for name, key, convert in DV_AUTH_FIELDS
    if name != "verify_type"
)


def _reissued_as(extra: Any) -> str:
    return as_text(extra.get("ReplacedFor")) if isinstance(extra, Mapping) else ""


CERTIFICATE_DETAIL_FIELDS: FieldTable = (
    ("certificate_id", "CertificateId", as_text),
    ("domain", "Domain", as_text),
    ("alias", "Alias", as_text),
    ("certificate_type", "CertificateType", as_text),
    ("status", "Status", _status),
    ("status_message", "StatusMsg", as_text),
    ("status_name", "StatusName", as_text),
    ("project_id", "ProjectId", as_int),
    ("source", "From", as_text),
    ("subject_alt_names", "SubjectAltName", as_strings),
    ("not_before", "CertBeginTime", parse_tencent_time),
    ("not_after", "CertEndTime", parse_tencent_time),
    ("inserted_at", "InsertTime", parse_tencent_time),
    ("fingerprint", "CertFingerprint", _fingerprint),
    ("verify_type", "VerifyType", as_text),
    ("is_dv", "IsDv", bool),
    ("package_type", "PackageType", as_text),
    ("public_key", "CertificatePublicKey", _pem),
    ("tags", "Tags", _tags),
    ("dv_auths", "DvAuthDetail", _dv_auths),
    ("reissued_as", "CertificateExtra", _reissued_as),
)
#: A DescribeCertificates row carries some of the detail's fields, under the same keys: the summary's share its rows.
CERTIFICATE_SUMMARY_FIELDS: FieldTable = tuple(
    row for row in CERTIFICATE_DETAIL_FIELDS if row[0] in {f.name for f in fields(CertificateSummary)}
)
DELETE_TASK_FIELDS: FieldTable = (
    ("task_id", "TaskId", as_text),
    ("certificate_id", "CertId", as_text),
    ("status", "Status", _status),
    ("error", "Error", as_text),
    ("domains", "Domains", as_strings),
)


def _build(model: Callable[..., _Model], table: FieldTable, reply: Mapping[str, Any]) -> _Model:
    return model(**{name: convert(reply.get(key)) for name, key, convert in table})


def certificate_detail(reply: Mapping[str, Any], certificate_id: str) -> CertificateDetail:
    """A DescribeCertificateDetail reply as a ``CertificateDetail`` (``certificate_id`` when the reply omits it)."""
    detail = _build(CertificateDetail, CERTIFICATE_DETAIL_FIELDS, reply)
    return detail if detail.certificate_id else replace(detail, certificate_id=certificate_id)


def certificate_summary(row: Mapping[str, Any]) -> CertificateSummary:
    """One DescribeCertificates row as a ``CertificateSummary``."""
    return _build(CertificateSummary, CERTIFICATE_SUMMARY_FIELDS, row)


def delete_task(row: Mapping[str, Any]) -> DeleteTask:
    """One DescribeDeleteCertificatesTaskResult entry as a ``DeleteTask``."""
    return _build(DeleteTask, DELETE_TASK_FIELDS, row)


def deployed_resources(row: Mapping[str, Any], resource_type: str) -> DeployedResources | None:
    """One DescribeDeployedResources row asked for ``resource_type``; ``None`` when it lists no resource."""
    # Resources holds ids or domains; ResourceIds is its deprecated predecessor (API notes, DescribeDeployedResources).
    resources = as_strings(row.get("Resources")) or as_strings(row.get("ResourceIds"))
    count = as_int(row.get("Count"), len(resources))
    if not (count or resources):
        return None
    return DeployedResources(
        certificate_id=as_text(row.get("CertificateId")),
        resource_type=as_text(row.get("Type")) or resource_type,
        count=count,
        resources=resources,
    )


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags in Tencent's request shape: ``[{"TagKey": ..., "TagValue": ...}]``."""
    return [{"TagKey": k, "TagValue": v} for k, v in tags.items()]


def tag_resource_name(certificate_id: str, region: str) -> str:
    """The Tag service's six-part name of a certificate, as Terraform builds it (owner uin left empty)."""
    return f"qcs::ssl:{region}:uin/:certificate/{certificate_id}"
