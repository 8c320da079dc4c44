"""Certificate and key handling with ``cryptography``: parse an uploaded PEM chain, match its key, issue DV certs."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from emulator.errors import ApiError

__all__ = [
    "ParsedCertificate",
    "build_certificate",
    "check_key_and_chain",
    "check_key_matches",
    "issue_self_signed",
    "parse_chain",
]

_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----\s+.+?\s+-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True)
class ChainEntry:
    """One certificate of a chain, as DescribeCertificateDetail's ``CertChainInfo`` shows it."""

    subject: str
    issuer: str
    fingerprint: str
    not_before: float
    not_after: float


@dataclass(frozen=True)
class ParsedCertificate:
    """What the service reads out of an uploaded leaf certificate (the first PEM block)."""

    domain: str | None
    sans: tuple[str, ...]
    not_before: float
    not_after: float
    fingerprint: str
    issuer_cn: str | None
    algorithm: str
    chain: tuple[ChainEntry, ...]
    leaf: x509.Certificate


def _cn(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode()


def _name(name: x509.Name) -> str:
    return _cn(name) or name.rfc4514_string()


def _sha1(cert: x509.Certificate) -> str:
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _algorithm(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ECC"
    return type(key).__name__


def parse_chain(pem: str) -> ParsedCertificate:
    """Parse ``CertificatePublicKey``; raise ``FailedOperation.CertificateParseError`` if it is not a PEM chain."""
    blocks = _PEM_BLOCK.findall(pem or "")
    try:
        if not blocks:
            raise ValueError("no PEM certificate block")
        certs = [x509.load_pem_x509_certificate(block.encode()) for block in blocks]
        leaf = certs[0]
        try:
            san_ext = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            sans = tuple(dict.fromkeys(san_ext.value.get_values_for_type(x509.DNSName)))
        except x509.ExtensionNotFound:
            sans = ()
        chain = tuple(
            ChainEntry(
                subject=_name(c.subject),
                issuer=_name(c.issuer),
                fingerprint=_sha1(c),
                not_before=c.not_valid_before_utc.timestamp(),
                not_after=c.not_valid_after_utc.timestamp(),
            )
            for c in certs
        )
        domain = _cn(leaf.subject) or (sans[0] if sans else None)
    except ValueError as exc:
        raise ApiError(
            "FailedOperation.CertificateParseError",
            "The certificate could not be parsed; check that CertificatePublicKey is a PEM certificate (chain).",
        ) from exc
    check_key_and_chain(certs)
    return ParsedCertificate(
        domain=domain,
        sans=sans,
        not_before=chain[0].not_before,
        not_after=chain[0].not_after,
        fingerprint=chain[0].fingerprint,
        issuer_cn=_cn(leaf.issuer),
        algorithm=_algorithm(leaf),
        chain=chain,
        leaf=leaf,
    )


# Tencent's upload takes RSA and ECC certificates on the standard path (SM2 ones have their own, and the SDK's error
# text for an SM2 certificate sent here is "the content looks like an SM certificate"); its key parameters elsewhere
# list RSA 2048/4096 and ECC prime256v1. The emulator refuses the rest, and chains whose links do not hold, as the
# service's CertificateParseError and CertificateChainError.
_EC_CURVES = ("secp256r1", "secp384r1")
_SM2_CURVE = "1.2.156.10197.1.301"


def check_key_and_chain(certs: list[x509.Certificate]) -> None:
    """Raise unless the leaf's key is RSA >= 2048 bits or ECDSA P-256/P-384 and each certificate issued the previous."""
    try:
        key = certs[0].public_key()
    except UnsupportedAlgorithm as exc:
        if _SM2_CURVE in str(exc):
            raise ApiError(
                "FailedOperation.CertificateEncryptInvalid",
                "The certificate looks like an SM (GM) certificate, which does not match the standard chosen.",
            ) from None
        key = None
    supported = (isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048) or (
        isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _EC_CURVES
    )
    if not supported:
        raise ApiError(
            "FailedOperation.CertificateParseError",
            "The certificate could not be parsed; its key algorithm or key size is not supported (RSA 2048+ or ECC).",
        )
    for child, parent in zip(certs, certs[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise ApiError(
                "FailedOperation.CertificateChainError",
                "The certificate chain check failed; check each certificate of the chain.",
            ) from None


def check_key_matches(parsed: ParsedCertificate, key_pem: str, password: str | None) -> None:
    """Raise unless ``key_pem`` (decrypted with ``password``) is the private key of the leaf certificate."""
    try:
        key = serialization.load_pem_private_key(
            (key_pem or "").strip().encode(), password=password.encode() if password else None
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # ``from None``: the cause may quote key material, which must never reach a traceback or log.
        raise ApiError(
            "FailedOperation.CertificateParseError",
            "The private key could not be parsed (wrong format or KeyPassword).",
        ) from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    mine = key.public_key().public_bytes(serialization.Encoding.DER, public)
    theirs = parsed.leaf.public_key().public_bytes(serialization.Encoding.DER, public)
    if mine != theirs:
        raise ApiError(
            "FailedOperation.CertificateMismatch",
            "The certificate and the private key do not match; check for extra spaces or a wrong key.",
        )


def build_certificate(
    common_name: str,
    public_key: CertificatePublicKeyTypes,
    signing_key: CertificateIssuerPrivateKeyTypes,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    sans: Iterable[str] = (),
    issuer: x509.Name | None = None,
    ca: bool | None = None,
) -> x509.Certificate:
    """An X.509 certificate for ``common_name`` signed by ``signing_key``, issued by ``issuer`` (default: the subject
    itself), with ``sans`` as DNS names (none: no such extension) and, when ``ca`` is given, critical basic constraints.

    The one certificate builder of the repository: the emulator's issuance, the demo's and the tests' certificates.
    """
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    names = list(dict.fromkeys(sans))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    # Ed25519 and Ed448 sign without a separate hash.
    ed = isinstance(signing_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey))
    return builder.sign(signing_key, None if ed else hashes.SHA256())


def issue_self_signed(domain: str, algorithm: str, now: float, days: int = 90) -> tuple[str, str]:
    """The certificate a "CA" issues for a free DV order: ``(cert_pem, key_pem)``, valid from ``now``."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    key = ec.generate_private_key(ec.SECP256R1()) if algorithm == "ECC" else rsa.generate_private_key(65537, 2048)
    start = dt.datetime.fromtimestamp(int(now), tz=dt.UTC)
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TrustAsia Technologies, Inc. (emulated)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "TrustAsia DV TLS RSA CA 2025 (emulated)"),
        ]
    )
    end = start + dt.timedelta(days=days)
    cert = build_certificate(
        domain, key.public_key(), key, not_before=start, not_after=end, sans=[domain], issuer=issuer
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem
