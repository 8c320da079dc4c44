"""The review's policy results (provider.review.policies), read from streamed preview events as Pulumi prints them.

The events below have the shape `pulumi preview --json` streams with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=1 (CLI
v3.274.1); tests/e2e/test_policy_pack.py gets them from the real CLI and the shipped pack.
"""

from __future__ import annotations

import json

from provider.review.jsonfmt import review_document
from provider.review.markdown import render_markdown
from provider.review.model import EXIT_OK, EXIT_REFUSED, Review
from provider.review.policies import PolicyResult, read_policy_events

URN = "urn:pulumi:prod::certs::pulumi-python:dynamic/tencentcloud:Certificate::"


def event(level: str, policy: str, entry: str, said: str) -> str:
    body = {
        "resourceUrn": URN + entry,
        "message": f"The rule's description.\n{said}\n",
        "color": "never",
        "policyName": policy,
        "policyPackName": "tencent-ssl-certificates",
        "policyPackVersion": "0.0.1",
        "enforcementLevel": level,
    }
    return json.dumps({"sequence": 3, "timestamp": 1, "policyEvent": body})


def test_violations_are_read_mandatory_first_each_once() -> None:
    lines = [
        '{"sequence": 1, "preludeEvent": {"config": {}}}',
        "not json at all",
        event("advisory", "allowed-domains", "api", "api: api.example.org not under an allowed domain (example.com)"),
        event("mandatory", "checked-deletions", "www", "www: check_resources: false deletes the certificate"),
        event("mandatory", "checked-deletions", "www", "www: check_resources: false deletes the certificate"),
        event("none", "key-strength", "www", "ignored"),
    ]

    assert read_policy_events(lines) == (
        PolicyResult("mandatory", "checked-deletions", "www", "www: check_resources: false deletes the certificate"),
        PolicyResult(
            "advisory", "allowed-domains", "api", "api: api.example.org not under an allowed domain (example.com)"
        ),
    )


def test_a_mandatory_violation_is_a_refusal_and_is_listed() -> None:
    advisory = PolicyResult("advisory", "allowed-domains", "api", "api: [x](http://evil) not under example.com")
    mandatory = PolicyResult("mandatory", "checked-deletions", "www", "www: check_resources: false")
    base = Review(stack="prod", rows=(), expiring=(), expiry_window_days=30)

    assert Review("prod", (), (), 30, policies=(advisory,)).exit_code == EXIT_OK
    review = Review("prod", (), (), 30, policies=(mandatory, advisory))
    assert base.exit_code == EXIT_OK and review.exit_code == EXIT_REFUSED

    text = render_markdown(review)
    assert "#### Policies" in text
    assert "- `www`: **mandatory** `checked-deletions`: www: check\\_resources: false" in text
    assert "\\[x\\](http\\://evil)" in text  # the pack's text cannot make a link
    assert review_document(review)["policies"][0] == {
        "level": "mandatory",
        "policy": "checked-deletions",
        "entry": "www",
        "message": "www: check_resources: false",
    }
    assert "Policies" not in render_markdown(base)
