"""Reading the three certificate sources of an entry: ``upload`` (with its key reference), ``adopt`` and ``free``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml
from cryptography import x509

from ..pem import certificate_key_problem, chain_problem, key_type_problem, normalise_text
from ..rules import VALIDATION_METHODS, certificate_id_problem, free_domain
from . import _pem
from ._model import AdoptSource, CertType, FreeSource, SecretError, SecretKind, SecretRef, UploadSource
from ._nodes import STR, Item, NodeReader, is_null, join

__all__ = ["CONFIG_KEY_PATTERN", "ENV_NAME_PATTERN", "VALIDATION_METHODS", "SourceReader"]

_UPLOAD_KEYS = {"certificate", "private_key"}
_SECRET_KEYS: tuple[SecretKind, ...] = ("config", "env", "file")
_ADOPT_KEYS = {"id", "take_over"}
_FREE_KEYS = {"domain", "validation"}
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
CONFIG_KEY_PATTERN = r"^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$"
_ENV_NAME = re.compile(ENV_NAME_PATTERN)
_CONFIG_KEY = re.compile(CONFIG_KEY_PATTERN)


class SourceReader(NodeReader):
    """Node reads for sources; certificate files and keys are read relative to ``base_dir``."""

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

    def adopt(self, node: yaml.Node, path: str) -> AdoptSource | None:
        """``adopt: GjTNRoK7`` or ``adopt: {id: GjTNRoK7, take_over: true}``."""
        take_over = False
        if isinstance(node, yaml.MappingNode):
            items = self.mapping(node, path)
            if items is None:
                return None
            self.unknown_keys(items, _ADOPT_KEYS, path)
            if "take_over" in items:
                flag = self.boolean(items["take_over"].value, join(path, "take_over"))
                if flag is None:
                    return None
                take_over = flag
            if "id" not in items:
                self.add(node, path, "needs id: the certificate to adopt (e.g. {id: GjTNRoK7, take_over: true})")
                return None
            node, path = items["id"].value, join(path, "id")
        value = self.ruled_text(node, path, certificate_id_problem, what="a certificate id")
        return None if value is None else AdoptSource(value, take_over=take_over)

    # -- free

    def free(self, node: yaml.Node, path: str) -> FreeSource | None:
        """``free: shop.example.com`` or ``free: {domain: ..., validation: ..., ...}``."""
        if isinstance(node, yaml.ScalarNode) and not is_null(node):
            domain = self.domain(node, path)
            return FreeSource(domain) if domain else None
        if is_null(node):
            self.add(node, path, "must be a domain (e.g. shop.example.com) or a mapping with a domain")
            return None
        items = self.mapping(node, path)
        if items is None:
            return None
        self.unknown_keys(items, _FREE_KEYS, path)
        before = len(self.problems)
        domain = None
        if "domain" in items:
            domain = self.domain(items["domain"].value, join(path, "domain"))
        else:
            self.add(node, join(path, "domain"), "missing; the domain to apply for, e.g. shop.example.com")
        validation = "DNS_AUTO"
        if "validation" in items:
            validation = self.choice(items["validation"].value, join(path, "validation"), VALIDATION_METHODS) or ""
        if len(self.problems) > before or not domain:
            return None
        return FreeSource(domain, validation)

    def domain(self, node: yaml.Node, path: str) -> str | None:
        """A host name for a free certificate, lower-cased, internationalised names in punycode."""
        value = self.text(node, path, what="a domain name")
        if value is None:
            return None
        domain, problem = free_domain(value)
        if problem:
            self.add(node, path, problem)
        return domain

    # -- upload

    def upload(self, item: Item, path: str, cert_type: CertType, allow_expired: bool) -> UploadSource | None:
        """``upload: {certificate: ..., private_key: ...}``: the certificate is read and checked now."""
        items = self.mapping(item.value, path)
        if items is None:
            return None
        self.unknown_keys(items, _UPLOAD_KEYS, path)
        chain: tuple[str, list[x509.Certificate]] | None = None
        cert_path = join(path, "certificate")
        if "certificate" not in items:
            self.add(item.key, cert_path, "missing; a PEM file path relative to the stack file, or inline PEM")
        else:
            node = items["certificate"].value
            text, _origin = self.certificate_text(node, cert_path)
            if text is not None:
                chain = self.check_chain(text, node, cert_path, cert_type, allow_expired)

        key_ref: SecretRef | None = None
        key_path = join(path, "private_key")
        if "private_key" in items:
            key_ref = self.secret_ref(items["private_key"].value, key_path)
        elif cert_type == "SVR":
            self.add(
                item.key,
                key_path,
                "missing; an SVR certificate needs its private key ({config: ...}, {env: ...} or {file: ...}); "
                "set type: CA for a CA certificate",
            )
        if key_ref is not None:
            self.check_key(key_ref, items["private_key"].value, key_path, chain[1][0] if chain else None)
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

    def certificate_text(self, node: yaml.Node, path: str) -> tuple[str | None, str]:
        """``(PEM text or None, origin)``: inline PEM, or the file the path names."""
        value = self.text(node, path, what="a file path or inline PEM")
        if value is None:
            return None, "inline"
        if not value.strip():
            self.add(node, path, "must be a file path or inline PEM, not an empty string")
            return None, "inline"
        if "-----BEGIN" in value:
            if len(value.encode()) > _pem.MAX_PEM_BYTES:
                self.add(node, path, "is too large (at most 1 MiB)")
                return None, "inline"
            return value, "inline"
        try:
            return _pem.read_small_text_file(_pem.resolve_path(value, self.base_dir), value), value
        except _pem.FileProblem as exc:
            self.add(node, path, f"certificate file {exc}")
            return None, value

    def check_chain(
        self, text: str, node: yaml.Node, path: str, cert_type: CertType, allow_expired: bool
    ) -> tuple[str, list[x509.Certificate]] | None:
        """The parsed chain, if it is one Tencent will take for ``cert_type``."""
        try:
            pem, certs = _pem.parse_chain(text)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return None
        leaf = certs[0]
        problem = certificate_key_problem(leaf)
        if problem:
            self.add(node, path, f"the certificate's public key {problem}")
            return None
        if cert_type == "SVR" and _pem.is_ca(leaf):
            self.add(
                node,
                path,
                f"the first certificate ({_pem.common_name(leaf) or 'no CN'}) is a CA certificate; for type SVR put "
                "the server certificate first, then its intermediates (or set type: CA)",
            )
            return None
        problem = chain_problem(certs)
        if problem:
            self.add(node, path, problem)
            return None
        if not allow_expired and leaf.not_valid_after_utc <= self.now:
            self.add(
                node,
                path,
                f"the certificate expired on {leaf.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}; renew it, "
                "or set allow_expired: true",
            )
            return None
        return pem, certs

    def secret_ref(self, node: yaml.Node, path: str) -> SecretRef | None:
        """``{config: KEY}``, ``{env: VAR}``, ``{file: PATH}`` or an inline PEM string."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == STR and "-----BEGIN" in node.value:
                return None if self.character_problem(node, path) else SecretRef("inline", node.value)
            # Never echo the value: it may be a key pasted without its PEM armour.
            self.add(
                node,
                path,
                "must be {config: KEY}, {env: VAR}, {file: PATH} or inline PEM; a plain string is not read as a "
                "path (write {file: ...})",
            )
            return None
        items = self.mapping(node, path)
        if items is None:
            return None
        self.unknown_keys(items, _SECRET_KEYS, path)
        given = [key for key in _SECRET_KEYS if key in items]
        if len(given) != 1:
            if given or all(key in _SECRET_KEYS for key in items):
                self.add(node, path, "give exactly one of config, env or file")
            return None
        kind = given[0]
        value_node = items[kind].value
        value = self.text(value_node, join(path, kind))
        if value is None:
            return None
        if kind == "config" and not _CONFIG_KEY.match(value):
            self.add(value_node, join(path, kind), f"{value!r} is not a Pulumi config key")
            return None
        if kind == "file" and not value.strip():
            self.add(value_node, join(path, kind), "must be a file path, not an empty string")
            return None
        if kind == "env" and not _ENV_NAME.match(value):
            self.add(value_node, join(path, kind), f"{value!r} is not an environment variable name")
            return None
        return SecretRef(kind, value)

    def check_key(self, ref: SecretRef, node: yaml.Node, path: str, leaf: x509.Certificate | None) -> None:
        """Read a key now: it must be a private key, and match ``leaf`` when there is one."""
        if ref.kind != "inline" and not self.read_secrets:
            return  # read_secrets=False is a lint without the secrets
        if ref.kind == "config" and self.config is None:
            return  # no stack config at hand: the provider's check() sees the key
        where = node
        if isinstance(node, yaml.MappingNode):
            where = next((v for k, v in node.value if getattr(k, "value", None) == ref.kind), node)
            path = join(path, ref.kind)
        try:
            text = (
                self._config_key(ref.value)
                if ref.kind == "config"
                else _pem.resolve_secret(ref, self.base_dir, self.environ)
            )
        except SecretError as exc:
            self.add(where, path, str(exc))
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
            self.add(where, path, f"{described} {exc}")
            return
        problem = key_type_problem(key)
        if problem:
            self.add(where, path, f"{described} {problem}")
            return
        if leaf is not None and not _pem.same_public_key(key, leaf):
            self.add(where, path, f"{described} does not match the certificate (their public keys differ)")

    def _config_key(self, key: str) -> str:
        assert self.config is not None
        value = self.config(key)
        if value is None or not value.strip():
            raise SecretError(
                f"config key {key!r} is not set for this stack; run `pulumi config set --secret {key} < KEYFILE`"
            )
        return normalise_text(value)
