"""A certificate's input properties: one typed schema, and how values are read, normalised and compared.

``CertificateInputs`` is the schema: one typed attribute per input property, with the default and facts the field
registry (``provider.fields``) declares (which sources have it, whether changing it replaces the certificate or is no
step at all, whether it is secret, what it means). The property names per source, ``REPLACE_FIELDS``,
``NO_STEP_FIELDS`` and the defaults ``check`` fills in all derive from it. The provider parses a resource's
properties into it once (``CertificateInputs.parse``) and reads typed attributes from then on.

Inputs arrive from the engine as plain values (numbers as protobuf doubles, unknowns as a sentinel string during
preview); everything here takes and returns plain values, so it needs no Pulumi import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import fields, rules
from .fields import DEFAULT_CREATE_TIMEOUT, DEFAULT_DELETE_TIMEOUT
from .pem import normalise_pem, same_key

__all__ = [
    "ALL_INPUTS",
    "CERTIFICATE_DIGEST",
    "CERTIFICATE_TYPES",
    "CertificateInputs",
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "HAS_PRIVATE_KEY",
    "NO_STEP_FIELDS",
    "REPLACE_FIELDS",
    "REQUIRED_INPUTS",
    "SECRET_FIELDS",
    "SOURCES",
    "Source",
    "UNKNOWN",
    "as_bool",
    "as_int",
    "certificate_digest",
    "default_of",
    "defaults_of",
    "entry_name",
    "field_changed",
    "input_names",
    "is_unknown",
    "iso",
    "normalise_inputs",
    "recorded_claim",
    "recorded_expiry",
    "recorded_predecessor",
    "recorded_predecessors",
    "regions_of",
    "seconds",
    "sparse_inputs",
    "tags_of",
]

#: The value the engine sends for an input not known yet (preview); equals ``pulumi.runtime.rpc.UNKNOWN``, kept
#: here so these helpers need no Pulumi import (tests/provider/test_rules.py checks they agree).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

SOURCES = fields.SOURCES
CERTIFICATE_TYPES = fields.by_name("certificate_type").choices
Source = Literal["upload", "adopt", "free"]


def _prop(name: str) -> Any:
    """The dataclass field of registry field ``name`` (``provider.fields``): its default, and its facts as metadata
    (``sources``, ``replace``, ``step`` = not only steering, ``secret``, ``given``, ``required``, ``doc``)."""
    f = fields.by_name(name)
    meta = dict(
        doc=f.doc, sources=f.sources, replace=f.replace, step=f.step, secret=f.secret, given=f.given,
        required=f.required, kind=f.kind,
    )  # fmt: skip
    if isinstance(f.default, dict):
        return field(default_factory=dict, metadata=meta)
    return field(default=f.default, metadata=meta)


@dataclass(frozen=True)
class CertificateInputs:
    """The schema of a certificate's inputs, typed; ``parse`` reads the engine's plain values into it. Every fact
    about a field is the registry's (``provider.fields``); an attribute here only gives it its Python type."""

    source: Source = _prop("source")
    entry: str = _prop("entry")
    owner: str = _prop("owner")
    renamed_from: dict[str, str] = _prop("renamed_from")
    stack_file: str = _prop("stack_file")
    alias: str = _prop("alias")
    project_id: int = _prop("project_id")
    tags: dict[str, str] = _prop("tags")
    check_resources: bool = _prop("check_resources")
    rotate: bool = _prop("rotate")
    retain: bool = _prop("retain")
    renew_before: str = _prop("renew_before")
    deploy_regions: dict[str, list[str]] = _prop("deploy_regions")
    delete_timeout: float = _prop("delete_timeout")
    create_timeout: float = _prop("create_timeout")
    certificate: str = _prop("certificate")
    private_key: str = _prop("private_key")
    private_key_from: str = _prop("private_key_from")
    certificate_type: str = _prop("certificate_type")
    allow_expired: bool = _prop("allow_expired")
    adopt_id: str = _prop("adopt_id")
    take_over: bool = _prop("take_over")
    free_domain: str = _prop("free_domain")
    free_validation: str = _prop("free_validation")

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if not f.metadata["secret"]}
        return f"CertificateInputs({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> CertificateInputs:
        """Typed inputs from the engine's properties (inputs or outputs echoing them); absent ones get defaults.

        Values must have passed ``check``; unknown names are ignored. A value not known yet (preview) stays the
        engine's unknown marker in a text field and leaves any other field at its default.
        """
        source = props.get("source") or "upload"
        values: dict[str, Any] = {"source": source}
        for f in dataclasses.fields(cls):
            raw = props.get(f.name)
            if f.name == "source" or raw is None or source not in f.metadata["sources"]:
                continue
            if is_unknown(raw):
                if f.type in ("str", str):
                    values[f.name] = UNKNOWN
                continue
            values[f.name] = _coerce(f.name, raw)
        return cls(**values)

    def to_props(self) -> dict[str, Any]:
        """The properties of this certificate's source, as the state echoes them (a required one left empty is
        left out, e.g. the private key of a CA certificate)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if self.source in f.metadata["sources"] and not (f.metadata["given"] and getattr(self, f.name) in ("", {}))
        }


def recorded_claim(state: Mapping[str, Any]) -> str:
    """The ``pulumi:claim`` a resource's state recorded (an output, not an input; ``provider.ownership``)."""
    return str(state.get("claim") or "")


