"""SSL certificate actions (version 2019-12-05): upload, apply, describe, list, modify."""

from __future__ import annotations

import re
from typing import Any

from emulator.context import SSL, Context, action
from emulator.errors import check_project, invalid_value, missing, not_found
from emulator.params import TAG_LIST, Bool, Int, List, Str
from emulator.pem import ParsedCertificate, check_key_matches, parse_chain
from emulator.records import FREE_SOURCE, UPLOAD_SOURCE, Certificate
from emulator.tag_actions import normalise_tags
from emulator.views import certificate, certificate_detail, effective_status, list_item

__all__ = ["ACTIONS", "store_upload"]

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_MAX_LIMIT = 1000
_CERT_TYPES = ("SVR", "CA")


def _get(ctx: Context, cert_id: str) -> Certificate:
    cert = ctx.store.get_cert(cert_id)
    if cert is None:
        raise not_found(cert_id)
    return cert


@action(
    SSL,
    "UploadCertificate",
    {
        "CertificatePublicKey": Str(required=True),
        "CertificatePrivateKey": Str(),
        "CertificateType": Str(choices=_CERT_TYPES),
        "Alias": Str(),
        "ProjectId": Int(minimum=0),
        "CertificateUse": Str(),
        "Tags": TAG_LIST,
        "Repeatable": Bool(),
        "KeyPassword": Str(),
    },
)
def upload_certificate(ctx: Context) -> dict[str, Any]:
    """Parse and store an existing certificate; ``Repeatable=false`` returns an identical one instead."""
    p = ctx.params
    cert_type = p.get("CertificateType", "SVR")
    parsed = parse_chain(p["CertificatePublicKey"])
    key = p.get("CertificatePrivateKey") or None
    if cert_type == "SVR" and key is None:
        raise missing("CertificatePrivateKey")
    if key is not None:
        check_key_matches(parsed, key, p.get("KeyPassword"))
    tags = normalise_tags(p.get("Tags", []))
    if p.get("Repeatable", True) is False:
        for existing in ctx.store.certs():
            if existing.fingerprint == parsed.fingerprint and existing.certificate_type == cert_type:
                # Observed behaviour: no error, and CertificateId itself is the existing certificate's id.
                return {"CertificateId": existing.id, "RepeatCertId": existing.id}
    cert = store_upload(
        ctx,
        parsed,
        p["CertificatePublicKey"],
        key,
        cert_type=cert_type,
        project_id=p.get("ProjectId", 0),
        alias=p.get("Alias", ""),
        certificate_use=p.get("CertificateUse"),
    )
    ctx.store.set_tags(cert.id, tags)
    return {"CertificateId": cert.id, "RepeatCertId": ""}


def store_upload(
    ctx: Context,
    parsed: ParsedCertificate,
    public_key: str,
    private_key: str | None,
    *,
    cert_type: str = "SVR",
    project_id: int = 0,
    alias: str = "",
    certificate_use: str | None = None,
    allow_download: bool = True,
) -> Certificate:
    """Store an uploaded (already parsed and key-checked) certificate as a new one (UploadCertificate's record)."""
    days = (parsed.not_after - parsed.not_before) / 86400
    cert = Certificate(
        id=ctx.store.new_id(),
        seq=ctx.store.next_seq(),
        source=UPLOAD_SOURCE,
        certificate_type=cert_type,
        project_id=project_id,
        alias=alias,
        insert_time=ctx.now,
        status=1,
        domain=parsed.domain,
        sans=list(parsed.sans),
        public_key=public_key,
        private_key=private_key,
        fingerprint=parsed.fingerprint,
        not_before=parsed.not_before,
        not_after=parsed.not_after,
        issuer_cn=parsed.issuer_cn,
        algorithm=parsed.algorithm,
        chain=[entry.__dict__ for entry in parsed.chain],
        certificate_use=certificate_use,
        validity_period=str(max(1, round(days / 30))),
        allow_download=allow_download,
    )
    ctx.store.put_cert(cert)
    return cert


