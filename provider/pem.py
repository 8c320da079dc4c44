"""PEM handling for the stack-file loader and the provider, on ``cryptography``: parsing, one spelling, key rules.

Plain functions over text and ``cryptography`` objects; no Pulumi, no HTTP. Nothing here puts key material into a
message: errors name the kind of content, never the content.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import NameOID

__all__ = [
    "DAMAGED_RSA_KEY",
    "KEY_MISMATCH",
    "EC_CURVES",
    "DamagedKeyError",
    "MIN_RSA_BITS",
    "TENCENT_KEY_TYPES",
    "canonical_chain",
    "certificate_key_problem",
    "chain_problem",
    "common_name",
    "dns_names",
    "is_ca",
    "key_type_problem",
    "load_chain",
    "load_private_key",
    "normalise_pem",
    "normalise_text",
    "parse_chain",
    "parse_private_key",
    "public_der",
    "same_key",
    "same_public_key",
    "sha1_fingerprint",
]

# UploadCertificate takes RSA and ECC certificates (SM2 ones need Tencent's separate SM upload, which this provider does
# not do). The SSL API's own key parameters (ApplyCertificate's CsrKeyParameter, a renewal's RenewAlgorithmParam) list
# RSA 2048/4096 and ECC prime256v1; CLB, CDN and WAF, where the certificates end up, serve RSA >= 2048 bits and ECDSA on
# P-256 or P-384. Anything else would upload and then fail where it is deployed, or be refused by the upload itself.
MIN_RSA_BITS = 2048
#: cryptography's curve name -> how the messages call it.
EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384"}
TENCENT_KEY_TYPES = f"RSA ({MIN_RSA_BITS} bits or more) or ECDSA on P-256 or P-384"
_SM2_CURVE = "1.2.156.10197.1.301"  # GM/T 0006's OID of the SM2 curve
_OTHER_KEY_TYPES = (
    (ed25519.Ed25519PublicKey, "an Ed25519 key"),
    (ed448.Ed448PublicKey, "an Ed448 key"),
    (x25519.X25519PublicKey, "an X25519 key"),
    (x448.X448PublicKey, "an X448 key"),
    (dsa.DSAPublicKey, "a DSA key"),
)


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


#: Why a damaged RSA key is refused (after "private_key" or where the key came from).
DAMAGED_RSA_KEY = "is a damaged RSA private key: its private parts do not fit its public key"
#: What a private key that is not the certificate's is, for the stack-file loader and ``check()`` alike.
KEY_MISMATCH = "does not match the certificate (their public keys differ)"


class DamagedKeyError(ValueError):
    """An RSA private key whose parts do not fit together (``DAMAGED_RSA_KEY``)."""


def load_private_key(pem: str) -> PrivateKeyTypes:
    """An unencrypted PEM private key (``TypeError`` when it is encrypted, ``ValueError`` when it is not a key,
    ``DamagedKeyError`` when it is an RSA key whose parts do not fit together).

    OpenSSL's own RSA check (``RSA_check_key``) costs about 45 ms per 2048-bit key, nearly all of it proving p and q
    prime, and every run loads each key twice (program and ``check``); it is skipped, and ``_rsa_parts_problem``
    does the rest of that check in microseconds.
    """
    key = serialization.load_pem_private_key(pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
    if isinstance(key, rsa.RSAPrivateKey) and _rsa_parts_inconsistent(key.private_numbers()):
        raise DamagedKeyError(DAMAGED_RSA_KEY)
    return key


def _rsa_parts_inconsistent(numbers: rsa.RSAPrivateNumbers) -> bool:
    """Whether an RSA key's parts fail to fit together: n = p·q, e·d ≡ 1 and the CRT values derived from them.

    What the public-key match (``same_public_key``) cannot see is a corrupt private half whose n and e still match
    the certificate: such a key would upload, then fail to sign wherever it is deployed. These identities catch any
    such corruption. Only the primality of p and q goes unproven: with p·q equal to the certificate's n they are its
    two prime factors, unless the certificate's own modulus is malformed, which no damage to the key file can cause.
    """
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    p, q, d = numbers.p, numbers.q, numbers.d
    if min(p, q) < 2 or p * q != n:
        return True
    if (e * d) % (p - 1) != 1 or (e * d) % (q - 1) != 1:
        return True
    return numbers.dmp1 != d % (p - 1) or numbers.dmq1 != d % (q - 1) or (numbers.iqmp * q) % p != 1


def public_der(public_key: PublicKeyTypes) -> bytes:
    """A public key as DER SubjectPublicKeyInfo: equal bytes, same key, whatever the encoding it came in."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


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


def key_type_problem(key: PrivateKeyTypes | PublicKeyTypes) -> str | None:
    """What Tencent would refuse about a public or private key's type or size, as ``is ...``; None when it is fine."""
    public = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < MIN_RSA_BITS:
            return f"is an RSA key of {public.key_size} bits; Tencent takes {TENCENT_KEY_TYPES}"
        return None
    if isinstance(public, ec.EllipticCurvePublicKey):
        if public.curve.name in EC_CURVES:
            return None
        return f"is an EC key on curve {public.curve.name}; Tencent takes {TENCENT_KEY_TYPES}"
    name = next((label for kind, label in _OTHER_KEY_TYPES if isinstance(public, kind)), "a key of another type")
    return f"is {name}; Tencent takes {TENCENT_KEY_TYPES}"


