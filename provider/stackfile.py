"""Stack files: ``stacks/<stack>.yaml`` read and validated into typed certificate specs.

``load_stack_file(path)`` returns a ``StackFile`` or raises ``StackFileError`` carrying every problem found, each with
the file, line, column and field (``stacks/dev.yaml:12:9: certificates.www.alias: must be at most 200 characters``),
so an invalid file never reaches the cloud. The format is documented in ``docs/stack-file.md`` and mirrored, as far
as JSON Schema can express it, by ``stacks/stack.schema.json``.

This module knows nothing of HTTP or Pulumi. Private-key references (``SecretRef``) are kept as references; the
program resolves them (``resolve_secret`` for env/file/inline, Pulumi config for ``config``). No message, ``repr`` or
exception raised here ever contains key material.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import yaml
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

__all__ = [
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "ENTRY_NAME_PATTERN",
    "MAX_PEM_BYTES",
    "AdoptSource",
    "CertificateSpec",
    "FreeSource",
    "Problem",
    "SecretError",
    "SecretRef",
    "StackFile",
    "StackFileError",
    "UploadSource",
    "load_stack_file",
    "normalize_pem",
    "parse_duration",
    "resolve_secret",
]

# Pulumi resource names have few limits, but these names also appear in URNs, CLI output and file names.
ENTRY_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
_ENTRY_NAME = re.compile(ENTRY_NAME_PATTERN)
DEFAULT_DELETE_TIMEOUT = 600  # seconds; design.md: deletion waits at most 10 minutes unless the file says otherwise
DEFAULT_CREATE_TIMEOUT = 600  # seconds; upload status and free-certificate issuance waits
MAX_TIMEOUT = 24 * 3600
MAX_PEM_BYTES = 1 << 20  # a certificate chain or key is a few KiB; anything near 1 MiB is a wrong file
MAX_ALIAS = 200
MAX_TAGS = 50  # Tencent Tag service limits, https://www.tencentcloud.com/document/product/651/13354
MAX_TAG_KEY = 127
MAX_TAG_VALUE = 255
# The brief's reserved prefixes plus the Tag doc's ``qcs:``; compared case-insensitively.
_RESERVED_TAG_PREFIXES = ("qcloud:", "tencent:", "qcs:", "project")
_TAG_SPECIALS = set("+-=._:/@()[],;>< ") | set("＋－＝／＠（）【】：")
_ADOPT_ID = re.compile(r"^[A-Za-z0-9]{8}$")
_DURATION = re.compile(r"^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONFIG_KEY = re.compile(r"^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{3,30}$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")

CertType = Literal["SVR", "CA"]
SecretKind = Literal["config", "env", "file", "inline"]
VALIDATION_METHODS = ("DNS_AUTO", "DNS", "FILE")
KEY_ALGORITHMS = ("RSA", "ECC")


# --------------------------------------------------------------------------------------------------------------------
# Public types


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
    """Upload a certificate the user owns; ``certificate_pem`` is normalised (see ``normalize_pem``)."""

    kind: ClassVar[str] = "upload"
    certificate_pem: str = field(repr=False)
    private_key: SecretRef | None
    certificate_origin: str  # the path as written in the stack file, or "inline"
    common_name: str = ""
    subject_alt_names: tuple[str, ...] = ()
    not_after: dt.datetime | None = None  # of the first (leaf) certificate, UTC


@dataclass(frozen=True)
class AdoptSource:
    """Manage a certificate that already exists in Tencent Cloud."""

    kind: ClassVar[str] = "adopt"
    certificate_id: str


@dataclass(frozen=True)
class FreeSource:
    """Apply for a free DV certificate (``ApplyCertificate``)."""

    kind: ClassVar[str] = "free"
    domain: str
    validation: str = "DNS_AUTO"  # DvAuthMethod: DNS_AUTO | DNS | FILE
    key_algorithm: str = "RSA"  # CsrEncryptAlgo: RSA | ECC
    contact_email: str | None = None
    contact_phone: str | None = None
    delete_dns_auto_record: bool = False


Source = UploadSource | AdoptSource | FreeSource


@dataclass(frozen=True)
class CertificateSpec:
    """One validated entry of ``certificates:``, with the stack's ``defaults`` merged in."""

    name: str
    source: Source
    alias: str = ""
    cert_type: CertType = "SVR"
    project_id: int = 0
    tags: dict[str, str] = field(default_factory=dict, hash=False)
    check_resources: bool = True
    delete_timeout: int = DEFAULT_DELETE_TIMEOUT
    create_timeout: int = DEFAULT_CREATE_TIMEOUT
    retain: bool = False
    protect: bool = False
    renamed_from: tuple[str, ...] = ()
    allow_expired: bool = False
    line: int = 0
    # Fields the file sets (in the entry or in defaults). An adopted certificate keeps, e.g., its alias when
    # "alias" is not in here; uploaded and free certificates use the defaults above for the rest.
    explicit_fields: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        """``upload``, ``adopt`` or ``free``."""
        return self.source.kind


