"""What an UpdateCertificateInstance request asks for: resource types, regions per type, the new certificate.

Checked on every call, also those answered "still creating", so a request that can never succeed fails at once;
a PEM pair to upload is parsed and key-checked every time but stored only when the record is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.cloud_resources import DEPLOY_TYPES, REGIONAL_TYPES
from emulator.context import Context
from emulator.errors import ApiError, invalid_value, missing, not_found
from emulator.pem import ParsedCertificate, check_key_matches, parse_chain
from emulator.records import Certificate
from emulator.ssl_actions import store_upload
from emulator.views import effective_status

__all__ = ["NewCertificate", "regions_by_type", "resource_types"]


def resource_types(values: list[str]) -> list[str]:
    """``ResourceTypes`` without repeats; an empty list or an unknown type is refused."""
    types = list(dict.fromkeys(values))
    if not types:
        raise invalid_value("ResourceTypes", "at least one resource type is required")
    for kind in types:
        if kind not in DEPLOY_TYPES:
            raise ApiError(
                "FailedOperation.CertificateHostResourceTypeInvalid",
                f"The cloud resource type `{kind}` is not valid; use one of {', '.join(DEPLOY_TYPES)}.",
            )
    return types


def regions_by_type(entries: list[dict[str, Any]], types: list[str]) -> dict[str, list[str]]:
    """``ResourceTypesRegions`` by type; entries for types without regions, or not deployed, change nothing."""
    out: dict[str, list[str]] = {}
    for i, entry in enumerate(entries):
        kind = entry["ResourceType"]
        resource_types([kind])
        if kind not in REGIONAL_TYPES or kind not in types:
            continue
        if not entry.get("Regions"):
            raise ApiError(
                "InvalidParameter.RegionNotEmpty", f"ResourceTypesRegions.{i}.Regions must name a region for `{kind}`."
            )
        out[kind] = list(dict.fromkeys([*out.get(kind, []), *entry["Regions"]]))
    return out


@dataclass(frozen=True)
class NewCertificate:
    """The certificate an update deploys: an existing one (``CertificateId``) or a PEM pair to upload."""

    key: str
    existing: Certificate | None = None
    parsed: ParsedCertificate | None = None
    public_key: str = ""
    private_key: str = ""

    @classmethod
    def from_params(cls, ctx: Context) -> NewCertificate:
        """``CertificateId``, else ``CertificatePublicKey`` + ``CertificatePrivateKey`` (parsed, key-checked)."""
        p = ctx.params
        if p.get("CertificateId"):
            # With both, the id wins: the doc says the keys are for when no CertificateId is given.
            cert = ctx.store.get_cert(p["CertificateId"])
            if cert is None:
                raise not_found(p["CertificateId"])
            return cls(key=cert.id, existing=cert)
        public, private = p.get("CertificatePublicKey"), p.get("CertificatePrivateKey")
        if not public and not private:
            raise missing("CertificateId")
        if not private:
            raise missing("CertificatePrivateKey")
        if not public:
            raise missing("CertificatePublicKey")
        parsed = parse_chain(public)
        check_key_matches(parsed, private, None)
        return cls(key="sha1:" + parsed.fingerprint, parsed=parsed, public_key=public, private_key=private)

    def check_usable(self, ctx: Context, old: Certificate) -> None:
        """Refuse the old certificate itself, and one that cannot serve: not issued, expired, CA, no key."""
        if self.existing is not None and self.existing.id == old.id:
            raise ApiError("FailedOperation.InvalidParam", "The new certificate must differ from the old one.")
        cert = self.existing
        usable = (
            cert.certificate_type == "SVR" and cert.private_key is not None and effective_status(cert, ctx.now) == 1
            if cert is not None
            else self.parsed is not None and self.parsed.not_after >= ctx.now
        )
        if not usable:
            raise ApiError(
                "FailedOperation.CertificateNotAvailable",
                "The new certificate is not available for deployment: it must be an issued, unexpired server "
                "certificate with its private key.",
            )

    def check_repeatable(self, ctx: Context) -> None:
        """``Repeatable=false`` with an identical certificate already uploaded: "the update task fails" (SDK doc)."""
        if self.parsed is None or ctx.params.get("Repeatable", True) is not False:
            return
        for cert in ctx.store.certs():
            if cert.fingerprint == self.parsed.fingerprint and cert.certificate_type == "SVR":
                raise ApiError(
                    "FailedOperation.CertificateExists", f"The certificate already exists (certificate {cert.id})."
                )

    def domains(self) -> list[str]:
        """The new certificate's domains (a detail's ``Domains``)."""
        if self.existing is not None:
            return self.existing.all_domains()
        assert self.parsed is not None
        return list(dict.fromkeys([d for d in (self.parsed.domain, *self.parsed.sans) if d]))

    def algorithm(self) -> str | None:
        """The new certificate's key algorithm (a detail's ``Algorithm``)."""
        if self.existing is not None:
            return self.existing.algorithm
        return self.parsed.algorithm if self.parsed is not None else None

    def obtain(self, ctx: Context, tags: dict[str, str]) -> Certificate:
        """The certificate to deploy, uploading the PEM pair now (once the record is being created)."""
        if self.existing is not None:
            return self.existing
        assert self.parsed is not None
        p = ctx.params
        cert = store_upload(
            ctx,
            self.parsed,
            self.public_key,
            self.private_key,
            project_id=p.get("ProjectId", 0),
            allow_download=p.get("AllowDownload", True),
        )
        ctx.store.set_tags(cert.id, tags)
        return cert