def _dv_auths(ctx: Context, domain: str, method: str) -> list[dict[str, Any]]:
    labels = domain.split(".")
    zone, sub = ".".join(labels[-2:]), ".".join(labels[:-2])
    if method == "FILE":
        return [
            {
                "DvAuthKey": "fileauth.txt",
                "DvAuthValue": ctx.store.token(),
                "DvAuthDomain": domain,
                "DvAuthPath": "/.well-known/pki-validation/",
                "DvAuthSubDomain": "",
                "DvAuthVerifyType": "FILE",
            }
        ]
    record = "_dnsauth" + (f".{sub}" if sub else "")
    return [
        {
            "DvAuthKey": record,
            "DvAuthValue": ctx.store.token(),
            "DvAuthDomain": zone,
            "DvAuthPath": "",
            "DvAuthSubDomain": record,
            "DvAuthVerifyType": "DNS",
        }
    ]


@action(
    SSL,
    "ApplyCertificate",
    {
        "DvAuthMethod": Str(required=True, choices=("DNS_AUTO", "DNS", "FILE")),
        "DomainName": Str(required=True),
        "ProjectId": Int(minimum=0),
        "PackageType": Str(),
        "ContactEmail": Str(),
        "ContactPhone": Str(),
        "ValidityPeriod": Str(choices=("3", "12")),
        "CsrEncryptAlgo": Str(choices=("RSA", "ECC")),
        "CsrKeyParameter": Str(choices=("2048", "prime256v1")),
        "CsrKeyPassword": Str(),
        "Alias": Str(),
        "OldCertificateId": Str(),
        "PackageId": Str(),
        "DeleteDnsAutoRecord": Bool(),
        "DnsNames": List(Str()),
    },
)
def apply_certificate(ctx: Context) -> dict[str, Any]:
    """Order a free DV certificate: pending (Status 0) until ``FreeCertIssueSeconds`` of emulator time pass."""
    p = ctx.params
    domain = p["DomainName"].strip().lower()
    if not _DOMAIN.match(domain):
        raise invalid_value("DomainName", "a free DV certificate needs one fully qualified, non-wildcard domain")
    algorithm = p.get("CsrEncryptAlgo", "RSA")
    key_parameter = p.get("CsrKeyParameter")
    if algorithm == "ECC" and key_parameter is None:
        raise missing("CsrKeyParameter")
    if key_parameter not in (None, "prime256v1" if algorithm == "ECC" else "2048"):
        raise invalid_value("CsrKeyParameter", f"{algorithm} needs {'prime256v1' if algorithm == 'ECC' else '2048'}")
    old = p.get("OldCertificateId")
    if old:
        _get(ctx, old)
    cert = Certificate(
        id=ctx.store.new_id(),
        seq=ctx.store.next_seq(),
        source=FREE_SOURCE,
        certificate_type="SVR",
        project_id=p.get("ProjectId", 0),
        alias=p.get("Alias", ""),
        insert_time=ctx.now,
        status=0,
        domain=domain,
        status_msg="PENDING-DCV",
        verify_type=p["DvAuthMethod"],
        package_type=p.get("PackageType", "83"),
        validity_period=p.get("ValidityPeriod", "3"),
        issue_at=ctx.now + ctx.settings.FreeCertIssueSeconds,
        dv_auths=_dv_auths(ctx, domain, p["DvAuthMethod"]),
        order_id="TrustAsia_" + ctx.store.token(16),
        csr_algorithm=algorithm,
        old_certificate_id=old,
    )
    ctx.store.put_cert(cert)
    return {"CertificateId": cert.id}


@action(SSL, "DescribeCertificate", {"CertificateId": Str(required=True)})
def describe_certificate(ctx: Context) -> dict[str, Any]:
    """One certificate, without key material."""
    cert = _get(ctx, ctx.params["CertificateId"])
    check_project(ctx, cert)
    return certificate(cert, ctx.now, ctx.store.tags(cert.id), ctx.owner_uin)


@action(SSL, "DescribeCertificateDetail", {"CertificateId": Str(required=True)})
def describe_certificate_detail(ctx: Context) -> dict[str, Any]:
    """One certificate with its PEM, private key and fingerprint."""
    cert = _get(ctx, ctx.params["CertificateId"])
    check_project(ctx, cert)
    return certificate_detail(cert, ctx.now, ctx.store.tags(cert.id), ctx.owner_uin)