@dataclass(frozen=True)
class StackFile:
    """A loaded stack file: its path and its certificates in file order."""

    path: Path
    certificates: tuple[CertificateSpec, ...]

    @property
    def base_dir(self) -> Path:
        """The directory that relative paths in the file (certificates, key files) are relative to."""
        return self.path.parent

    def get(self, name: str) -> CertificateSpec | None:
        """The entry called ``name``, or None."""
        return next((c for c in self.certificates if c.name == name), None)


# --------------------------------------------------------------------------------------------------------------------
# Public functions


def load_stack_file(
    path: Path | str,
    *,
    environ: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
    read_secrets: bool = True,
) -> StackFile:
    """Read and validate a stack file; raise ``StackFileError`` with every problem found.

    ``environ`` (default ``os.environ``) serves ``{env: VAR}`` keys; ``now`` (default: the current time) decides
    expiry; with ``read_secrets=False`` env and file keys are neither read nor checked against their certificate.
    """
    path = Path(path)
    loader = _Loader(
        path,
        environ=os.environ if environ is None else environ,
        now=now or dt.datetime.now(dt.UTC),
        read_secrets=read_secrets,
    )
    result = loader.load()
    if loader.problems or result is None:
        raise StackFileError(loader.sorted_problems())
    return result


def resolve_secret(ref: SecretRef, base_dir: Path, environ: Mapping[str, str]) -> str:
    """The private key PEM behind an env, file or inline reference (config references belong to the program)."""
    if ref.kind == "inline":
        return _normalize_text(ref.value)
    if ref.kind == "env":
        if ref.value not in environ:
            raise SecretError(f"environment variable {ref.value} is not set")
        return _env_key_text(environ[ref.value])
    if ref.kind == "file":
        full = _resolve_path(ref.value, base_dir)
        try:
            return _normalize_text(_read_small_text_file(full, ref.value))
        except _FileProblem as exc:
            raise SecretError(f"private key file {exc}") from None
    raise SecretError(
        f"config key {ref.value!r} is resolved by the Pulumi program (pulumi config set --secret {ref.value} ...)"
    )


def normalize_pem(text: str) -> str:
    """A certificate chain in canonical PEM: blocks re-encoded, in order, ``\\n`` line ends, no surrounding blanks.

    Raises ``ValueError`` when the text is not a PEM certificate chain. The same certificate always gives the same
    string, so comparing what the file says with what Tencent returns shows no spurious change.
    """
    return _parse_chain(text)[0]


