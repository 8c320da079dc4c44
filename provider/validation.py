"""``check()``'s rules: every input judged before any API call, one failure per bad field, never quoting a key.

Returns plain ``Failure`` pairs; ``CertificateProvider.check`` turns them into Pulumi's ``CheckFailure``. Alias and
tag limits come from ``provider.rules``, which the stack-file loader uses too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from . import rules
from .inputs import (
    ALL_INPUTS,
    CERTIFICATE_TYPES,
    SOURCES,
    as_bool,
    as_int,
    input_names,
    is_unknown,
    iso,
    seconds,
)
from .pem import (
    certificate_key_problem,
    chain_problem,
    key_type_problem,
    load_chain,
    load_private_key,
    same_public_key,
)

__all__ = ["Failure", "check_inputs"]



class Failure(NamedTuple):
    """One bad input: the property and why (a message for the user)."""

    property: str
    reason: str


def check_inputs(inputs: Mapping[str, Any], now: dt.datetime) -> list[Failure]:
    """Every failure of ``inputs`` (``__provider`` already removed); ``now`` decides expiry."""
    failures: list[Failure] = []
    for name in sorted(set(inputs) - ALL_INPUTS):
        failures.append(Failure(name, f"unknown property {name!r}"))
    source = inputs.get("source")
    if is_unknown(source):
        return failures
    if source not in SOURCES:
        failures.append(Failure("source", "source must be one of upload, adopt, free"))
        return failures
    for name in sorted(set(inputs) & (ALL_INPUTS - set(input_names(source)))):
        if inputs[name] is not None:
            failures.append(Failure(name, f"{name} does not apply to a certificate from {source!r}"))
    failures.extend(_check_common(inputs))
    if source == "upload":
        failures.extend(_check_upload(inputs, now))
    elif source == "adopt":
        adopt_id = inputs.get("adopt_id")
        if not isinstance(adopt_id, str):
            failures.append(Failure("adopt_id", "adopt_id must be a certificate id such as GjTNRoK7"))
        elif not is_unknown(adopt_id) and (problem := rules.certificate_id_problem(adopt_id)):
            failures.append(Failure("adopt_id", f"adopt_id {problem}"))
        take_over = inputs.get("take_over")
        if take_over is not None and not is_unknown(take_over) and not isinstance(take_over, bool):
            failures.append(Failure("take_over", "take_over must be true or false"))
    else:
        domain = inputs.get("free_domain")
        if not isinstance(domain, str):
            failures.append(Failure("free_domain", "free_domain must be a DNS name such as www.example.com"))
        elif not is_unknown(domain) and (problem := rules.free_domain(domain)[1]):
            failures.append(Failure("free_domain", f"free_domain: {problem}"))
        method = inputs.get("free_validation", "DNS_AUTO")
        if not is_unknown(method) and method not in rules.VALIDATION_METHODS:
            failures.append(Failure("free_validation", "free_validation must be DNS_AUTO, DNS or FILE"))
    return failures


def _check_upload(news: Mapping[str, Any], now: dt.datetime) -> list[Failure]:
    failures: list[Failure] = []
    pem, key_pem = news.get("certificate"), news.get("private_key")
    cert_type = news.get("certificate_type", "SVR")
    leaf = None
    if not isinstance(cert_type, str) or (not is_unknown(cert_type) and cert_type not in CERTIFICATE_TYPES):
        failures.append(Failure("certificate_type", "certificate_type must be SVR or CA"))
    if pem is None or pem == "":
        failures.append(Failure("certificate", "an uploaded certificate needs its PEM body"))
    elif not isinstance(pem, str):
        failures.append(Failure("certificate", "certificate must be PEM text"))
    elif not is_unknown(pem):
        try:
            chain = load_chain(pem)
        except ValueError:
            failures.append(Failure("certificate", "certificate is not a PEM X.509 certificate (chain)"))
        else:
            # The stack-file loader applies the same rules (provider.pem), with the file and line.
            problem = certificate_key_problem(chain[0])
            if problem:
                failures.append(Failure("certificate", f"the certificate's public key {problem}"))
            elif problem := chain_problem(chain):
                failures.append(Failure("certificate", f"certificate: {problem}"))
            else:
                leaf = chain[0]
    if leaf is not None and not as_bool(news.get("allow_expired"), False):
        if leaf.not_valid_after_utc <= now:
            failures.append(
                Failure(
                    "certificate",
                    f"the certificate expired on {iso(leaf.not_valid_after_utc)}; set allow_expired to upload it",
                )
            )
    if key_pem is None or key_pem == "":
        if cert_type == "SVR":
            failures.append(Failure("private_key", "an SVR (server) certificate needs its private key"))
        return failures
    if not isinstance(key_pem, str):
        failures.append(Failure("private_key", "private_key must be PEM text"))
        return failures
    if is_unknown(key_pem):
        return failures
    try:
        key = load_private_key(key_pem)
    except TypeError:
        failures.append(Failure("private_key", "private_key is encrypted; give it unencrypted"))
        return failures
    except Exception:  # noqa: BLE001 - cryptography raises several kinds; never echo the text
        failures.append(Failure("private_key", "private_key is not a PEM private key"))
        return failures
    problem = key_type_problem(key)
    if problem:
        failures.append(Failure("private_key", f"private_key {problem}"))
    elif leaf is not None and not same_public_key(key, leaf):
        failures.append(Failure("private_key", "private_key does not match the certificate"))
    return failures


def _check_common(news: Mapping[str, Any]) -> list[Failure]:
    failures: list[Failure] = []
    alias = news.get("alias", "")
    if not isinstance(alias, str):
        failures.append(Failure("alias", "alias must be text"))
    elif not is_unknown(alias) and (problem := rules.alias_problem(alias)):
        failures.append(Failure("alias", f"alias {problem}"))
    project = news.get("project_id", 0)
    if not is_unknown(project):
        try:
            if isinstance(project, bool) or as_int(project) < 0 or float(project) != as_int(project):
                raise ValueError
        except (TypeError, ValueError):
            failures.append(Failure("project_id", "project_id must be a whole number >= 0"))
    tags = news.get("tags", {})
    if tags is not None and not is_unknown(tags):
        if not isinstance(tags, Mapping):
            failures.append(Failure("tags", "tags must be a mapping of key to value"))
        else:
            failures.extend(_check_tags(tags))
    for name in ("check_resources", "allow_expired"):
        value = news.get(name)
        if value is not None and not is_unknown(value) and not isinstance(value, bool):
            failures.append(Failure(name, f"{name} must be true or false"))
    for name in ("delete_timeout", "create_timeout"):
        value = news.get(name)
        if value is None or is_unknown(value):
            continue
        try:
            problem = rules.timeout_problem(seconds(value, 0))
        except ValueError:
            problem = "must be a number of seconds or a duration such as 90s, 10m or 1h30m"
        if problem:
            failures.append(Failure(name, f"{name} {problem}"))
    return failures


def _check_tags(tags: Mapping[Any, Any]) -> list[Failure]:
    failures = []
    if len(tags) > rules.MAX_USER_TAGS:
        failures.append(Failure("tags", f"at most {rules.MAX_USER_TAGS} tags per certificate"))
    for key, value in tags.items():
        if not isinstance(key, str):
            failures.append(Failure("tags", f"tag key {key!r} must be text"))
        elif problem := rules.tag_key_problem(key, what=f"tag key {key!r}"):
            failures.append(Failure("tags", problem))
        if not isinstance(value, str):
            failures.append(Failure("tags", f"tag {key!r}: the value must be text"))
        elif not is_unknown(value) and (problem := rules.tag_value_problem(value, what=f"tag {key!r}: the value")):
            failures.append(Failure("tags", problem))
    return failures
