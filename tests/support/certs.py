"""Certificates generated at test time with ``cryptography``: leaf certificates, a CA and a chain.

Nothing is written to disk and no key is checked in; every call makes a fresh key pair.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x25519

from emulator.pem import build_certificate

__all__ = [
    "KEY_TYPES",
    "CertificateAuthority",
    "RSA_PRIVATE_PARTS",
    "Chain",
    "corrupt_rsa_key",
    "encrypt_key",
    "fingerprint_sha1",
    "make_ca",
    "make_cert",
    "make_chain",
    "make_key",
    "make_sm2_certificate",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
# Key types Tencent does not take, for tests that they are refused; X25519 cannot sign: its certificates need an issuer.
OtherKey = ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey | dsa.DSAPrivateKey | x25519.X25519PrivateKey
#: key_type values beyond "rsa" and "ec" (RSA 2048, P-256): accepted ones and ones Tencent refuses.
KEY_TYPES = ("rsa", "ec", "rsa-4096", "ec-p384", "rsa-1024", "ec-p521", "ec-p224", "ed25519", "ed448", "dsa", "x25519")


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA that can sign leaf or intermediate certificates; the key is kept out of ``repr``."""

    cert_pem: str
    key_pem: str = field(repr=False)

    @property
    def certificate(self) -> x509.Certificate:
        """The parsed CA certificate."""
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    @property
    def private_key(self) -> PrivateKey:
        """The parsed CA private key."""
        key = serialization.load_pem_private_key(self.key_pem.encode(), password=None)
        assert isinstance(
            key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, dsa.DSAPrivateKey)
        )
        return key  # type: ignore[return-value]


@dataclass(frozen=True)
class Chain:
    """A leaf signed by an intermediate signed by a root; ``fullchain_pem`` is leaf + intermediate."""

    leaf_pem: str
    key_pem: str = field(repr=False)
    intermediate: CertificateAuthority = field(repr=False)
    root: CertificateAuthority = field(repr=False)

    @property
    def fullchain_pem(self) -> str:
        """Leaf then intermediate, the order a server (and UploadCertificate) expects."""
        return self.leaf_pem + self.intermediate.cert_pem


def _new_key(key_type: str) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return _other_key(key_type)  # type: ignore[return-value]


def _other_key(key_type: str) -> PrivateKey | OtherKey:
    makers = {
        "rsa-4096": lambda: rsa.generate_private_key(public_exponent=65537, key_size=4096),
        "rsa-1024": lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),
        "ec-p384": lambda: ec.generate_private_key(ec.SECP384R1()),
        "ec-p521": lambda: ec.generate_private_key(ec.SECP521R1()),
        "ec-p224": lambda: ec.generate_private_key(ec.SECP224R1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate,
        "ed448": ed448.Ed448PrivateKey.generate,
        "dsa": lambda: dsa.generate_private_key(key_size=2048),
        "x25519": x25519.X25519PrivateKey.generate,
    }
    if key_type not in makers:
        raise ValueError(f"key_type must be one of {', '.join(KEY_TYPES)}, not {key_type!r}")
    return makers[key_type]()  # type: ignore[no-any-return]


def _key_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def make_key(key_type: str = "rsa") -> str:
    """A fresh unencrypted PKCS#8 private key in PEM (e.g. one that matches no certificate)."""
    return _key_pem(_new_key(key_type))


def encrypt_key(key_pem: str, password: bytes) -> str:
    """``key_pem`` encrypted with ``password`` (PKCS#8 PEM, ``BEGIN ENCRYPTED PRIVATE KEY``)."""
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(password)
    ).decode()


#: The parts of an RSA private key ``corrupt_rsa_key`` can damage (n and e, the public half, always stay).
RSA_PRIVATE_PARTS = ("d", "p", "q", "dmp1", "dmq1", "iqmp")


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")  # one spare byte keeps the sign bit clear
    return b"\x02" + _der_length(len(raw)) + raw


