"""The rules of the project's policy pack (``policy/``): what each one checks on a certificate's inputs.

A rule is a pure function of one certificate's inputs (as the engine hands them to a policy pack: after ``check``,
so numbers and PEM are normalised), the rule's configuration and a little context (the stack, whether the resource is
protected, the time). It returns the problems it finds, each a sentence that starts with the entry's name; the pack
(``policy/__main__.py``) reports each as a violation of the rule, mandatory or advisory as its configuration says.
Nothing here imports ``pulumi_policy`` (an optional dependency, the ``policy`` extra), so the rules are tested and
type-checked with the rest of the provider.

Inputs a rule reads: ``source``, ``entry``, ``check_resources``, ``private_key_from`` (how the stack file gives the
key: ``file``, ``env``, ``config`` or ``inline``; the key itself is a secret the rules never read), ``certificate``
(the uploaded PEM chain), ``free_domain`` and ``renew_before``. A value not known yet (preview) is skipped.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from . import rules
from .inputs import is_unknown
from .pem import common_name, dns_names, parse_chain

__all__ = ["LEVELS", "RULES", "TYPE_TOKEN", "Context", "Rule", "rule_config"]

#: The type of the resources the rules apply to (``provider.certificate.TYPE_TOKEN``).
TYPE_TOKEN = "pulumi-python:dynamic/tencentcloud:Certificate"
#: Pulumi's enforcement levels, as the pack's config spells them.
LEVELS = ("advisory", "mandatory", "disabled")


@dataclass(frozen=True)
class Context:
    """What a rule may know beyond the inputs: the stack's name, the resource's ``protect`` option, the time."""

    stack: str
    protect: bool
    now: dt.datetime


Check = Callable[[Mapping[str, Any], Mapping[str, Any], Context], list[str]]


@dataclass(frozen=True)
class Rule:
    """One rule: its name (the policy's), what it asks, its default level, its settings (JSON Schema of each, with
    the default) and its check."""

    name: str
    description: str
    level: str
    check: Check
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def rule_config(rule: Rule, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rule's settings: the defaults, overridden by the pack's configuration for this rule."""
    values = {name: schema["default"] for name, schema in rule.settings.items()}
    values.update({k: v for k, v in (given or {}).items() if k in rule.settings})
    return values


def _known(inputs: Mapping[str, Any], name: str) -> Any:
    value = inputs.get(name)
    return None if is_unknown(value) else value


def _entry(inputs: Mapping[str, Any]) -> str:
    return str(_known(inputs, "entry") or "certificate")


def _leaf(inputs: Mapping[str, Any]) -> x509.Certificate | None:
    """The uploaded certificate (the chain's first), or None when there is none or it cannot be read (``check``
    refuses that already, with the reason)."""
    pem = _known(inputs, "certificate")
    if _known(inputs, "source") != "upload" or not isinstance(pem, str) or not pem:
        return None
    try:
        return parse_chain(pem)[1][0]
    except (ValueError, IndexError):
        return None


def _checked_deletions(inputs: Mapping[str, Any], _config: Mapping[str, Any], _ctx: Context) -> list[str]:
    if _known(inputs, "check_resources") is False:
        return [
            f"{_entry(inputs)}: check_resources: false deletes the certificate even while a CLB, CDN, WAF or other "
            "resource still uses it; remove the line so deletions are checked"
        ]
    return []


def _no_inline_key(inputs: Mapping[str, Any], _config: Mapping[str, Any], _ctx: Context) -> list[str]:
    if _known(inputs, "private_key_from") == "inline":
        return [
            f"{_entry(inputs)}: upload.private_key is written inline in the stack file, so anyone who can read the "
            "repository has it; use {config: KEY} (`pulumi config set --secret KEY < KEYFILE`), {env: VAR} or "
            "{file: PATH} outside the repository"
        ]
    return []


def _key_strength(inputs: Mapping[str, Any], config: Mapping[str, Any], _ctx: Context) -> list[str]:
    cert = _leaf(inputs)
    if cert is None:
        return []
    allowed = [str(t).upper() for t in config["allowed_key_types"]]
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        kind, bits, least = "RSA", public.key_size, int(config["min_rsa_bits"])
    elif isinstance(public, ec.EllipticCurvePublicKey):
        kind, bits, least = "EC", public.key_size, int(config["min_ec_bits"])
    else:
        return [f"{_entry(inputs)}: the certificate's key is neither RSA nor EC; allowed: {', '.join(allowed)}"]
    if kind not in allowed:
        return [f"{_entry(inputs)}: the certificate has an {kind} key; allowed key types: {', '.join(allowed)}"]
    if bits < least:
        return [f"{_entry(inputs)}: the certificate's {kind} key has {bits} bits; at least {least} are required"]
    return []