def recorded_expiry(state: Mapping[str, Any]) -> str:
    """The certificate's expiry (``not_after``, ISO 8601) its state recorded; "" if none."""
    return str(state.get("not_after") or "")


def recorded_predecessor(state: Mapping[str, Any]) -> str:
    """The certificate a replacement replaced, as its create recorded it (output ``replaces``; ``provider.handover``).

    States from before that record have a ``predecessor`` output instead, guessed from the entry's tags: not a fact,
    so not read.
    """
    return str(state.get("replaces") or "")


def recorded_predecessors(state: Mapping[str, Any]) -> list[str]:
    """Every certificate the ``replaces`` output names: the one replaced, then the pending deletions taken over from
    it (``provider.handover``)."""
    return rules.split_replaced(recorded_predecessor(state))


def _coerce(name: str, raw: Any) -> Any:
    kind = fields.by_name(name).kind
    if kind == "project":
        return as_int(raw)
    if kind == "duration":
        return seconds(raw, 0.0)
    if kind == "flag":
        return as_bool(raw, False)
    if kind in ("tags", "names"):
        return tags_of(raw)  # text to text
    if kind == "regions":
        return regions_of(raw)
    return str(raw)


def regions_of(value: Any) -> dict[str, list[str]]:
    """``deploy_regions`` as text: resource type -> region names (anything else: none)."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): [str(r) for r in v] for k, v in value.items() if isinstance(v, (list, tuple))}


_FIELDS = {f.name: f for f in dataclasses.fields(CertificateInputs)}
# Inputs every certificate has, and the ones that belong to one source.
_COMMON_INPUTS = tuple(n for n, f in _FIELDS.items() if f.metadata["sources"] == SOURCES)
_SOURCE_INPUTS: Mapping[str, tuple[str, ...]] = {
    source: tuple(n for n, f in _FIELDS.items() if f.metadata["sources"] == (source,)) for source in SOURCES
}
ALL_INPUTS = frozenset(_FIELDS)
#: Changing one of these creates a new certificate and deletes the old one.
REPLACE_FIELDS = tuple(n for n, f in _FIELDS.items() if f.metadata["replace"])
#: Bookkeeping inputs: they only matter at create time or in messages, so changing them is never a step.
NO_STEP_FIELDS = frozenset(n for n, f in _FIELDS.items() if not f.metadata["step"])
#: Inputs that are Pulumi secrets.
SECRET_FIELDS = frozenset(n for n, f in _FIELDS.items() if f.metadata["secret"])
#: Per source, the inputs it cannot do without (the others have defaults); the one set says which source it is.
REQUIRED_INPUTS: Mapping[str, tuple[str, ...]] = {
    source: tuple(n for n in _SOURCE_INPUTS[source] if _FIELDS[n].metadata["required"]) for source in SOURCES
}


def default_of(name: str) -> Any:
    """The schema's default of input ``name`` (a new dict for a mapping), for the types that derive from it."""
    f = _FIELDS[name]
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def defaults_of(source: str) -> dict[str, Any]:
    """The inputs of ``source`` that have a default (neither required nor set by the resource), with it."""
    return {n: default_of(n) for n in input_names(source) if not _FIELDS[n].metadata["given"]}


def input_names(source: str) -> tuple[str, ...]:
    """The input property names a certificate of ``source`` ("upload", "adopt", "free") has."""
    return _COMMON_INPUTS + _SOURCE_INPUTS.get(source, ())


