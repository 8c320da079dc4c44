"""``check()``'s rules: every input judged before any API call, one failure per bad field, never quoting a key.

Each input property has one value check, by its kind in the field registry (``provider.fields``); the rules they apply
(ids, domains, aliases, tags, durations, timeouts) come from ``provider.rules``, which the stack-file loader applies
too, and the PEM rules from ``provider.pem``. What spans several properties (the chain, its expiry and the key that must
match it) is judged afterwards on typed inputs. Returns plain ``Failure`` pairs; ``CertificateProvider.check`` turns
them into Pulumi's ``CheckFailure``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from . import fields, rules
from .inputs import (
    SOURCES,
    CertificateInputs,
    as_int,
    is_unknown,
    iso,
    seconds,
)
from .pem import (
    KEY_MISMATCH,
    certificate_key_problem,
    chain_problem,
    key_type_problem,
    load_chain,
    parse_private_key,
    same_public_key,
)

__all__ = ["Failure", "check_inputs"]


class Failure(NamedTuple):
    """One bad input: the property and why (a message for the user)."""

    property: str
    reason: str


def check_inputs(
    inputs: Mapping[str, Any], now: dt.datetime, registry: Sequence[fields.Field] = fields.INPUTS
) -> list[Failure]:
    """Every failure of ``inputs`` (``__provider`` already removed); ``now`` decides expiry. The properties, which
    source has which, and each one's check are the field registry's (``registry``: ``provider.fields``)."""
    known = {f.name: f for f in registry}
    failures = [Failure(name, f"unknown property {name!r}") for name in sorted(set(inputs) - set(known))]
    # The one raw lookup: which properties apply depends on the source, which may still be unknown in a preview.
    source = inputs.get("source")
    if is_unknown(source):
        return failures
    if source not in SOURCES:
        return [*failures, Failure("source", "source must be one of upload, adopt, free")]
    given = {name: value for name, value in inputs.items() if name in known and value is not None}
    for name, value in sorted(given.items()):
        if source not in known[name].sources:
            failures.append(Failure(name, f"{name} does not apply to a certificate from {source!r}"))
        elif not is_unknown(value) and name != "source":
            failures.extend(Failure(name, reason) for reason in _value_check(known[name])(value))
    failures.extend(_missing(str(source), given, registry))
    if source == "upload":
        # A property already refused, or not known yet (preview), is not judged again.
        skip = {f.property for f in failures} | {name for name, value in given.items() if is_unknown(value)}
        known = {name: value for name, value in given.items() if name not in skip}
        failures.extend(_check_upload(CertificateInputs.parse(known), now, skip))
    return failures


def _missing(source: str, given: Mapping[str, Any], registry: Sequence[fields.Field]) -> Iterator[Failure]:
    messages = {
        "certificate": "an uploaded certificate needs its PEM body",
        "adopt_id": "adopt_id must be a certificate id such as GjTNRoK7",
        "free_domain": "free_domain must be a DNS name such as www.example.com",
    }
    present = {name for name, value in given.items() if value not in (None, "")}
    for name in (f.name for f in registry if f.required and source in f.sources):
        if name not in present:
            yield Failure(name, messages[name])


def _check_upload(spec: CertificateInputs, now: dt.datetime, skip: set[str]) -> list[Failure]:
    """The chain, its expiry and the key that must match it, judged together on the properties not in ``skip``."""
    failures: list[Failure] = []
    leaf = None
    if spec.certificate:
        try:
            chain = load_chain(spec.certificate)
        except ValueError:
            return [Failure("certificate", "certificate is not a PEM X.509 certificate (chain)")]
        # The stack-file loader applies the same rules (provider.pem), with the file and line.
        if problem := certificate_key_problem(chain[0]):
            failures.append(Failure("certificate", f"the certificate's public key {problem}"))
        elif problem := chain_problem(chain):
            failures.append(Failure("certificate", f"certificate: {problem}"))
        else:
            leaf = chain[0]
    if leaf is not None and not spec.allow_expired and leaf.not_valid_after_utc <= now:
        expired = iso(leaf.not_valid_after_utc)
        failures.append(Failure("certificate", f"the certificate expired on {expired}; set allow_expired to upload it"))
    if "private_key" in skip:
        return failures
    if not spec.private_key:
        if spec.certificate_type == "SVR" and "certificate_type" not in skip:
            failures.append(Failure("private_key", "an SVR (server) certificate needs its private key"))
        return failures
    try:
        key = parse_private_key(spec.private_key)  # the loader's reading and words (provider.pem)
    except ValueError as error:
        return [*failures, Failure("private_key", f"private_key {error}")]
    if problem := key_type_problem(key):
        failures.append(Failure("private_key", f"private_key {problem}"))
    elif leaf is not None and not same_public_key(key, leaf):
        failures.append(Failure("private_key", f"private_key {KEY_MISMATCH}"))
    return failures


# -- one value check per property: a known, non-None value -> the reasons it is refused (none: fine)

ValueCheck = Callable[[Any], Iterator[str]]


def _anything(_value: Any) -> Iterator[str]:
    yield from ()


def _text(name: str, rule: Callable[[str], str | None] | None = None, what: str = "text") -> ValueCheck:
    def check(value: Any) -> Iterator[str]:
        if not isinstance(value, str):
            yield f"{name} must be {what}"
        elif rule is not None and (problem := rule(value)):
            yield f"{name} {problem}"

    return check


def _flag(name: str) -> ValueCheck:
    def check(value: Any) -> Iterator[str]:
        if not isinstance(value, bool):
            yield f"{name} must be true or false"

    return check


def _timeout(name: str) -> ValueCheck:
    def check(value: Any) -> Iterator[str]:
        try:
            if isinstance(value, str) and not rules.is_duration(value):
                raise ValueError  # the stack file's grammar, exactly: the loader takes no spaces around it either
            problem = rules.timeout_problem(seconds(value, 0))
        except ValueError:
            problem = "must be a number of seconds or a duration such as 90s, 10m or 1h30m"
        if problem:
            yield f"{name} {problem}"

    return check


def _project_id(name: str) -> ValueCheck:
    def check(value: Any) -> Iterator[str]:
        try:
            if isinstance(value, bool) or float(value) != as_int(value):
                raise ValueError
            problem = rules.project_id_problem(as_int(value))
        except (TypeError, ValueError, OverflowError):
            problem = rules.project_id_problem(-1)  # the same words as for a number out of range
        if problem:
            yield f"{name} {problem}"

    return check


def _tags(tags: Any) -> Iterator[str]:
    if not isinstance(tags, Mapping):
        yield "tags must be a mapping of key to value"
        return
    if len(tags) > rules.MAX_USER_TAGS:
        yield f"at most {rules.MAX_USER_TAGS} tags per certificate"
    for key, value in tags.items():
        if not isinstance(key, str):
            yield f"tag key {key!r} must be text"
        elif problem := rules.tag_key_problem(key, what=f"tag key {key!r}"):
            yield problem
        if not isinstance(value, str):
            yield f"tag {key!r}: the value must be text"
        elif not is_unknown(value) and (problem := rules.tag_value_problem(value, what=f"tag {key!r}: the value")):
            yield problem


def _renamed_from(value: Any) -> Iterator[str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        yield "renamed_from must be a mapping of former entry name to its ownership token"


def _choice(name: str, choices: tuple[str, ...], said: str) -> ValueCheck:
    return _text(name, lambda value: None if value in choices else f"must be {said}")


def _free_domain(value: Any) -> Iterator[str]:
    if not isinstance(value, str):
        yield "free_domain must be a DNS name such as www.example.com"
    elif problem := rules.free_domain(value)[1]:
        yield f"free_domain: {problem}"


def _deploy_regions(value: Any) -> Iterator[str]:
    if not isinstance(value, Mapping):
        yield "deploy_regions must be a mapping of resource type to a list of regions"
        return
    for kind, regions in value.items():
        if not isinstance(kind, str):
            yield f"deploy_regions: {kind!r} is not a resource type such as clb or waf"
        elif problem := rules.resource_type_problem(kind):
            yield f"deploy_regions: {problem}"
        elif not isinstance(regions, (list, tuple)) or not regions or not all(isinstance(r, str) for r in regions):
            yield f"deploy_regions.{kind} {rules.REGION_LIST_PROBLEM}"
        else:
            yield from (f"deploy_regions.{kind}: {problem}" for r in regions if (problem := rules.region_problem(r)))


def _no_check(_name: str) -> ValueCheck:
    return _anything


def _choice_of(name: str) -> ValueCheck:
    field = fields.by_name(name)
    return _choice(name, field.choices, field.choice_text)


# The value check of each kind of field (``provider.fields``), given the property's name.
_CHECK_OF_KIND: Mapping[str, Callable[[str], ValueCheck]] = {
    "label": _no_check,
    "text": _text,
    "alias": lambda name: _text(name, rules.alias_problem),
    "flag": _flag,
    "project": _project_id,
    "tags": lambda _name: _tags,
    "regions": lambda _name: _deploy_regions,
    "window": lambda name: _text(name, lambda v: rules.renew_window_problem(v) if v else None, "text like 30d"),
    "duration": _timeout,
    "pem": lambda name: _text(name, what="PEM text"),
    "choice": _choice_of,
    "certificate_id": lambda name: _text(name, rules.certificate_id_problem, "a certificate id such as GjTNRoK7"),
    "domain": lambda _name: _free_domain,
    "names": lambda _name: _renamed_from,
}


def _value_check(field: fields.Field) -> ValueCheck:
    """A property's value check, by its kind. ``source`` is judged before (it decides which properties apply); the
    bookkeeping the resource itself sets (``entry``, and ``owner``, which stays unknown in a first preview) has none;
    ``renamed_from``'s tokens may be unknown too, and ``is_unknown`` skips the mapping then."""
    return _CHECK_OF_KIND[field.kind](field.name)