def _renew_before(inputs: Mapping[str, Any], config: Mapping[str, Any], _ctx: Context) -> list[str]:
    if _known(inputs, "source") != "free":
        return []
    window = _known(inputs, "renew_before")
    least = int(config["min_days"])
    if window is None:
        return []  # not known yet
    days = _days(str(window))
    if days is None:
        what = "no renew_before, so it is never renewed" if not str(window).strip() else f"renew_before {window!r}"
        return [f"{_entry(inputs)}: a free certificate with {what}; set renew_before: {least}d or more"]
    if days < least:
        return [f"{_entry(inputs)}: renew_before {days}d is shorter than {least}d; set renew_before: {least}d or more"]
    return []


def _days(window: str) -> int | None:
    try:
        return rules.parse_renew_window(window) // 86400
    except ValueError:
        return None


def _protect(inputs: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> list[str]:
    patterns: Sequence[str] = [str(p) for p in config["stacks"]]
    if ctx.protect or not any(fnmatch.fnmatchcase(ctx.stack, p) for p in patterns):
        return []
    return [f"{_entry(inputs)}: stack {ctx.stack} requires protect: true on every entry"]


def _domains(inputs: Mapping[str, Any]) -> list[str]:
    source = _known(inputs, "source")
    if source == "free":
        domain = _known(inputs, "free_domain")
        return [str(domain)] if domain else []
    cert = _leaf(inputs)
    if cert is None:
        return []
    names = [common_name(cert), *dns_names(cert)]
    return list(dict.fromkeys(n for n in names if n))


def _under(name: str, suffix: str) -> bool:
    name, suffix = name.lower().rstrip("."), suffix.lower().strip(".")
    name = name[2:] if name.startswith("*.") else name
    return name == suffix or name.endswith("." + suffix)


def _allowed_domains(inputs: Mapping[str, Any], config: Mapping[str, Any], _ctx: Context) -> list[str]:
    suffixes = [str(s) for s in config["suffixes"]]
    if not suffixes:
        return []
    outside = [n for n in _domains(inputs) if not any(_under(n, s) for s in suffixes)]
    if not outside:
        return []
    return [f"{_entry(inputs)}: {', '.join(outside)} not under an allowed domain ({', '.join(suffixes)})"]


def _remaining_validity(inputs: Mapping[str, Any], config: Mapping[str, Any], ctx: Context) -> list[str]:
    cert = _leaf(inputs)
    if cert is None:
        return []
    least = int(config["min_days"])
    left = cert.not_valid_after_utc - ctx.now
    if left >= dt.timedelta(days=least):
        return []
    expires = cert.not_valid_after_utc.strftime("%Y-%m-%d")
    if left <= dt.timedelta(0):
        state = f"expired on {expires}"
    else:
        state = f"is valid for {left.days} more days (until {expires})"
    return [f"{_entry(inputs)}: the certificate {state}; upload one valid for at least {least} more days"]


RULES: tuple[Rule, ...] = (
    Rule(
        "checked-deletions",
        "Deletions are checked: no entry sets check_resources: false.",
        "mandatory",
        _checked_deletions,
    ),
    Rule(
        "no-inline-private-key",
        "No private key is written inline in a stack file.",
        "mandatory",
        _no_inline_key,
    ),
    Rule(
        "key-strength",
        "Uploaded certificates use an allowed key type of sufficient strength.",
        "mandatory",
        _key_strength,
        {
            "allowed_key_types": {"type": "array", "items": {"type": "string"}, "default": ["RSA", "EC"]},
            "min_rsa_bits": {"type": "integer", "default": 2048},
            "min_ec_bits": {"type": "integer", "default": 256},
        },
    ),
    Rule(
        "renew-before",
        "Free certificates renew at least min_days before they expire.",
        "mandatory",
        _renew_before,
        {"min_days": {"type": "integer", "default": 30}},
    ),
    Rule(
        "protect-required",
        "Entries of the listed stacks (glob patterns) are protected (protect: true).",
        "mandatory",
        _protect,
        {"stacks": {"type": "array", "items": {"type": "string"}, "default": []}},
    ),
    Rule(
        "allowed-domains",
        "Every domain is under one of the allowed suffixes (none listed: any domain).",
        "mandatory",
        _allowed_domains,
        {"suffixes": {"type": "array", "items": {"type": "string"}, "default": []}},
    ),
    Rule(
        "minimum-remaining-validity",
        "An uploaded certificate is valid for at least min_days more days.",
        "mandatory",
        _remaining_validity,
        {"min_days": {"type": "integer", "default": 14}},
    ),
)