def certificate_key_problem(cert: x509.Certificate) -> str | None:
    """``key_type_problem`` of a certificate's public key, also when ``cryptography`` cannot read that key (SM2)."""
    try:
        public = cert.public_key()
    except (UnsupportedAlgorithm, ValueError) as exc:
        if _SM2_CURVE in str(exc):
            return f"is an SM2 key; SM2 needs Tencent's SM upload, this provider uploads {TENCENT_KEY_TYPES}"
        return f"is of a type this provider cannot read; Tencent takes {TENCENT_KEY_TYPES}"
    return key_type_problem(public)


def _label(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    text = value if isinstance(value, str) else value.decode("utf-8", "replace")
    return text or cert.subject.rfc4514_string() or "no subject"


def chain_problem(certs: Sequence[x509.Certificate]) -> str | None:
    """What is wrong with a chain given leaf first, each certificate issued by the next; None when every link holds.

    A link holds when a certificate's issuer is the next one's subject and the next one's key verifies its signature.
    A signature ``cryptography`` cannot check is judged by the names alone.
    """
    for number in range(1, len(certs)):
        child, parent = certs[number - 1], certs[number]
        where = (
            f"certificate {number + 1} of the chain ({_label(parent)}) did not issue certificate {number} "
            f"({_label(child)})"
        )
        advice = "put the server certificate first, then its issuer, then that one's issuer, and leave out others"
        if child.issuer != parent.subject:
            issuer = child.issuer.rfc4514_string() or "empty"
            why = "so the chain is out of order or holds an unrelated certificate"
            return f"{where}: its issuer is {issuer}, {why}; {advice}"
        try:
            child.verify_directly_issued_by(parent)
        except InvalidSignature:
            return f"{where}: the names match but the signature does not verify; {advice}"
        except (TypeError, ValueError, UnsupportedAlgorithm):
            continue  # an algorithm cryptography cannot verify here: the names matched, which is what can be checked
    return None


# -- parsing with messages safe to show (the stack-file loader places them after file, line and field)

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")


def canonical_chain(text: str) -> str:
    """A certificate chain in canonical PEM: blocks re-encoded, in order, ``\\n`` line ends, no surrounding blanks.

    Raises ``ValueError`` when the text is not a PEM certificate chain. The same certificate always gives the same
    string, so comparing what the file says with what Tencent returns shows no spurious change. (``normalise_pem``
    only normalises line ends and blank space.)
    """
    return parse_chain(text)[0]


def parse_chain(text: str) -> tuple[str, list[x509.Certificate]]:
    """``(normalised PEM, certificates in order)``; ``ValueError`` with a message safe to show otherwise."""
    text = normalise_text(text)
    blocks = list(_PEM_BLOCK.finditer(text))
    if not blocks:
        if _PEM_BEGIN.search(text):
            raise ValueError("has a -----BEGIN----- line without its -----END----- line")
        raise ValueError("is not a PEM certificate (no -----BEGIN CERTIFICATE----- block)")
    if len(_PEM_BEGIN.findall(text)) != len(blocks):
        raise ValueError("has a -----BEGIN----- line without its -----END----- line")
    certs: list[x509.Certificate] = []
    for number, block in enumerate(blocks, 1):
        label = block.group(1)
        where = f" (block {number} of {len(blocks)})" if len(blocks) > 1 else ""
        if "PRIVATE KEY" in label:
            raise ValueError(f"contains a private key{where}, not a certificate; give the key as private_key")
        if label != "CERTIFICATE":
            raise ValueError(f"contains a {label} block{where}, not a CERTIFICATE")
        try:
            der = base64.b64decode("".join(block.group(2).split()), validate=True)
            certs.append(x509.load_der_x509_certificate(der))
        except ValueError:
            raise ValueError(f"is not a valid X.509 certificate{where}") from None
    # Re-encoding from DER gives one spelling per certificate: 64-column lines, whatever the file's wrapping.
    pem = "\n".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii").strip() for c in certs)
    return pem, certs


def parse_private_key(text: str) -> PrivateKeyTypes:
    """The key in a PEM text; ``ValueError`` with a message that never quotes the text otherwise."""
    try:
        data = normalise_text(text).encode()
    except UnicodeEncodeError:  # e.g. an environment variable holding bytes that are not UTF-8
        raise ValueError("is not a PEM private key (it is not valid UTF-8 text)") from None
    if b"-----BEGIN" not in data:
        raise ValueError("is not a PEM private key")
    try:
        return load_private_key(data.decode())
    except DamagedKeyError:
        raise ValueError(DAMAGED_RSA_KEY) from None
    except TypeError:
        raise ValueError("is encrypted; give the unencrypted key (e.g. openssl pkey -in KEY -out PLAIN)") from None
    except (ValueError, UnsupportedAlgorithm):
        if b"-----BEGIN CERTIFICATE-----" in data:
            raise ValueError("is a certificate, not a private key") from None
        raise ValueError("is not a valid PEM private key") from None


def is_ca(cert: x509.Certificate) -> bool:
    """Whether basicConstraints says CA=true."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def common_name(cert: x509.Certificate) -> str:
    """The subject's CN, or ""."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The DNS names of the subjectAltName extension, in order."""
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(extension.value.get_values_for_type(x509.DNSName))
