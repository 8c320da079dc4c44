"""How a certificate looks in DescribeCertificate, DescribeCertificateDetail and DescribeCertificates responses.

Tencent quirks kept on purpose: ``ProjectId`` is a string here (an integer in requests); times are GMT+8
``YYYY-MM-DD HH:MM:SS``; absent values are JSON ``null``; ``SubjectAltName`` includes the main domain in
DescribeCertificate(s) but not in DescribeCertificateDetail.
"""

from __future__ import annotations

from typing import Any

from emulator.clock import gmt8
from emulator.records import Certificate

__all__ = ["FREE_PACKAGE_NAME", "certificate", "certificate_detail", "effective_status", "list_item", "tag_list"]

FREE_PACKAGE_NAME = "TrustAsia C1 DV Free"
_STATUS_NAMES = {
    0: "Reviewing",
    1: "Issued",
    2: "Review failed",
    3: "Expired",
    4: "DNS record added automatically",
}
_EXPIRING_SECONDS = 30 * 86400

# The documented response fields of each view, in the SDK models' order (tencentcloud-sdk-python-ssl 3.1.145);
# every one is always present, JSON null when there is no value.
_DESCRIBE_FIELDS = (
    "OwnerUin ProjectId From CertificateType PackageType ProductZhName Domain Alias Status StatusMsg VerifyType "
    "VulnerabilityStatus CertBeginTime CertEndTime ValidityPeriod InsertTime OrderId CertificateExtra DvAuthDetail "
    "VulnerabilityReport CertificateId PackageTypeName StatusName SubjectAltName IsVip IsWildcard IsDv "
    "IsVulnerability RenewAble SubmittedData Deployable Tags CAEncryptAlgorithms CACommonNames CAEndTimes "
    "DvRevokeAuthDetail"
).split()
_DETAIL_FIELDS = (
    "OwnerUin ProjectId From CertificateType PackageType ProductZhName Domain Alias Status StatusMsg VerifyType "
    "VulnerabilityStatus CertBeginTime CertEndTime ValidityPeriod InsertTime OrderId CertificateExtra "
    "CertificatePrivateKey CertificatePublicKey DvAuthDetail VulnerabilityReport CertificateId TypeName StatusName "
    "SubjectAltName IsVip IsWildcard IsDv IsVulnerability SubmittedData RenewAble Deployable Tags RootCert "
    "EncryptCert EncryptPrivateKey CertFingerprint EncryptCertFingerprint EncryptAlgorithm DvRevokeAuthDetail "
    "CertChainInfo DomainType CertType UseCrossSignRoot HostingStatus"
).split()
_LIST_FIELDS = (
    "OwnerUin ProjectId From PackageType CertificateType ProductZhName Domain Alias Status CertificateExtra "
    "VulnerabilityStatus StatusMsg VerifyType CertBeginTime CertEndTime ValidityPeriod InsertTime CertificateId "
    "SubjectAltName PackageTypeName StatusName IsVip IsDv IsWildcard IsVulnerability RenewAble ProjectInfo "
    "BoundResource Deployable Tags IsIgnore IsSM EncryptAlgorithm CAEncryptAlgorithms CAEndTimes CACommonNames "
    "PreAuditInfo AutoRenewFlag HostingStatus HostingCompleteTime HostingRenewCertId HasRenewOrder "
    "ReplaceOriCertIsDelete IsExpiring DVAuthDeadline ValidationPassedTime CertSANs AwaitingValidationMsg "
    "AllowDownload IsDNSPODResolve IsPackage KeyPasswordCustomFlag SupportDownloadType CertRevokedTime "
    "HostingResourceTypes HostingConfig IsHostingUploadRenewCert ServiceId ServiceStatus CertServiceBeginTime "
    "CertServiceEndTime CertServiceShareEnabled CertServiceValidCertificateCount"
).split()


