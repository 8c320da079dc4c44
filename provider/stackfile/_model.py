"""The loader's results and errors: specs, sources, secret references and problems (plain frozen dataclasses)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from ..fields import by_name
from ..inputs import default_of

CertType = Literal["SVR", "CA"]
SecretKind = Literal["config", "env", "file", "inline"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a stack file; ``line``/``column`` are 1-based, 0 when the problem has no position."""

    file: str
    line: int
    column: int
    field_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.field_path}: {self.message}" if self.field_path else f"{where}: {self.message}"


class StackFileError(Exception):
    """Raised by ``load_stack_file`` when the file has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        files = sorted({p.file for p in self.problems})
        count = len(self.problems)
        head = f"{', '.join(files)}: {count} problem{'s' if count != 1 else ''} in the stack file"
        return "\n".join([head, *(str(p) for p in self.problems)])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems,))


class SecretError(ValueError):
    """Raised by ``resolve_secret`` when a private-key reference cannot be read; never carries key material."""


@dataclass(frozen=True, repr=False)
class SecretRef:
    """Where a private key comes from: a Pulumi config key, an environment variable, a file, or inline PEM.

    ``value`` is the config key, the variable name, the path (relative to the stack file) or, for ``inline``, the PEM
    itself, which ``repr`` and ``str`` never show.
    """

    kind: SecretKind
    value: str

    def __repr__(self) -> str:
        shown = "'<redacted>'" if self.kind == "inline" else repr(self.value)
        return f"SecretRef(kind={self.kind!r}, value={shown})"

    __str__ = __repr__


@dataclass(frozen=True)
class UploadSource:
    """Upload a certificate the user owns; ``certificate_pem`` is normalised (see ``provider.pem.canonical_chain``)."""

    kind: ClassVar[str] = "upload"
    certificate_pem: str = field(repr=False)
    private_key: SecretRef | None
    common_name: str = ""
    subject_alt_names: tuple[str, ...] = ()
    not_after: dt.datetime | None = None  # of the first (leaf) certificate, UTC


@dataclass(frozen=True)
class AdoptSource:
    """Manage a certificate that already exists in Tencent Cloud; ``take_over`` even from another stack."""

    kind: ClassVar[str] = "adopt"
    certificate_id: str
    take_over: bool = default_of("take_over")


@dataclass(frozen=True)
class FreeSource:
    """Apply for a free DV certificate (``ApplyCertificate``)."""

    kind: ClassVar[str] = "free"
    domain: str
    validation: str = default_of("free_validation")  # DvAuthMethod: DNS_AUTO | DNS | FILE


Source = UploadSource | AdoptSource | FreeSource


@dataclass(frozen=True)
class CertificateSpec:
    """One validated entry of ``certificates:``, with the stack's ``defaults`` merged in; the defaults of the
    certificate's properties are the input schema's (``provider.inputs.CertificateInputs``)."""

    name: str
    source: Source
    alias: str = default_of("alias")
    cert_type: CertType = default_of("certificate_type")
    project_id: int = default_of("project_id")
    tags: dict[str, str] = field(default_factory=dict, hash=False)
    check_resources: bool = default_of("check_resources")
    rotate: bool = default_of("rotate")  # a replacement moves what is bound to the old certificate to the new one
    renew_before: str = default_of("renew_before")  # e.g. "30d": renew (free) or warn (upload) this long before expiry
    # resource type -> regions a rotation deploys in (regional types only; the stack's region otherwise)
    deploy_regions: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    delete_timeout: int = int(default_of("delete_timeout"))  # seconds
    create_timeout: int = int(default_of("create_timeout"))  # seconds
    retain: bool = default_of("retain")  # resource options (retain is also an input: provider.handover)
    protect: bool = by_name("protect").default
    renamed_from: tuple[str, ...] = ()
    allow_expired: bool = default_of("allow_expired")
    line: int = 0  # of the entry's name in the stack file

    @property
    def kind(self) -> str:
        """``upload``, ``adopt`` or ``free``."""
        return self.source.kind


@dataclass(frozen=True)
class StackFile:
    """A loaded stack file: its path, its certificates in file order and the entry names it releases."""

    path: Path
    certificates: tuple[CertificateSpec, ...]
    released: tuple[str, ...] = ()

    @property
    def base_dir(self) -> Path:
        """The directory that relative paths in the file (certificates, key files) are relative to."""
        return self.path.parent

    def get(self, name: str) -> CertificateSpec | None:
        """The entry called ``name``, or None."""
        return next((c for c in self.certificates if c.name == name), None)