def is_unknown(value: Any) -> bool:
    """Whether ``value`` is, or holds, a value unknown during preview."""
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return False


def as_int(value: Any, default: int = 0) -> int:
    """A whole number from an input; raises ``ValueError`` for text that is not one."""
    # Numbers cross the gRPC boundary as protobuf doubles: 3 arrives as 3.0.
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    return int(str(value).strip())


def as_bool(value: Any, default: bool) -> bool:
    """A flag from an input (``None`` -> ``default``; text such as "true" or "on" counts as true)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def seconds(value: Any, default: float) -> float:
    """A duration: a number of seconds, or text in the stack file's grammar (``90s``, ``10m``, ``1h30m``)."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or text like 10m")
    if isinstance(value, (int, float)):
        return float(value)
    return float(rules.parse_duration(str(value)))


def tags_of(value: Any) -> dict[str, str]:
    """The tags of an input as text keys and values (anything not a mapping: no tags)."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def iso(value: dt.datetime | None) -> str | None:
    """``2025-01-31T12:00:00Z`` (UTC), or ``None``."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def entry_name(props: Mapping[str, Any], fallback: str = "certificate") -> str:
    """The stack-file entry a resource comes from, for messages."""
    return str(props.get("entry") or fallback)


def normalise_inputs(inputs: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Valid inputs with defaults filled in, numbers as numbers, PEM, tags and domain in one spelling each."""
    out = dict(inputs)
    for name, value in defaults_of(source).items():
        if out.get(name) is None:
            out[name] = value
    for name in list(out):
        value = out[name]
        if value is None or is_unknown(value):
            continue
        if name == "certificate":
            out[name] = normalise_pem(value)
        elif name == "free_domain":
            out[name] = rules.free_domain(str(value))[0] or value
        elif name in _FIELDS:
            out[name] = _coerce(name, value)  # the same reading parse() applies
    return out


#: Outputs that stand for the certificate and the key, which the outputs do not echo (``provider.outputs``).
CERTIFICATE_DIGEST = "certificate_sha256"
HAS_PRIVATE_KEY = "has_private_key"


def certificate_digest(pem: str) -> str:
    """SHA-256 of a certificate chain as ``check`` normalises it: equal digests, same chain."""
    return hashlib.sha256(normalise_pem(pem).encode()).hexdigest()


#: Inputs the resource leaves out while they hold their default: ``check`` fills them in, so the stored inputs are
#: the same, and the SDK keeps a Python Output per property sent, which big stacks pay for (per resource, and again in
#: the program's final wait). The other inputs are attributes of the resource (alias, tags, ...) or always given.
QUIET_DEFAULTS = tuple(f.name for f in fields.INPUTS if f.quiet)


def sparse_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` without the ``QUIET_DEFAULTS`` that hold their default (an Output or unknown is always kept)."""
    return {k: v for k, v in props.items() if k not in QUIET_DEFAULTS or default_of(k) != v}


def field_changed(name: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether input ``name`` differs between the old state and new inputs, spelling differences aside.

    The old state is the old outputs, with the old inputs under them when the host passes those too. Without the
    inputs, the certificate is compared through the digest the outputs record, and the key through the certificate:
    a key must match the certificate's public key, so a new key comes with a new certificate; alone, only its
    presence can change (a CA certificate's key is optional).
    """
    old, new = olds.get(name), news.get(name)
    if is_unknown(new):
        return True
    if old is None and name in ("certificate", "private_key") and CERTIFICATE_DIGEST in olds:
        if name == "certificate":
            return new is None or certificate_digest(str(new)) != olds[CERTIFICATE_DIGEST]
        return bool(new) != bool(olds.get(HAS_PRIVATE_KEY))
    if old is None and new is None:
        return False
    if old is None or new is None:
        # A field only one side has, e.g. after a source change; empty tags/alias equal absent ones.
        return (old if new is None else new) not in ("", {}, [])
    kind = _FIELDS[name].metadata["kind"] if name in _FIELDS else ""
    if kind == "project":
        return as_int(old) != as_int(new)
    if kind == "duration":
        return seconds(old, 0) != seconds(new, 0)
    if kind == "flag":
        default = bool(default_of(name))
        return as_bool(old, default) != as_bool(new, default)
    if kind == "tags":
        return tags_of(old) != tags_of(new)
    if name == "certificate":
        return normalise_pem(str(old)) != normalise_pem(str(new))
    if name == "private_key":
        return not same_key(str(old), str(new))
    return bool(old != new)
