"""A certificate's input properties: their names per source, how values are read, normalised and compared.

Inputs arrive from the engine as plain values (numbers as protobuf doubles, unknowns as a sentinel string during
preview); everything here takes and returns plain values, so it needs no Pulumi import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from . import rules
from .pem import normalise_pem, same_key

__all__ = [
    "ALL_INPUTS",
    "CERTIFICATE_TYPES",
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "NO_STEP_FIELDS",
    "REPLACE_FIELDS",
    "SOURCES",
    "UNKNOWN",
    "as_bool",
    "as_int",
    "entry_name",
    "field_changed",
    "input_names",
    "is_unknown",
    "iso",
    "normalise_inputs",
    "seconds",
    "tags_of",
]

#: The value the engine sends for an input not known yet (preview); equals ``pulumi.runtime.rpc.UNKNOWN``, kept
#: here so these helpers need no Pulumi import (tests/provider/test_inputs.py checks they agree).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

DEFAULT_DELETE_TIMEOUT = float(rules.DEFAULT_DELETE_TIMEOUT)
DEFAULT_CREATE_TIMEOUT = float(rules.DEFAULT_CREATE_TIMEOUT)

SOURCES = ("upload", "adopt", "free")
CERTIFICATE_TYPES = ("SVR", "CA")
# Inputs every certificate has, and the ones that belong to one source.
_COMMON_INPUTS = (
    "entry",
    "owner",
    "source",
    "alias",
    "project_id",
    "tags",
    "check_resources",
    "delete_timeout",
    "create_timeout",
)
_SOURCE_INPUTS: Mapping[str, tuple[str, ...]] = {
    "upload": ("certificate", "private_key", "certificate_type", "allow_expired"),
    "adopt": ("adopt_id", "take_over"),
    "free": ("free_domain", "free_validation"),
}
ALL_INPUTS = frozenset(_COMMON_INPUTS).union(*_SOURCE_INPUTS.values())
#: Changing one of these creates a new certificate and deletes the old one.
REPLACE_FIELDS = (
    "source",
    "certificate",
    "private_key",
    "certificate_type",
    "adopt_id",
    "free_domain",
    "free_validation",
)
#: Bookkeeping inputs: they only matter at create time or in messages, so changing them is never a step.
NO_STEP_FIELDS = frozenset({"entry", "owner", "allow_expired", "create_timeout", "take_over"})


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
    defaults: dict[str, Any] = {
        "alias": "",
        "project_id": 0,
        "tags": {},
        "check_resources": True,
        "delete_timeout": DEFAULT_DELETE_TIMEOUT,
        "create_timeout": DEFAULT_CREATE_TIMEOUT,
    }
    if source == "upload":
        defaults.update(certificate_type="SVR", allow_expired=False)
    if source == "free":
        defaults.update(free_validation="DNS_AUTO")
    if source == "adopt":
        defaults.update(take_over=False)
    for name, value in defaults.items():
        if out.get(name) is None:
            out[name] = value
    for name in list(out):
        value = out[name]
        if value is None or is_unknown(value):
            continue
        if name == "project_id":
            out[name] = as_int(value)
        elif name in ("delete_timeout", "create_timeout"):
            out[name] = seconds(value, DEFAULT_DELETE_TIMEOUT)
        elif name == "certificate":
            out[name] = normalise_pem(value)
        elif name == "tags":
            out[name] = tags_of(value)
        elif name == "free_domain":
            out[name] = rules.free_domain(str(value))[0] or value
    return out


def field_changed(name: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether input ``name`` differs between old outputs and new inputs, spelling differences aside."""
    old, new = olds.get(name), news.get(name)
    if is_unknown(new):
        return True
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