def _select(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {name: values[name] for name in names}


def effective_status(cert: Certificate, now: float) -> int:
    """The stored status, except that an issued certificate past its end time reads as expired (3)."""
    if cert.status == 1 and cert.not_after is not None and cert.not_after < now:
        return 3
    return cert.status


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags as ``[{"TagKey", "TagValue"}]``."""
    return [{"TagKey": k, "TagValue": v} for k, v in tags.items()]


def _is_wildcard(cert: Certificate) -> bool:
    return any(name.startswith("*.") for name in cert.all_domains())


def _common(cert: Certificate, now: float, tags: dict[str, str], owner_uin: str) -> dict[str, Any]:
    status = effective_status(cert, now)
    domains = cert.all_domains()
    is_ca = cert.certificate_type == "CA"
    return {
        "OwnerUin": owner_uin,
        "ProjectId": str(cert.project_id),
        "From": cert.source,
        "CertificateType": cert.certificate_type,
        "PackageType": cert.package_type,
        "ProductZhName": FREE_PACKAGE_NAME if cert.is_free else cert.issuer_cn,
        "Domain": cert.domain,
        "Alias": cert.alias,
        "Status": status,
        "StatusMsg": cert.status_msg,
        "VerifyType": cert.verify_type,
        "VulnerabilityStatus": "INACTIVE",
        "CertBeginTime": gmt8(cert.not_before),
        "CertEndTime": gmt8(cert.not_after),
        "ValidityPeriod": cert.validity_period,
        "InsertTime": gmt8(cert.insert_time),
        "CertificateId": cert.id,
        "CertificateExtra": {
            "DomainNumber": str(len(domains)),
            "OriginCertificateId": cert.old_certificate_id,
            "ReplacedBy": None,
            # The reissued certificate's id on the original of a reissued order (the SDK's ReplacedFor).
            "ReplacedFor": f"{cert.id}-reissued" if cert.order_replaced else None,
            "RenewOrder": None,
            "SMCert": 0,
            "CompanyType": 0,
            "ServiceRenewCertificateId": None,
            "ServiceOriginCertificateId": None,
        },
        "PackageTypeName": FREE_PACKAGE_NAME if cert.is_free else None,
        "StatusName": _STATUS_NAMES.get(status, f"Status {status}"),
        "IsVip": False,
        "IsWildcard": _is_wildcard(cert),
        "IsDv": cert.is_free,
        "IsVulnerability": False,
        "RenewAble": cert.is_paid,
        "Deployable": status == 1,
        "Tags": tag_list(tags),
        "CAEncryptAlgorithms": [cert.algorithm] if is_ca and cert.algorithm else None,
        "CACommonNames": [cert.domain] if is_ca and cert.domain else None,
        "CAEndTimes": [gmt8(cert.not_after)] if is_ca and cert.not_after else None,
    }


def _dv_auth_detail(cert: Certificate) -> dict[str, Any] | None:
    if not cert.dv_auths:
        return None
    first = cert.dv_auths[0]
    return {
        "DvAuthKey": first["DvAuthKey"],
        "DvAuthValue": first["DvAuthValue"],
        "DvAuthDomain": first["DvAuthDomain"],
        "DvAuthPath": first["DvAuthPath"],
        "DvAuthKeySubDomain": first["DvAuthSubDomain"],
        "DvAuths": [dict(auth) for auth in cert.dv_auths],
    }


def _describe_values(cert: Certificate, now: float, tags: dict[str, str], owner_uin: str) -> dict[str, Any]:
    out = _common(cert, now, tags, owner_uin)
    out.update(
        {
            "OrderId": cert.order_id,
            "DvAuthDetail": _dv_auth_detail(cert),
            "VulnerabilityReport": None,
            "SubjectAltName": cert.all_domains(),
            "SubmittedData": None,
            "DvRevokeAuthDetail": None,
        }
    )
    return out


def certificate(cert: Certificate, now: float, tags: dict[str, str], owner_uin: str) -> dict[str, Any]:
    """The DescribeCertificate response fields (no key material)."""
    return _select(_describe_values(cert, now, tags, owner_uin), _DESCRIBE_FIELDS)


def _domain_type(cert: Certificate) -> int:
    many = len(cert.all_domains()) > 1
    if _is_wildcard(cert):
        return 4 if many else 3
    return 2 if many else 1


def certificate_detail(cert: Certificate, now: float, tags: dict[str, str], owner_uin: str) -> dict[str, Any]:
    """The DescribeCertificateDetail response fields, key material included."""
    out = _describe_values(cert, now, tags, owner_uin)
    out.update(
        {
            "CertificatePrivateKey": cert.private_key,
            "CertificatePublicKey": cert.public_key,
            "TypeName": FREE_PACKAGE_NAME if cert.is_free else None,
            # The latest DescribeCertificateDetail doc: SANs without the main domain.
            "SubjectAltName": [name for name in cert.sans if name != cert.domain],
            "RootCert": None,
            "EncryptCert": None,
            "EncryptPrivateKey": None,
            "CertFingerprint": cert.fingerprint,
            "EncryptCertFingerprint": None,
            "EncryptAlgorithm": cert.algorithm,
            "CertChainInfo": [
                {
                    "Issuer": entry["issuer"],
                    "Subject": entry["subject"],
                    "Fingerprint": entry["fingerprint"],
                    "ValidFrom": gmt8(entry["not_before"]),
                    "ValidTo": gmt8(entry["not_after"]),
                }
                for entry in cert.chain
            ]
            or None,
            "DomainType": _domain_type(cert),
            "CertType": "DV" if cert.is_free else None,
            "UseCrossSignRoot": False,
            "HostingStatus": None,
        }
    )
    return _select(out, _DETAIL_FIELDS)


def list_item(cert: Certificate, now: float, tags: dict[str, str], owner_uin: str) -> dict[str, Any]:
    """One entry of DescribeCertificates' ``Certificates``."""
    out = _common(cert, now, tags, owner_uin)
    expiring = cert.not_after is not None and now <= cert.not_after < now + _EXPIRING_SECONDS
    out.update(
        {
            "SubjectAltName": cert.all_domains(),
            "ProjectInfo": None,
            "BoundResource": None,
            "IsIgnore": cert.ignore_expiring,
            "IsSM": False,
            "EncryptAlgorithm": cert.algorithm,
            "PreAuditInfo": None,
            "AutoRenewFlag": 0,
            "HostingStatus": None,
            "HostingCompleteTime": None,
            "HostingRenewCertId": None,
            "HasRenewOrder": None,
            "ReplaceOriCertIsDelete": None,
            "IsExpiring": expiring,
            "DVAuthDeadline": None,
            "ValidationPassedTime": gmt8(cert.issue_at) if cert.is_free and cert.status == 1 else None,
            "CertSANs": cert.all_domains(),
            "AwaitingValidationMsg": None,
            "AllowDownload": cert.allow_download and effective_status(cert, now) == 1,
            "IsDNSPODResolve": False,
            "IsPackage": False,
            "KeyPasswordCustomFlag": False,
            "SupportDownloadType": None,
            "CertRevokedTime": None,
            "HostingResourceTypes": None,
            "HostingConfig": None,
            "IsHostingUploadRenewCert": False,
            "ServiceId": None,
            "ServiceStatus": None,
            "CertServiceBeginTime": None,
            "CertServiceEndTime": None,
            "CertServiceShareEnabled": None,
            "CertServiceValidCertificateCount": None,
        }
    )
    return _select(out, _LIST_FIELDS)
