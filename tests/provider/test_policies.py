"""The policy pack's rules (provider.policies), on inputs as the engine hands them to a pack (after ``check``).

The pack's wiring and the engine's reporting are tested through the real CLI in tests/e2e/test_policy_pack.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from provider.inputs import UNKNOWN
from provider.policies import RULES, Context, Rule, rule_config
from support.certs import make_cert

NOW = dt.datetime.now(dt.UTC)
CTX = Context(stack="dev", protect=False, now=NOW)
BY_NAME = {rule.name: rule for rule in RULES}


def problems(
    name: str, inputs: Mapping[str, Any], config: Mapping[str, Any] | None = None, ctx: Context = CTX
) -> list[str]:
    rule: Rule = BY_NAME[name]
    return rule.check(inputs, rule_config(rule, config), ctx)


def upload(cn: str = "www.example.com", sans: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    days = extra.pop("days", 90)
    key_type = extra.pop("key_type", "rsa")
    cert, _key = make_cert(cn, sans, days=days, key_type=key_type)
    return {"source": "upload", "entry": "www", "certificate": cert, "private_key_from": "file", **extra}


def free(domain: str = "shop.example.com", **extra: Any) -> dict[str, Any]:
    return {"source": "free", "entry": "shop", "free_domain": domain, "renew_before": "30d", **extra}


def test_the_rules_and_their_defaults() -> None:
    assert [r.name for r in RULES] == [
        "checked-deletions", "no-inline-private-key", "key-strength", "renew-before", "protect-required",
        "allowed-domains", "minimum-remaining-validity",
    ]  # fmt: skip
    assert {r.level for r in RULES} == {"mandatory"}
    assert rule_config(BY_NAME["renew-before"], None) == {"min_days": 30}
    assert rule_config(BY_NAME["renew-before"], {"min_days": 45, "other": 1}) == {"min_days": 45}


def test_checked_deletions() -> None:
    assert problems("checked-deletions", upload(check_resources=True)) == []
    (problem,) = problems("checked-deletions", upload(check_resources=False))
    assert problem.startswith("www: check_resources: false")
    assert problems("checked-deletions", upload(check_resources=UNKNOWN)) == []


@pytest.mark.parametrize("origin", ["file", "env", "config"])
def test_a_key_from_outside_the_stack_file_passes(origin: str) -> None:
    assert problems("no-inline-private-key", upload(private_key_from=origin)) == []


def test_an_inline_key_is_named_without_its_value() -> None:
    key_body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    inputs = upload(private_key_from="inline", private_key=f"-----BEGIN PRIVATE KEY-----\n{key_body}\n")
    (problem,) = problems("no-inline-private-key", inputs)
    assert problem.startswith("www: upload.private_key is written inline")
    assert "PRIVATE KEY" not in problem and key_body not in problem


@pytest.mark.parametrize(
    ("key_type", "config", "expected"),
    [
        ("rsa", {}, None),
        ("ec", {}, None),
        ("rsa", {"min_rsa_bits": 3072}, "RSA key has 2048 bits; at least 3072"),
        ("rsa-4096", {"min_rsa_bits": 3072}, None),
        ("ec", {"min_ec_bits": 384}, "EC key has 256 bits; at least 384"),
        ("ec-p384", {"min_ec_bits": 384}, None),
        ("rsa", {"allowed_key_types": ["EC"]}, "an RSA key; allowed key types: EC"),
        ("ec", {"allowed_key_types": ["rsa"]}, "an EC key; allowed key types: RSA"),
    ],
)
def test_key_type_and_strength(key_type: str, config: dict[str, Any], expected: str | None) -> None:
    found = problems("key-strength", upload(key_type=key_type), config)
    if expected is None:
        assert found == []
    else:
        (problem,) = found
        assert problem.startswith("www: ") and expected in problem, problem


def test_key_strength_leaves_adopted_and_free_certificates_alone() -> None:
    assert problems("key-strength", free(), {"min_rsa_bits": 8192}) == []
    assert problems("key-strength", {"source": "adopt", "entry": "a", "adopt_id": "GjTNRoK7"}) == []


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("30d", None),
        ("60d", None),
        ("7d", "renew_before 7d is shorter than 30d"),
        ("", "no renew_before, so it is never renewed"),
    ],
)
def test_renew_before_on_free_certificates(window: str, expected: str | None) -> None:
    found = problems("renew-before", free(renew_before=window))
    if expected is None:
        assert found == []
    else:
        (problem,) = found
        assert problem.startswith("shop: ") and expected in problem, problem


def test_renew_before_is_configurable_and_only_for_free_certificates() -> None:
    assert problems("renew-before", free(renew_before="30d"), {"min_days": 45}) != []
    assert problems("renew-before", free(renew_before="7d"), {"min_days": 7}) == []
    assert problems("renew-before", upload(renew_before="")) == []


def test_protect_is_required_only_on_the_listed_stacks() -> None:
    config = {"stacks": ["prod", "prod-*"]}
    prod = Context(stack="prod-eu", protect=False, now=NOW)
    (problem,) = problems("protect-required", upload(), config, prod)
    assert problem == "www: stack prod-eu requires protect: true on every entry"
    assert problems("protect-required", upload(), config, Context(stack="prod-eu", protect=True, now=NOW)) == []
    assert problems("protect-required", upload(), config, CTX) == []  # dev is not listed
    assert problems("protect-required", upload(), None, prod) == []  # no stack listed by default


def test_allowed_domain_suffixes() -> None:
    config = {"suffixes": ["example.com"]}
    assert problems("allowed-domains", upload("www.example.com", ("*.example.com", "example.com")), config) == []
    (problem,) = problems("allowed-domains", upload("www.example.com", ("www.example.org",)), config)
    assert problem == "www: www.example.org not under an allowed domain (example.com)"
    assert problems("allowed-domains", upload("www.badexample.com"), config) != []  # a suffix is a whole label
    (problem,) = problems("allowed-domains", free("shop.example.net"), config)
    assert problem.startswith("shop: shop.example.net not under")
    assert problems("allowed-domains", upload("anything.test")) == []  # none listed: any domain


def test_minimum_remaining_validity() -> None:
    assert problems("minimum-remaining-validity", upload(days=90)) == []
    # An hour before a certificate valid for 10 days from now: 10 whole days left, however the seconds fall.
    hour_before = Context(stack="dev", protect=False, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    (problem,) = problems("minimum-remaining-validity", upload(days=10), None, hour_before)
    assert problem.startswith("www: the certificate is valid for 10 more days"), problem
    assert "at least 14 more days" in problem
    assert problems("minimum-remaining-validity", upload(days=10), {"min_days": 5}) == []
    later = Context(stack="dev", protect=False, now=NOW + dt.timedelta(days=100))
    (problem,) = problems("minimum-remaining-validity", upload(days=90), None, later)
    assert "the certificate expired on" in problem
    assert problems("minimum-remaining-validity", free()) == []