def parse_duration(text: str) -> int:
    """``90s``, ``10m``, ``1h30m`` -> seconds; raises ``ValueError`` for anything else (a unit is required)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 90s, 10m or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


# --------------------------------------------------------------------------------------------------------------------
# Text, files and PEM


class _FileProblem(ValueError):
    """A referenced file cannot be used; the message starts with the path as written."""


def _normalize_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _env_key_text(value: str) -> str:
    # CI systems often store a PEM on one line with literal "\n"; turn those back into line ends.
    if "\n" not in value and "\\n" in value:
        value = value.replace("\\n", "\n")
    return _normalize_text(value)


def _resolve_path(written: str, base_dir: Path) -> Path:
    path = Path(written)
    return path if path.is_absolute() else base_dir / path


def _read_small_text_file(full: Path, shown: str) -> str:
    try:
        info = full.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _FileProblem(f"{shown} is not a regular file")
        if info.st_size > MAX_PEM_BYTES:
            raise _FileProblem(f"{shown} is too large ({info.st_size} bytes; at most 1 MiB)")
        data = full.read_bytes()
    except FileNotFoundError:
        raise _FileProblem(f"{shown} not found (looked for {os.path.abspath(full)})") from None
    except OSError as exc:
        raise _FileProblem(f"{shown} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_PEM_BYTES:
        raise _FileProblem(f"{shown} is too large (at most 1 MiB)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _FileProblem(
            f"{shown} is not UTF-8 text (byte {exc.start}); a DER file must be converted to PEM first"
        ) from None


def _parse_chain(text: str) -> tuple[str, list[x509.Certificate]]:
    text = _normalize_text(text)
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
    pem = "\n".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii").strip() for c in certs)
    return pem, certs


def _parse_private_key(text: str) -> PrivateKeyTypes:
    data = _normalize_text(text).encode()
    if b"-----BEGIN" not in data:
        raise ValueError("is not a PEM private key")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ValueError("is encrypted; give the unencrypted key (e.g. openssl pkey -in KEY -out PLAIN)") from None
    except (ValueError, UnsupportedAlgorithm):
        if b"-----BEGIN CERTIFICATE-----" in data:
            raise ValueError("is a certificate, not a private key") from None
        raise ValueError("is not a valid PEM private key") from None


def _public_der(key: Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        return tuple(
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        )
    except x509.ExtensionNotFound:
        return ()


def _tag_text_problem(text: str, what: str, limit: int, *, allow_empty: bool) -> str | None:
    if not text:
        return None if allow_empty else f"{what} must not be empty"
    if len(text) > limit:
        return f"{what} must be at most {limit} characters (has {len(text)})"
    if text != text.strip(" "):
        return f"{what} must not start or end with a space"
    bad = sorted({ch for ch in text if not (ch.isalnum() or ch in _TAG_SPECIALS)})
    if bad:
        shown = " ".join(repr(ch) for ch in bad[:5])
        return (
            f"{what} has characters Tencent does not allow in tags: {shown} "
            "(allowed: letters, digits, spaces, + - = . _ : / @ ( ) [ ] , ; > <)"
        )
    return None


# --------------------------------------------------------------------------------------------------------------------
# YAML nodes

_YAML_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL = (_YAML_TAG + t for t in ("str", "int", "bool", "null"))
_MERGE = _YAML_TAG + "merge"
_TEXT_TAGS = {_STR, _INT, _YAML_TAG + "float", _BOOL, _YAML_TAG + "timestamp"}


class _NodeLoader(yaml.SafeLoader):
    """Composes the node tree only: every node keeps its marks, so each value knows its line and column."""


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {_NULL: "empty", _BOOL: "true/false", _INT: "a number", _YAML_TAG + "float": "a number"}.get(
        node.tag, "a string"
    )


def _suggest(key: str, valid: Iterable[str]) -> str:
    choices = sorted(valid)
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    # Abbreviations (`cert` for `certificate`) score low on similarity but are the commonest slip.
    close = close or [c for c in choices if len(key) >= 3 and (c.startswith(key) or key.startswith(c))][:1]
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; expected one of: {', '.join(choices)}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass
class _Item:
    key: yaml.Node
    value: yaml.Node


T = TypeVar("T")

_TOP_KEYS = {"defaults", "certificates"}
_SOURCE_KEYS = ("upload", "adopt", "free")
# Options valid in an entry and in defaults, with the CertificateSpec field each one sets.
_SHARED_OPTIONS = {
    "project_id": "project_id",
    "tags": "tags",
    "check_resources": "check_resources",
    "delete_timeout": "delete_timeout",
    "create_timeout": "create_timeout",
    "retain": "retain",
    "protect": "protect",
    "allow_expired": "allow_expired",
}
_ENTRY_ONLY = {"alias": "alias", "type": "cert_type", "renamed_from": "renamed_from", "aliases": "renamed_from"}
_ENTRY_KEYS = set(_SOURCE_KEYS) | set(_SHARED_OPTIONS) | set(_ENTRY_ONLY)
_UPLOAD_KEYS = {"certificate", "private_key"}
_SECRET_KEYS = ("config", "env", "file")
_FREE_KEYS = {"domain", "validation", "key_algorithm", "contact_email", "contact_phone", "delete_dns_auto_record"}


class _Loader:
    """One load of one stack file: walks the node tree and collects every problem."""

    def __init__(self, path: Path, *, environ: Mapping[str, str], now: dt.datetime, read_secrets: bool) -> None:
        self.path = path
        self.file = str(path)
        self.base_dir = path.parent
        self.environ = environ
        self.now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
        self.read_secrets = read_secrets
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()

    # -- problems

    def add(self, where: yaml.Node | yaml.Mark | None, path: str, message: str) -> None:
        mark = where.start_mark if isinstance(where, yaml.Node) else where
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        self.problems.append(Problem(self.file, line, column, path, message))

    def sorted_problems(self) -> list[Problem]:
        unique = dict.fromkeys(self.problems)  # an anchored node reached twice reports once per path, not twice
        return sorted(unique, key=lambda p: (p.line, p.column, p.field_path))

    # -- document

    def load(self) -> StackFile | None:
        text = self.read_document()
        if text is None:
            return None
        root = self.compose(text)
        if root is None:
            return None
        if not isinstance(root, yaml.MappingNode):
            self.add(root, "", f"the stack file must be a mapping with a 'certificates' key, not {_describe(root)}")
            return None
        items = self.mapping(root, "")
        if items is None:
            return None
        for key, item in items.items():
            # x-* keys hold YAML anchors for reuse (as in docker-compose); everything else must be known.
            if key not in _TOP_KEYS and not key.startswith("x-"):
                self.add(item.key, key, _suggest(key, _TOP_KEYS))
        defaults = self.defaults(items["defaults"].value) if "defaults" in items else {}
        if "certificates" not in items:
            self.add(
                root,
                "certificates",
                "missing; list the stack's certificates under 'certificates:' "
                "(an empty 'certificates:' deletes them all)",
            )
            return None
        return StackFile(self.path, self.certificates(items["certificates"].value, defaults))

    def read_document(self) -> str | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            self.add(None, "", "stack file not found")
            return None
        except OSError as exc:
            self.add(None, "", f"stack file cannot be read: {exc.strerror or exc}")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self.problems.append(
                Problem(self.file, line, column, "", f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8")
            )
            return None
        return text

    def compose(self, text: str) -> yaml.Node | None:
        try:
            root = yaml.compose(text, Loader=_NodeLoader)
        except yaml.MarkedYAMLError as exc:
            # Only problem and context: PyYAML's own str() quotes the line, which may be inline key material.
            message = f"invalid YAML: {exc.problem or exc.context}"
            if exc.problem and exc.context and exc.context_mark is not None:
                message += f" ({exc.context} at line {exc.context_mark.line + 1})"
            self.add(exc.problem_mark or exc.context_mark, "", message)
            return None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            self.problems.append(
                Problem(self.file, line, column, "", f"invalid YAML: control character #x{exc.character:04x}")
            )
            return None
        if root is None:
            self.add(
                None,
                "",
                "the stack file is empty; declare 'certificates:' "
                "(an explicit empty 'certificates:' deletes every certificate of the stack)",
            )
        return root

    # -- generic node readers

    def mapping(self, node: yaml.Node, path: str) -> dict[str, _Item] | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(node, path, f"must be a mapping, not {_describe(node)}")
            return None
        first: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(key_node, path, f"keys must be strings, not {_describe(key_node)}")
                continue
            name = key_node.value
            if name in first:
                self.add(
                    key_node,
                    _join(path, name),
                    f"duplicate key (first at line {first[name].start_mark.line + 1}); YAML would keep only the last",
                )
            else:
                first[name] = key_node
        if any(k.tag == _MERGE for k, _ in node.value):
            try:
                # Merged keys go first, so the mapping's own keys win, as YAML's merge key specifies.
                self.constructor.flatten_mapping(node)
            except yaml.constructor.ConstructorError as exc:
                self.add(exc.problem_mark, path, f"invalid merge key (<<): {exc.problem}")
                return None
        items: dict[str, _Item] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                items[key_node.value] = _Item(key_node, value_node)
        return items

    def unknown_keys(self, items: dict[str, _Item], valid: Iterable[str], path: str) -> None:
        valid = set(valid)
        for key, item in items.items():
            if key not in valid:
                self.add(item.key, _join(path, key), _suggest(key, valid))

    def scalar_ok(self, node: yaml.Node, path: str, expected: str) -> bool:
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, path, f"must be {expected}, not {_describe(node)}")
            return False
        if not node.tag.startswith(_YAML_TAG):
            self.add(node, path, f"unsupported YAML tag {node.tag}")
            return False
        return True

    def text(self, node: yaml.Node, path: str, *, what: str = "a string") -> str | None:
        """The scalar as written (so `1.10` stays "1.10" and `on` stays "on"); None after recording a problem."""
        if not self.scalar_ok(node, path, what):
            return None
        if node.tag == _NULL:
            self.add(node, path, f"must be {what}, not empty")
            return None
        if node.tag not in _TEXT_TAGS:
            self.add(node, path, f"must be {what}, not {node.tag.removeprefix(_YAML_TAG)}")
            return None
        return str(node.value)

    def boolean(self, node: yaml.Node, path: str) -> bool | None:
        if not self.scalar_ok(node, path, "true or false"):
            return None
        if node.tag != _BOOL:
            quoted = " (without quotes)" if node.style in ("'", '"') else ""
            self.add(node, path, f"must be true or false{quoted}, not {node.value!r}")
            return None
        return bool(self.constructor.construct_yaml_bool(node))

    def integer(self, node: yaml.Node, path: str) -> int | None:
        if not self.scalar_ok(node, path, "an integer"):
            return None
        if node.tag != _INT:
            self.add(node, path, f"must be an integer, not {node.value!r}")
            return None
        return int(self.constructor.construct_yaml_int(node))

    def choice(self, node: yaml.Node, path: str, choices: Sequence[str]) -> str | None:
        value = self.text(node, path, what=" or ".join(choices))
        if value is None:
            return None
        if value not in choices:
            hint = next((c for c in choices if c.lower() == value.lower()), None)
            extra = f"; did you mean {hint!r}?" if hint else ""
            self.add(node, path, f"must be one of {', '.join(choices)}, not {value!r}{extra}")
            return None
        return value

    # -- options shared by defaults and entries

    def duration(self, node: yaml.Node, path: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
            self.add(node, path, f"needs a unit: {node.value}s, or e.g. 10m or 1h30m")
            return None
        value = self.text(node, path, what="a duration such as 90s, 10m or 1h30m")
        if value is None:
            return None
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return None
        if not 1 <= seconds <= MAX_TIMEOUT:
            self.add(node, path, f"must be between 1s and 24h, not {value!r}")
            return None
        return seconds

    def project_id(self, node: yaml.Node, path: str) -> int | None:
        value = self.integer(node, path)
        if value is not None and not 0 <= value < 2**31:
            self.add(node, path, "must be a project id: 0 (the default project) or a positive integer")
            return None
        return value

    def tags(self, node: yaml.Node, path: str) -> dict[str, str | None] | None:
        """Tag key -> value, or None for "remove the tag the defaults set"."""
        if _is_null(node):
            return {}
        items = self.mapping(node, path)
        if items is None:
            return None
        tags: dict[str, str | None] = {}
        for key, item in items.items():
            problem = _tag_text_problem(key, "tag key", MAX_TAG_KEY, allow_empty=False)
            if problem is None and key.lower().startswith(_RESERVED_TAG_PREFIXES):
                problem = f"tag key {key!r} uses a prefix Tencent reserves ({', '.join(_RESERVED_TAG_PREFIXES)})"
            if problem:
                self.add(item.key, _join(path, key), problem)
                continue
            if _is_null(item.value):
                tags[key] = None
                continue
            value = self.text(item.value, _join(path, key), what="a tag value")
            if value is None:
                continue
            problem = _tag_text_problem(value, "tag value", MAX_TAG_VALUE, allow_empty=True)
            if problem:
                self.add(item.value, _join(path, key), problem)
                continue
            tags[key] = value
        if len(tags) > MAX_TAGS:
            self.add(node, path, f"has {len(tags)} tags; Tencent allows at most {MAX_TAGS} per certificate")
        return tags

    def option(self, key: str, node: yaml.Node, path: str) -> Any:
        readers: dict[str, Callable[[yaml.Node, str], Any]] = {
            "project_id": self.project_id,
            "tags": self.tags,
            "check_resources": self.boolean,
            "delete_timeout": self.duration,
            "create_timeout": self.duration,
            "retain": self.boolean,
            "protect": self.boolean,
            "allow_expired": self.boolean,
        }
        return readers[key](node, path)

    def defaults(self, node: yaml.Node) -> dict[str, tuple[Any, yaml.Node]]:
        if _is_null(node):
            return {}
        items = self.mapping(node, "defaults")
        if items is None:
            return {}
        values: dict[str, tuple[Any, yaml.Node]] = {}
        for key, item in items.items():
            path = _join("defaults", key)
            if key in _SHARED_OPTIONS:
                value = self.option(key, item.value, path)
                if value is not None:
                    values[key] = (value, item.value)
            elif key in _ENTRY_KEYS:
                self.add(item.key, path, f"cannot be a default; set {key!r} in each certificate")
            else:
                self.add(item.key, path, _suggest(key, _SHARED_OPTIONS))
        return values

    # -- certificates

    def certificates(self, node: yaml.Node, defaults: dict[str, tuple[Any, yaml.Node]]) -> tuple[CertificateSpec, ...]:
        if _is_null(node):
            return ()
        if isinstance(node, yaml.SequenceNode):
            self.add(node, "certificates", "must be a mapping of entry name to certificate, not a list")
            return ()
        items = self.mapping(node, "certificates")
        if items is None:
            return ()
        specs: list[CertificateSpec] = []
        renames: dict[str, tuple[str, yaml.Node]] = {}  # old name -> (entry claiming it, node)
        adopted: dict[str, str] = {}
        for name, item in items.items():
            spec, old_names = self.entry(name, item, defaults)
            for old, old_node in old_names:
                path = f"certificates.{name}.renamed_from"
                if old in items:
                    self.add(old_node, path, f"{old!r} is the name of another entry in this file")
                elif old in renames:
                    self.add(old_node, path, f"{old!r} is already claimed by entry {renames[old][0]!r}")
                else:
                    renames[old] = (name, old_node)
            if spec is None:
                continue
            if isinstance(spec.source, AdoptSource):
                other = adopted.get(spec.source.certificate_id)
                if other is not None:
                    self.add(
                        item.value,
                        f"certificates.{name}.adopt",
                        f"certificate {spec.source.certificate_id} is already adopted by entry {other!r}",
                    )
                adopted.setdefault(spec.source.certificate_id, name)
            specs.append(spec)
        return tuple(specs)

    def entry(
        self, name: str, item: _Item, defaults: dict[str, tuple[Any, yaml.Node]]
    ) -> tuple[CertificateSpec | None, list[tuple[str, yaml.Node]]]:
        path = f"certificates.{name}"
        problems_before = len(self.problems)
        if not _ENTRY_NAME.match(name):
            self.add(
                item.key,
                path,
                "entry names must be 1-63 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit",
            )
        if _is_null(item.value):
            self.add(item.key, path, "is empty; give one of upload, adopt or free")
            return None, []
        items = self.mapping(item.value, path)
        if items is None:
            return None, []
        self.unknown_keys(items, _ENTRY_KEYS, path)

        explicit: set[str] = set()
        values: dict[str, Any] = {}
        for key in _SHARED_OPTIONS:
            if key in items:
                values[key] = self.option(key, items[key].value, _join(path, key))
                explicit.add(_SHARED_OPTIONS[key])
            elif key in defaults:
                values[key] = defaults[key][0]
                explicit.add(_SHARED_OPTIONS[key])
        tags = self.merged_tags(items, defaults, path, item.key)

        alias = ""
        if "alias" in items:
            explicit.add("alias")
            alias = "" if _is_null(items["alias"].value) else self.alias(items["alias"].value, _join(path, "alias"))
        cert_type: CertType = "SVR"
        if "type" in items:
            explicit.add("cert_type")
            cert_type = self.choice(items["type"].value, _join(path, "type"), ("SVR", "CA")) or "SVR"  # type: ignore[assignment]
        old_names = self.renamed_from(name, items, path)

        sources = [key for key in _SOURCE_KEYS if key in items]
        if not sources:
            self.add(item.key, path, "needs one of upload, adopt or free")
        elif len(sources) > 1:
            self.add(
                items[sources[1]].key,
                _join(path, sources[1]),
                f"give exactly one of upload, adopt or free (this entry also has {sources[0]!r})",
            )
        # Every source given is checked, even when there are two, so that one run reports everything.
        found: list[Source | None] = []
        for key in sources:
            if key == "upload":
                allow_expired = bool(values.get("allow_expired", False))
                found.append(self.upload(items["upload"], _join(path, "upload"), cert_type, allow_expired))
            elif key == "adopt":
                found.append(self.adopt(items["adopt"].value, _join(path, "adopt")))
            else:
                if "type" in items and cert_type != "SVR":
                    self.add(items["type"].value, _join(path, "type"), "free certificates are always SVR")
                found.append(self.free(items["free"].value, _join(path, "free")))
        source = found[0] if len(found) == 1 else None

        if source is None or len(self.problems) > problems_before:
            return None, old_names
        spec = CertificateSpec(
            name=name,
            source=source,
            alias=alias or "",
            cert_type=cert_type,
            project_id=values.get("project_id", 0),
            tags=tags or {},
            check_resources=values.get("check_resources", True),
            delete_timeout=values.get("delete_timeout", DEFAULT_DELETE_TIMEOUT),
            create_timeout=values.get("create_timeout", DEFAULT_CREATE_TIMEOUT),
            retain=values.get("retain", False),
            protect=values.get("protect", False),
            renamed_from=tuple(old for old, _ in old_names),
            allow_expired=values.get("allow_expired", False),
            line=item.key.start_mark.line + 1,
            explicit_fields=frozenset(explicit),
        )
        return spec, old_names

    def merged_tags(
        self, items: dict[str, _Item], defaults: dict[str, tuple[Any, yaml.Node]], path: str, name_node: yaml.Node
    ) -> dict[str, str] | None:
        merged: dict[str, str] = {}
        if "tags" in defaults:
            merged.update({k: v for k, v in defaults["tags"][0].items() if v is not None})
        if "tags" not in items:
            return merged
        # Parsed again here (option() parsed it too) only to merge; problems were recorded once, by option().
        own = self.quiet(lambda: self.tags(items["tags"].value, _join(path, "tags")))
        if own is None:
            return None
        for key, value in own.items():
            if value is None:
                merged.pop(key, None)  # `key: ~` in an entry removes a tag that the defaults set
            else:
                merged[key] = value
        if len(merged) > MAX_TAGS:
            self.add(
                items["tags"].value,
                _join(path, "tags"),
                f"has {len(merged)} tags with the defaults merged in; "
                f"Tencent allows at most {MAX_TAGS} per certificate",
            )
        return merged

    def quiet(self, read: Callable[[], T]) -> T:
        count = len(self.problems)
        try:
            return read()
        finally:
            del self.problems[count:]

    def alias(self, node: yaml.Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        if len(value) > MAX_ALIAS:
            self.add(node, path, f"must be at most {MAX_ALIAS} characters (has {len(value)})")
            return None
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            self.add(node, path, "must not contain control characters or line breaks")
            return None
        return value

    def renamed_from(self, name: str, items: dict[str, _Item], path: str) -> list[tuple[str, yaml.Node]]:
        keys = [key for key in ("renamed_from", "aliases") if key in items]
        if not keys:
            return []
        if len(keys) == 2:
            self.add(items["aliases"].key, _join(path, "aliases"), "give renamed_from or aliases, not both")
        key = keys[0]
        field_path = _join(path, key)
        node = items[key].value
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        result: list[tuple[str, yaml.Node]] = []
        seen: set[str] = set()
        for element in nodes:
            old = self.text(element, field_path, what="an entry name")
            if old is None:
                continue
            if not _ENTRY_NAME.match(old):
                self.add(element, field_path, f"{old!r} is not a valid entry name")
            elif old == name:
                self.add(element, field_path, "an entry cannot be renamed from its own name")
            elif old in seen:
                self.add(element, field_path, f"{old!r} is listed twice")
            else:
                seen.add(old)
                result.append((old, element))
        return result

    # -- sources

    def adopt(self, node: yaml.Node, path: str) -> AdoptSource | None:
        value = self.text(node, path, what="a certificate id")
        if value is None:
            return None
        if not _ADOPT_ID.match(value):
            self.add(
                node, path, f"must be a Tencent certificate id (8 letters or digits, e.g. GjTNRoK7), not {value!r}"
            )
            return None
        return AdoptSource(value)

    def free(self, node: yaml.Node, path: str) -> FreeSource | None:
        if isinstance(node, yaml.ScalarNode) and not _is_null(node):
            domain = self.domain(node, path)  # `free: shop.example.com` is short for `free: {domain: ...}`
            return FreeSource(domain) if domain else None
        items = self.mapping(node, path)
        if items is None:
            return None
        self.unknown_keys(items, _FREE_KEYS, path)
        ok = True
        domain = None
        if "domain" in items:
            domain = self.domain(items["domain"].value, _join(path, "domain"))
        else:
            self.add(node, _join(path, "domain"), "missing; the domain to apply for, e.g. shop.example.com")
        validation = "DNS_AUTO"
        if "validation" in items:
            validation = self.choice(items["validation"].value, _join(path, "validation"), VALIDATION_METHODS) or ""
            ok = ok and bool(validation)
        algorithm = "RSA"
        if "key_algorithm" in items:
            algorithm = self.choice(items["key_algorithm"].value, _join(path, "key_algorithm"), KEY_ALGORITHMS) or ""
            ok = ok and bool(algorithm)
        email = phone = None
        if "contact_email" in items:
            email = self.text(items["contact_email"].value, _join(path, "contact_email"), what="an email address")
            if email is not None and not _EMAIL.match(email):
                self.add(items["contact_email"].value, _join(path, "contact_email"), "is not an email address")
            ok = ok and email is not None and bool(_EMAIL.match(email))
        if "contact_phone" in items:
            phone = self.text(items["contact_phone"].value, _join(path, "contact_phone"), what="a phone number")
            if phone is not None and not _PHONE.match(phone):
                self.add(items["contact_phone"].value, _join(path, "contact_phone"), "is not a phone number")
            ok = ok and phone is not None and bool(_PHONE.match(phone))
        delete_record = False
        if "delete_dns_auto_record" in items:
            value = self.boolean(items["delete_dns_auto_record"].value, _join(path, "delete_dns_auto_record"))
            ok = ok and value is not None
            delete_record = bool(value)
            if delete_record and validation and validation != "DNS_AUTO":
                self.add(
                    items["delete_dns_auto_record"].value,
                    _join(path, "delete_dns_auto_record"),
                    "only applies to validation: DNS_AUTO",
                )
                ok = False
        if not ok or not domain:
            return None
        return FreeSource(domain, validation, algorithm, email, phone, delete_record)

    def domain(self, node: yaml.Node, path: str) -> str | None:
        value = self.text(node, path, what="a domain name")
        if value is None:
            return None
        domain = value.strip().lower().removesuffix(".")
        if domain.startswith("*."):
            self.add(node, path, "free certificates cannot be wildcards; list each host name as its own entry")
            return None
        if not domain.isascii():
            try:
                domain = domain.encode("idna").decode("ascii")
            except UnicodeError:
                self.add(node, path, f"{value!r} is not a valid domain name")
                return None
        labels = domain.split(".")
        if (
            len(domain) > 253
            or len(labels) < 2
            or not all(_DNS_LABEL.match(label) for label in labels)
            or labels[-1].isdigit()
        ):
            self.add(node, path, f"{value!r} is not a valid domain name (e.g. shop.example.com)")
            return None
        return domain

    def upload(self, item: _Item, path: str, cert_type: CertType, allow_expired: bool) -> UploadSource | None:
        items = self.mapping(item.value, path)
        if items is None:
            return None
        self.unknown_keys(items, _UPLOAD_KEYS, path)
        chain: tuple[str, list[x509.Certificate]] | None = None
        origin = "inline"
        cert_path = _join(path, "certificate")
        if "certificate" not in items:
            self.add(item.key, cert_path, "missing; a PEM file path relative to the stack file, or inline PEM")
        else:
            node = items["certificate"].value
            text, origin = self.certificate_text(node, cert_path)
            if text is not None:
                chain = self.check_chain(text, node, cert_path, cert_type, allow_expired)

        key_ref: SecretRef | None = None
        key_path = _join(path, "private_key")
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
            certificate_origin=origin,
            common_name=_common_name(leaf),
            subject_alt_names=_dns_names(leaf),
            not_after=leaf.not_valid_after_utc,
        )

    def certificate_text(self, node: yaml.Node, path: str) -> tuple[str | None, str]:
        value = self.text(node, path, what="a file path or inline PEM")
        if value is None:
            return None, "inline"
        if "-----BEGIN" in value:
            text = value
            origin = "inline"
        else:
            origin = value
            try:
                text = _read_small_text_file(_resolve_path(value, self.base_dir), value)
            except _FileProblem as exc:
                self.add(node, path, f"certificate file {exc}")
                return None, origin
        if len(text.encode()) > MAX_PEM_BYTES:
            self.add(node, path, "is too large (at most 1 MiB)")
            return None, origin
        return text, origin

    def check_chain(
        self, text: str, node: yaml.Node, path: str, cert_type: CertType, allow_expired: bool
    ) -> tuple[str, list[x509.Certificate]] | None:
        try:
            pem, certs = _parse_chain(text)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return None
        leaf = certs[0]
        if cert_type == "SVR" and _is_ca(leaf):
            self.add(
                node,
                path,
                f"the first certificate ({_common_name(leaf) or 'no CN'}) is a CA certificate; for type SVR put the "
                "server certificate first, then its intermediates (or set type: CA)",
            )
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
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR and "-----BEGIN" in node.value:
                return SecretRef("inline", node.value)
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
            if given or not any(key not in _SECRET_KEYS for key in items):
                self.add(node, path, "give exactly one of config, env or file")
            return None
        kind = given[0]
        value_node = items[kind].value
        value = self.text(value_node, _join(path, kind))
        if value is None:
            return None
        pattern = {"config": _CONFIG_KEY, "env": _ENV_NAME}.get(kind)
        if pattern is not None and not pattern.match(value):
            noun = "a Pulumi config key" if kind == "config" else "an environment variable name"
            self.add(value_node, _join(path, kind), f"{value!r} is not {noun}")
            return None
        return SecretRef(kind, value)  # type: ignore[arg-type]

    def check_key(self, ref: SecretRef, node: yaml.Node, path: str, leaf: x509.Certificate | None) -> None:
        if ref.kind == "config" or (ref.kind != "inline" and not self.read_secrets):
            return  # the provider's check() sees config keys; read_secrets=False is a dry lint without secrets
        where = node
        if isinstance(node, yaml.MappingNode):
            where = next((v for k, v in node.value if getattr(k, "value", None) == ref.kind), node)
            path = _join(path, ref.kind)
        try:
            text = resolve_secret(ref, self.base_dir, self.environ)
        except SecretError as exc:
            self.add(where, path, str(exc))
            return
        described = {"inline": "the inline key", "env": f"${ref.value}", "file": ref.value}[ref.kind]
        try:
            key = _parse_private_key(text)
        except ValueError as exc:
            self.add(where, path, f"{described} {exc}")
            return
        if leaf is None:
            return  # the certificate itself is wrong; that problem is already reported
        try:
            matches = _public_der(key.public_key()) == _public_der(leaf.public_key())
        except (ValueError, TypeError, AttributeError, UnsupportedAlgorithm):
            matches = False
        if not matches:
            self.add(where, path, f"{described} does not match the certificate (their public keys differ)")
