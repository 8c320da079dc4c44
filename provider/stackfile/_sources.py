"""The checks on the three certificate sources the schema cannot make: files, PEM, keys, and domain spelling.

The schema (``_structure``) has judged the shape of ``upload``, ``adopt`` and ``free`` already; what is read here is
only what it passed (``NodeReader.clean``): certificate files and inline PEM (size, parsing, key type, chain order,
expiry), private keys (read from their reference, type, match with the certificate) and a free domain's one
spelling (lower case, punycode).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography import x509

from ..pem import KEY_MISMATCH, certificate_key_problem, chain_problem, key_type_problem, normalise_text
from ..rules import VALIDATION_METHODS, free_domain
from . import _pem
from ._model import AdoptSource, CertType, FreeSource, SecretError, SecretKind, SecretRef, UploadSource
from ._nodes import Loc, NodeReader

__all__ = ["VALIDATION_METHODS", "SourceReader"]


class SourceReader(NodeReader):
    """Reads sources the schema has passed; certificate files and keys are read relative to ``base_dir``."""

    def __init__(
        self,
        file: str,
        *,
        base_dir: Path,
        environ: Mapping[str, str],
        now: dt.datetime,
        read_secrets: bool,
        config: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(file)
        self.base_dir = base_dir
        self.environ = environ
        self.now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        self.read_secrets = read_secrets
        self.config = config

    # -- adopt

    def adopt(self, value: Any, loc: Loc) -> AdoptSource:
        """``adopt: GjTNRoK7`` or ``adopt: {id: GjTNRoK7, take_over: true}``; the id as written (12345678 too)."""
        if isinstance(value, dict):
            return AdoptSource(self.written(loc + ("id",)), take_over=bool(value.get("take_over")))
        return AdoptSource(self.written(loc))

    # -- free

    def free(self, value: Any, loc: Loc) -> FreeSource | None:
        """``free: shop.example.com`` or ``free: {domain: ..., validation: ...}``."""
        if isinstance(value, dict):
            domain = self.domain(value["domain"], loc + ("domain",))
            return FreeSource(domain, value.get("validation", "DNS_AUTO")) if domain else None
        domain = self.domain(value, loc)
        return FreeSource(domain) if domain else None

    def domain(self, value: str, loc: Loc) -> str | None:
        """A host name for a free certificate, lower-cased, internationalised names in punycode."""
        domain, problem = free_domain(value)
        if problem:
            self.report(loc, problem)
        return domain

    # -- upload

    def upload(self, value: dict[str, Any], loc: Loc, cert_type: CertType, allow_expired: bool) -> UploadSource | None:
        """``upload: {certificate: ..., private_key: ...}``: the certificate and the key are read and checked now."""
        chain: tuple[str, list[x509.Certificate]] | None = None
        cert_loc = loc + ("certificate",)
        if "certificate" in value and self.clean(cert_loc):
            text = self.certificate_text(value["certificate"], cert_loc)
            if text is not None:
                chain = self.check_chain(text, cert_loc, cert_type, allow_expired)
        key_ref: SecretRef | None = None
        key_loc = loc + ("private_key",)
        if "private_key" in value and self.clean(key_loc):
            key = value["private_key"]
            kind: SecretKind = next(iter(key)) if isinstance(key, dict) else "inline"
            key_ref = SecretRef(kind, key[kind] if isinstance(key, dict) else key)
            self.check_key(key_ref, key_loc, chain[1][0] if chain else None)
        if chain is None:
            return None
        leaf = chain[1][0]
        return UploadSource(
            certificate_pem=chain[0],
            private_key=key_ref,
            common_name=_pem.common_name(leaf),
            subject_alt_names=_pem.dns_names(leaf),
            not_after=leaf.not_valid_after_utc,
        )

    def certificate_text(self, value: str, loc: Loc) -> str | None:
        """The PEM text: inline PEM (any string containing ``-----BEGIN``), or the file the path names."""
        if "-----BEGIN" in value:
            if len(value.encode()) > _pem.MAX_PEM_BYTES:
                self.report(loc, "is too large (at most 1 MiB)")
                return None
            return value
        try:
            return _pem.read_small_text_file(_pem.resolve_path(value, self.base_dir), value)
        except _pem.FileProblem as exc:
            self.report(loc, f"certificate file {exc}")
            return None

    def check_chain(
        self, text: str, loc: Loc, cert_type: CertType, allow_expired: bool
    ) -> tuple[str, list[x509.Certificate]] | None:
        """The parsed chain, if it is one Tencent will take for ``cert_type``."""
        try:
            pem, certs = _pem.parse_chain(text)
        except ValueError as exc:
            self.report(loc, str(exc))
            return None
        leaf = certs[0]
        problem = certificate_key_problem(leaf)
        if problem:
            self.report(loc, f"the certificate's public key {problem}")
            return None
        if cert_type == "SVR" and _pem.is_ca(leaf):
            self.report(
                loc,
                f"the first certificate ({_pem.common_name(leaf) or 'no CN'}) is a CA certificate; for type SVR put "
                "the server certificate first, then its intermediates (or set type: CA)",
            )
            return None
        problem = chain_problem(certs)
        if problem:
            self.report(loc, problem)
            return None
        if not allow_expired and leaf.not_valid_after_utc <= self.now:
            self.report(
                loc,
                f"the certificate expired on {leaf.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}; renew it, "
                "or set allow_expired: true",
            )
            return None
        return pem, certs

    def check_key(self, ref: SecretRef, loc: Loc, leaf: x509.Certificate | None) -> None:
        """Read a key now: it must be a private key, and match ``leaf`` when there is one."""
        if ref.kind != "inline" and not self.read_secrets:
            return  # read_secrets=False is a lint without the secrets
        if ref.kind == "config" and self.config is None:
            return  # no stack config at hand: the provider's check() sees the key
        if ref.kind != "inline":
            loc = loc + (ref.kind,)
        try:
            text = (
                self._config_key(ref.value)
                if ref.kind == "config"
                else _pem.resolve_secret(ref, self.base_dir, self.environ)
            )
        except SecretError as exc:
            self.report(loc, str(exc))
            return
        described = {
            "inline": "the inline key",
            "env": f"${ref.value}",
            "file": ref.value,
            "config": f"the key in config {ref.value}",
        }[ref.kind]
        try:
            key = _pem.parse_private_key(text)
        except ValueError as exc:
            self.report(loc, f"{described} {exc}")
            return
        problem = key_type_problem(key)
        if problem:
            self.report(loc, f"{described} {problem}")
            return
        if leaf is not None and not _pem.same_public_key(key, leaf):
            self.report(loc, f"{described} {KEY_MISMATCH}")

    def _config_key(self, key: str) -> str:
        assert self.config is not None
        value = self.config(key)
        if value is None or not value.strip():
            raise SecretError(
                f"config key {key!r} is not set for this stack; run `pulumi config set --secret {key} < KEYFILE`"
            )
        return normalise_text(value)