def _matches(ctx: Context, cert: Certificate, tags: dict[str, str]) -> bool:
    p = ctx.params
    search = p.get("SearchKey", "").strip().lower()
    if search and not any(search in (v or "").lower() for v in [cert.id, cert.alias, *cert.all_domains()]):
        return False
    if "CertificateType" in p and cert.certificate_type != p["CertificateType"]:
        return False
    if "ProjectId" in p and cert.project_id != p["ProjectId"]:
        return False
    if p.get("CertIds") and cert.id not in p["CertIds"]:
        return False
    if p.get("CertificateStatus") and effective_status(cert, ctx.now) not in p["CertificateStatus"]:
        return False
    source = p.get("FilterSource") or ("upload" if p.get("Upload") == 1 else None)
    if source == "upload" and cert.source != UPLOAD_SOURCE or source == "buy" and cert.source == UPLOAD_SOURCE:
        return False
    if p.get("IsPendingIssue") == 1 and cert.status == 1:
        return False
    if p.get("FilterExpiring") == 1 and not (cert.not_after and ctx.now <= cert.not_after < ctx.now + 30 * 86400):
        return False
    # An exact key and value: Tencent documents no wildcard value (an empty or absent TagValue matches only an
    # empty value), and a product relying on one would find nothing on the real cloud.
    for wanted in p.get("Tags", []):
        if tags.get(wanted["TagKey"]) != wanted.get("TagValue", ""):
            return False
    return True


@action(
    SSL,
    "DescribeCertificates",
    {
        "Offset": Int(minimum=0),
        "Limit": Int(minimum=0),
        "SearchKey": Str(),
        "CertificateType": Str(choices=_CERT_TYPES),
        "ProjectId": Int(),
        "ExpirationSort": Str(choices=("ASC", "DESC")),
        "CertificateStatus": List(Int()),
        "Deployable": Int(choices=(0, 1)),
        "Upload": Int(choices=(0, 1)),
        "Renew": Int(choices=(0, 1)),
        "FilterSource": Str(choices=("upload", "buy")),
        "IsSM": Int(choices=(0, 1)),
        "FilterExpiring": Int(choices=(0, 1)),
        "Hostable": Int(choices=(0, 1)),
        "Tags": TAG_LIST,
        "IsPendingIssue": Int(choices=(0, 1)),
        "CertIds": List(Str()),
        "ServiceId": Str(),
    },
)
def describe_certificates(ctx: Context) -> dict[str, Any]:
    """A filtered page of certificates, newest first (or by expiry with ``ExpirationSort``)."""
    p = ctx.params
    offset = p.get("Offset", 0)
    # Tencent treats a Limit above 1000 as 1000 rather than failing.
    limit = min(p.get("Limit", 10), _MAX_LIMIT)
    rows = [(cert, ctx.store.tags(cert.id)) for cert in ctx.store.certs()]
    rows = [(cert, tags) for cert, tags in rows if _matches(ctx, cert, tags)]
    if "ExpirationSort" in p:
        rows.sort(key=lambda row: row[0].not_after or float("inf"), reverse=p["ExpirationSort"] == "DESC")
    page = rows[offset : offset + limit]
    return {
        "TotalCount": len(rows),
        "Certificates": [list_item(cert, ctx.now, tags, ctx.owner_uin) for cert, tags in page],
    }


@action(SSL, "ModifyCertificateAlias", {"CertificateId": Str(required=True), "Alias": Str()})
def modify_certificate_alias(ctx: Context) -> dict[str, Any]:
    """Rename a certificate (an absent Alias clears it)."""
    cert = _get(ctx, ctx.params["CertificateId"])
    cert.alias = ctx.params.get("Alias", "")
    ctx.store.put_cert(cert)
    return {"CertificateId": cert.id}


@action(
    SSL,
    "ModifyCertificateProject",
    {"CertificateIdList": List(Str(), required=True, max_items=100), "ProjectId": Int(required=True, minimum=0)},
)
def modify_certificate_project(ctx: Context) -> dict[str, Any]:
    """Move certificates to a project; unknown ids land in ``FailCertificates`` without an error code."""
    success: list[str] = []
    fail: list[str] = []
    for cert_id in dict.fromkeys(ctx.params["CertificateIdList"]):
        cert = ctx.store.get_cert(cert_id)
        if cert is None:
            fail.append(cert_id)
            continue
        cert.project_id = ctx.params["ProjectId"]
        ctx.store.put_cert(cert)
        success.append(cert_id)
    return {"SuccessCertificates": success, "FailCertificates": fail}


ACTIONS = [
    upload_certificate,
    apply_certificate,
    describe_certificate,
    describe_certificate_detail,
    describe_certificates,
    modify_certificate_alias,
    modify_certificate_project,
]
