"""Certificate and key material: reading referenced files, parsing PEM, normalising chains, resolving key references.

Every error message names the file or the kind of content, never the content: a key must not leak into a log.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

from ..pem import load_private_key, normalise_text, same_public_key
from ._files import FileProblem, read_regular_file, resolve_path
from ._model import SecretError, SecretRef

__all__ = [
    "MAX_PEM_BYTES",
    "FileProblem",
    "common_name",
    "dns_names",
    "is_ca",
    "normalize_pem",
    "parse_chain",
    "parse_private_key",
    "read_small_text_file",
    "resolve_path",
    "resolve_secret",
    "same_public_key",
]

MAX_PEM_BYTES = 1 << 20  # a certificate chain or key is a few KiB; anything near 1 MiB is the wrong file
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")


def normalize_pem(text: str) -> str:
    """A certificate chain in canonical PEM: blocks re-encoded, in order, ``\\n`` line ends, no surrounding blanks.

    Raises ``ValueError`` when the text is not a PEM certificate chain. The same certificate always gives the same
    string, so comparing what the file says with what Tencent returns shows no spurious change.
    """
    return parse_chain(text)[0]


def resolve_secret(ref: SecretRef, base_dir: Path, environ: Mapping[str, str]) -> str:
    """The private key PEM behind an env, file or inline reference (config references belong to the program)."""
    if ref.kind == "inline":
        return normalise_text(ref.value)
    if ref.kind == "env":
        if ref.value not in environ:
            raise SecretError(f"environment variable {ref.value} is not set")
        return _env_key_text(environ[ref.value])
    if ref.kind == "file":
        try:
            return normalise_text(read_small_text_file(resolve_path(ref.value, base_dir), ref.value))
        except FileProblem as exc:
            raise SecretError(f"private key file {exc}") from None
    raise SecretError(
        f"config key {ref.value!r} is resolved by the Pulumi program (pulumi config set --secret {ref.value} ...)"
    )


def _env_key_text(value: str) -> str:
    # CI secret stores often hold a PEM on one line with literal "\n"; turn those back into line ends.
    if "\n" not in value and "\\n" in value:
        value = value.replace("\\n", "\n")
    return normalise_text(value)


def read_small_text_file(full: Path, shown: str) -> str:
    """The UTF-8 text of a regular file of at most 1 MiB; raises ``FileProblem`` naming ``shown``."""
    data = read_regular_file(full, shown, MAX_PEM_BYTES)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            shown, f"is not UTF-8 text (byte {exc.start}); a DER file must be converted to PEM first"
        ) from None


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
