"""PEM text and key comparisons shared by the stack-file loader and the provider: one spelling, one key match.

Plain functions over text and ``cryptography`` objects; no Pulumi, no HTTP. Nothing here puts key material into a
message: callers word their own errors.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = [
    "load_chain",
    "load_private_key",
    "normalise_pem",
    "normalise_text",
    "public_der",
    "same_key",
    "same_public_key",
    "sha1_fingerprint",
]


def normalise_text(text: str) -> str:
    """``text`` with CRLF and CR turned into LF and surrounding blank space removed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def normalise_pem(text: str) -> str:
    """PEM text with CRLF turned into LF, surrounding blank space removed and one final newline."""
    body = normalise_text(text)
    return body + "\n" if body else ""


def load_chain(pem: str) -> list[x509.Certificate]:
    """The certificates of a PEM chain, leaf first; ``ValueError`` when there is none."""
    certificates = x509.load_pem_x509_certificates(pem.encode())
    if not certificates:
        raise ValueError("no certificate")
    return certificates


def load_private_key(pem: str) -> PrivateKeyTypes:
    """An unencrypted PEM private key (``TypeError`` when it is encrypted, ``ValueError`` when it is not a key)."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def public_der(public_key: Any) -> bytes:
    """A public key as DER SubjectPublicKeyInfo: equal bytes, same key, whatever the encoding it came in."""
    return bytes(public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def same_public_key(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    """Whether ``key`` is the private half of ``cert``'s public key."""
    try:
        return public_der(key.public_key()) == public_der(cert.public_key())
    except (ValueError, TypeError, AttributeError, UnsupportedAlgorithm):
        return False


def same_key(a: str, b: str) -> bool:
    """Whether two private-key PEM texts hold the same key (a re-encoding is not a change)."""
    if normalise_pem(a) == normalise_pem(b):
        return True
    try:
        return public_der(load_private_key(a).public_key()) == public_der(load_private_key(b).public_key())
    except (ValueError, TypeError):
        return False


def sha1_fingerprint(pem: str) -> str:
    """The leaf certificate's SHA-1 fingerprint in lower-case hex, as Tencent's CertFingerprint; "" if unreadable."""
    try:
        return load_chain(pem)[0].fingerprint(hashes.SHA1()).hex()  # noqa: S303 - Tencent's CertFingerprint is SHA-1
    except ValueError:
        return ""