def corrupt_rsa_key(key_pem: str, part: str) -> str:
    """An RSA key PEM (PKCS#1) with private ``part`` damaged while its public half (n, e), and so its match with the
    certificate, stays intact: the kind of key only a check of the key itself can refuse. Written as DER by hand,
    since ``cryptography`` will not build such a key."""
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    numbers = key.private_numbers()
    parts = {name: getattr(numbers, name) for name in RSA_PRIVATE_PARTS}
    parts[part] += 2  # p or q: p·q is no longer n; d: e·d is no longer 1; the others: no longer derived from d
    public = numbers.public_numbers
    fields = (0, public.n, public.e, *(parts[name] for name in ("d", "p", "q", "dmp1", "dmq1", "iqmp")))
    body = b"".join(_der_integer(value) for value in fields)
    der = b"\x30" + _der_length(len(body)) + body
    lines = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----\n"


def _build(
    subject_cn: str,
    key: PrivateKey,
    *,
    sans: Iterable[str],
    days: float,
    not_before: dt.datetime | None,
    issuer: CertificateAuthority | None,
    is_ca: bool,
) -> x509.Certificate:
    start = not_before or (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    return build_certificate(
        subject_cn,
        key.public_key(),
        issuer.private_key if issuer else key,
        not_before=start,
        not_after=start + dt.timedelta(days=days),
        sans=sans,
        issuer=issuer.certificate.subject if issuer else None,
        ca=is_ca,
    )


def make_cert(
    cn: str,
    sans: Iterable[str] = (),
    days: float = 90,
    key_type: str = "rsa",
    not_before: dt.datetime | None = None,
    issuer: CertificateAuthority | None = None,
) -> tuple[str, str]:
    """A leaf certificate for ``cn`` (self-signed unless ``issuer`` is given): ``(cert_pem, key_pem)``."""
    key = _new_key(key_type)
    cert = _build(cn, key, sans=sans, days=days, not_before=not_before, issuer=issuer, is_ca=False)
    return cert.public_bytes(serialization.Encoding.PEM).decode(), _key_pem(key)


def make_ca(
    cn: str = "Test Root CA",
    key_type: str = "rsa",
    days: float = 3650,
    issuer: CertificateAuthority | None = None,
) -> CertificateAuthority:
    """A CA certificate (self-signed root, or an intermediate when ``issuer`` is given)."""
    key = _new_key(key_type)
    cert = _build(cn, key, sans=(), days=days, not_before=None, issuer=issuer, is_ca=True)
    return CertificateAuthority(cert.public_bytes(serialization.Encoding.PEM).decode(), _key_pem(key))


def make_chain(cn: str, sans: Iterable[str] = (), days: float = 90, key_type: str = "rsa") -> Chain:
    """Root CA -> intermediate CA -> leaf for ``cn``."""
    root = make_ca("Test Root CA", key_type)
    intermediate = make_ca("Test Intermediate CA", key_type, issuer=root)
    leaf_pem, key_pem = make_cert(cn, sans, days, key_type, issuer=intermediate)
    return Chain(leaf_pem, key_pem, intermediate, root)


def fingerprint_sha1(cert_pem: str) -> str:
    """Lower-case hex SHA-1 over the DER of the first certificate in ``cert_pem``."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def make_sm2_certificate() -> str:
    """A certificate whose key is on the SM2 curve: an EC P-256 one with the curve's OID swapped (same length).

    ``cryptography`` can neither make nor read SM2 keys, and the signature no longer verifies; enough to test that an
    SM2 certificate is named as such.
    """
    pem, _ = make_cert("sm2.example.com", key_type="ec")
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    # The OIDs 1.2.840.10045.3.1.7 (P-256) and 1.2.156.10197.1.301 (SM2), DER-encoded.
    p256, sm2 = bytes.fromhex("06082a8648ce3d030107"), bytes.fromhex("06082a811ccf5501822d")
    assert der.count(p256) == 1
    body = base64.encodebytes(der.replace(p256, sm2)).decode()
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
