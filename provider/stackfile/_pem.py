"""Certificate and key material: reading referenced files and resolving key references (parsing: ``provider.pem``).

Every error message names the file or the kind of content, never the content: a key must not leak into a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..pem import (
    canonical_chain,
    common_name,
    dns_names,
    is_ca,
    normalise_text,
    parse_chain,
    parse_private_key,
    same_public_key,
)
from ._files import FileProblem, read_regular_file, resolve_path
from ._model import SecretError, SecretRef

__all__ = [
    "MAX_PEM_BYTES",
    "FileProblem",
    "canonical_chain",
    "common_name",
    "dns_names",
    "is_ca",
    "parse_chain",
    "parse_private_key",
    "read_small_text_file",
    "resolve_path",
    "resolve_secret",
    "same_public_key",
]

MAX_PEM_BYTES = 1 << 20  # a certificate chain or key is a few KiB; anything near 1 MiB is the wrong file


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
