"""A certificate's input properties: one typed schema, and how values are read, normalised and compared.

``CertificateInputs`` is the schema: one field per input property, each with its default and metadata (which sources
have it, whether changing it replaces the certificate or is no step at all, whether it is secret, what it means).
The property names per source, ``REPLACE_FIELDS``, ``NO_STEP_FIELDS`` and the defaults ``check`` fills in all derive
from it. The provider parses a resource's properties into it once (``CertificateInputs.parse``) and reads typed
attributes from then on.

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

from . import rules
from .pem import normalise_pem, same_key

__all__ = [
    "ALL_INPUTS",
    "CERTIFICATE_DIGEST",
    "CERTIFICATE_TYPES",
    "CertificateInputs",
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "HAS_PRIVATE_KEY",
    "KEY_ORIGINS",
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

DEFAULT_DELETE_TIMEOUT = float(rules.DEFAULT_DELETE_TIMEOUT)
DEFAULT_CREATE_TIMEOUT = float(rules.DEFAULT_CREATE_TIMEOUT)

SOURCES = ("upload", "adopt", "free")
#: The ways a stack file gives an uploaded certificate's private key (``private_key_from``).
KEY_ORIGINS = ("file", "env", "config", "inline")
CERTIFICATE_TYPES = ("SVR", "CA")
Source = Literal["upload", "adopt", "free"]


def _prop(
    default: Any,
    doc: str,
    *,
    sources: tuple[str, ...] = SOURCES,
    replace: bool = False,
    step: bool = True,
    secret: bool = False,
    given: bool = False,
    required: bool = False,
) -> Any:
    """A schema field: ``replace`` (changing it makes a new certificate), ``step`` (False: changing it is no step at
    all, bookkeeping only), ``secret`` (a Pulumi secret end to end), ``given`` (always sent by the resource or
    required, so ``check`` fills in no default), ``required`` (its source cannot do without it: the field that
    says which source a certificate has), the ``sources`` that have it, and its doc."""
    meta = dict(doc=doc, sources=sources, replace=replace, step=step, secret=secret, given=given, required=required)
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class CertificateInputs:
    """The schema of a certificate's inputs, typed; ``parse`` reads the engine's plain values into it."""

    source: Source = _prop(
        "upload", "upload, adopt or free: where the certificate comes from", replace=True, given=True
    )
    entry: str = _prop("certificate", "the stack-file entry (for messages)", step=False, given=True)
    owner: str = _prop("", "the entry's ownership token (provider.ownership)", step=False, given=True)
    renamed_from: dict[str, str] = _prop(
        {},
        "the entry's former names (renamed_from), each with its ownership token (provider.renames)",
        step=False,
        given=True,
    )
    stack_file: str = _prop("", "the stack file a renamed entry is written in (for messages)", step=False, given=True)
    alias: str = _prop("", "the certificate's remark name in the console")
    project_id: int = _prop(0, "the Tencent Cloud project")
    tags: dict[str, str] = _prop({}, "user tags")
    check_resources: bool = _prop(True, "DeleteCertificate with IsCheckResource: refuse while bound")
    rotate: bool = _prop(True, "before deleting a replaced certificate, move what is bound to it to its successor")
    retain: bool = _prop(
        False, "the stack file's retain: the certificate stays in Tencent Cloud when removed or replaced", step=False
    )
    renew_before: str = _prop("", "renew (free) or warn (upload) this long before expiry, e.g. 30d", step=False)
    deploy_regions: dict[str, list[str]] = _prop({}, "resource type -> regions a rotation deploys in")
    delete_timeout: float = _prop(float(rules.DEFAULT_DELETE_TIMEOUT), "seconds one run waits for a deletion task")
    create_timeout: float = _prop(
        float(rules.DEFAULT_CREATE_TIMEOUT), "seconds one run waits for a certificate to be usable", step=False
    )
    certificate: str = _prop(
        "", "PEM body, chain included", sources=("upload",), replace=True, given=True, required=True
    )
    private_key: str = _prop(
        "", "PEM private key (a CA certificate has none)", sources=("upload",), replace=True, secret=True, given=True
    )
    private_key_from: str = _prop(
        "",
        "how the stack file gives the private key: file, env, config or inline (for policy packs; never the key)",
        sources=("upload",),
        step=False,
        given=True,
    )
    certificate_type: str = _prop("SVR", "SVR (server) or CA", sources=("upload",), replace=True)
    allow_expired: bool = _prop(False, "upload an expired certificate", sources=("upload",), step=False)
    adopt_id: str = _prop(
        "", "the id of the certificate to adopt", sources=("adopt",), replace=True, given=True, required=True
    )
    take_over: bool = _prop(False, "adopt even from another stack", sources=("adopt",), step=False)
    free_domain: str = _prop(
        "", "the host name of a free DV certificate", sources=("free",), replace=True, given=True, required=True
    )
    free_validation: str = _prop("DNS_AUTO", "DNS_AUTO, DNS or FILE", sources=("free",), replace=True)

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
    if name == "project_id":
        return as_int(raw)
    if name in ("delete_timeout", "create_timeout"):
        return seconds(raw, 0.0)
    if name in ("check_resources", "rotate", "retain", "allow_expired", "take_over"):
        return as_bool(raw, False)
    if name == "tags":
        return tags_of(raw)
    if name == "deploy_regions":
        return regions_of(raw)
    if name == "renamed_from":
        return tags_of(raw)  # text to text, as tags are
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
QUIET_DEFAULTS = ("rotate", "retain", "renew_before", "deploy_regions", "create_timeout", "allow_expired",
                  "take_over", "free_validation")  # fmt: skip


def sparse_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` without the ``QUIET_DEFAULTS`` that hold their default (an Output or unknown is always kept)."""
    return {k: v for k, v in props.items() if k not in QUIET_DEFAULTS or _default(_FIELDS[k]) != v}


def _default(f: dataclasses.Field[Any]) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


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
    if name == "project_id":
        return as_int(old) != as_int(new)
    if name in ("delete_timeout", "create_timeout"):
        return seconds(old, 0) != seconds(new, 0)
    if name == "check_resources":
        return as_bool(old, True) != as_bool(new, True)
    if name == "tags":
        return tags_of(old) != tags_of(new)
    if name == "certificate":
        return normalise_pem(str(old)) != normalise_pem(str(new))
    if name == "private_key":
        return not same_key(str(old), str(new))
    return bool(old != new)
