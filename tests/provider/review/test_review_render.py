"""Reading `pulumi preview --json` (the shape CLI v3.274.1 prints) and rendering the review, without the API."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from typing import Any

import pytest

from provider.review.jsonfmt import render_json
from provider.review.markdown import render_markdown
from provider.review.model import build_review
from provider.review.plan import CERTIFICATE_TYPE, PlanError, read_plan
from provider.review.preflight import Verdict, preflight
from provider.review.state import read_state, with_state
from support.certs import make_cert

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
PREFIX = "urn:pulumi:prod::tencent-ssl::"


@functools.cache
def old_pem() -> str:
    """One certificate for every old state (key generation is slow; the outputs name the domain anyway)."""
    return make_cert("old.example.com")[0]


def urn(name: str) -> str:
    return f"{PREFIX}{CERTIFICATE_TYPE}::{name}"


def state(name: str, id_: str, **extra: Any) -> dict[str, Any]:
    outputs = {
        "source": "upload",
        "certificate": old_pem(),
        "private_key": "[secret]",
        "domain": f"{name}.example.com",
        "subject_alt_names": [f"{name}.example.com"],
        "not_after": "2027-03-01T00:00:00Z",
        "fingerprint": "ab" * 20,
        "alias": name,
        "check_resources": True,
    }
    return {"urn": f"{PREFIX}{CERTIFICATE_TYPE}::{name}", "type": CERTIFICATE_TYPE, "id": id_, "outputs": outputs,
            "inputs": {}, **extra}  # fmt: skip


def document() -> dict[str, Any]:
    new_pem, _ = make_cert("www.example.com", ("new.example.com",))
    www_new = {"inputs": {"source": "upload", "certificate": new_pem, "private_key": "[secret]", "alias": "www2"}}
    soon = state("soon", "id-soon")
    soon["outputs"]["not_after"] = "2026-12-20T00:00:00Z"
    return {
        "config": {"tencentcloud:endpoint": "http://127.0.0.1:1", "tencentcloud:secretKey": "[secret]"},
        "steps": [
            {"op": "same", "urn": f"{PREFIX}pulumi:pulumi:Stack::tencent-ssl-prod", "oldState": {}, "newState": {}},
            {"op": "replace", "urn": f"{PREFIX}{CERTIFICATE_TYPE}::www", "oldState": state("www", "id-www"),
             "newState": {**state("www", ""), **www_new}, "diffReasons": ["alias", "certificate", "private_key"],
             "detailedDiff": {"alias": {"kind": "update"}, "certificate": {"kind": "update"}}},
            {"op": "delete", "urn": urn("shop"), "oldState": state("shop", "id-shop", retainOnDelete=True)},
            {"op": "delete", "urn": urn("api"), "oldState": state("api", "id-old", delete=True)},
            {"op": "same", "urn": f"{PREFIX}{CERTIFICATE_TYPE}::soon", "oldState": soon, "newState": soon},
        ],
        "duration": 123456789,
    }  # fmt: skip


def test_the_plan_has_one_step_per_certificate_with_its_kind() -> None:
    plan = read_plan(json.dumps(document()))
    assert plan.stack == "prod"
    assert [(s.entry, s.kind, s.certificate_id, s.pending) for s in plan.steps] == [
        ("api", "delete", "id-old", True),
        ("shop", "retain", "id-shop", False),
        ("soon", "same", "id-soon", False),
        ("www", "replace", "id-www", False),
    ]
    assert plan.config["tencentcloud:secretKey"] == "[secret]"


@pytest.mark.parametrize("text", ["not json", "[]", '{"steps": 3}'])
def test_what_is_not_a_preview_is_refused_clearly(text: str) -> None:
    with pytest.raises(PlanError, match="preview"):
        read_plan(text)


def review_of(doc: dict[str, Any]) -> Any:
    plan = read_plan(json.dumps(doc))
    protected_and_retained_only = [s for s in plan.steps if s.kind == "retain"]
    return build_review(plan, preflight(protected_and_retained_only, None, NOW), NOW)


def test_the_comment_shows_names_expiry_and_fingerprints_never_a_pem_or_a_secret() -> None:
    doc = document()
    comment = render_markdown(review_of(doc))
    assert comment.startswith("<!-- tencent-ssl-review stack=prod -->\n")
    assert "1 to replace, 1 to delete, 1 retained" in comment
    assert "www.example.com → www.example.com, new.example.com" in comment
    assert "Deletions pending from an earlier run" in comment and "`id-old`" in comment
    assert "Expiring within 30 days" in comment and "2026-12-20T00:00:00Z" in comment
    assert "| `alias` | www | www2 |" in comment
    assert "BEGIN" not in comment and "[secret]" not in comment
    assert render_markdown(review_of(json.loads(json.dumps(doc)))) == comment
    as_json = render_json(review_of(doc))
    assert "BEGIN" not in as_json and json.loads(as_json)["pending_deletions"] == [
        {"certificate_id": "id-old", "entry": "api", "successor": ""}
    ]


def test_a_long_comment_is_cut_to_the_cap_with_a_visible_note() -> None:
    doc = document()
    doc["steps"] += [
        {
            "op": "delete",
            "urn": f"{PREFIX}{CERTIFICATE_TYPE}::e{i:03}",
            "oldState": state(f"e{i:03}", f"id{i:03}", retainOnDelete=True),
        }  # fmt: skip
        for i in range(200)
    ]
    review = review_of(doc)
    full = render_markdown(review, max_chars=10**7)
    cut = render_markdown(review, max_chars=8000)
    assert len(full) > 8000 >= len(cut)
    assert "**Truncated:**" in cut and "python -m provider.review --stack prod" in cut
    assert "**Truncated" not in full


def test_control_characters_from_the_plan_do_not_reach_the_comment() -> None:
    doc = document()
    doc["steps"][1]["oldState"]["outputs"]["domain"] = "\x1b[31mred.example.com\x1b[0m<b>"
    comment = render_markdown(review_of(doc))
    assert "\x1b" not in comment and "<b>" not in comment and "\\[31mred.example.com\\[0m&lt;b&gt;" in comment


HOSTILE = "[click](https://evil.example/x) ![px](https://evil.example/p.png) @octocat <img src=x> a|b\n\n# h *b*"
#: HOSTILE as plain text that renders as itself, worked out by hand from CommonMark's backslash escapes.
NEUTRAL = (
    "\\[click\\](https\\://evil.example/x) !\\[px\\](https\\://evil.example/p.png) @\u200boctocat "
    "&lt;img src=x&gt; a\\|b# h \\*b\\*"
)


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


@pytest.mark.reliability(
    area="security",
    tried="a Markdown link, an image, an @mention, HTML, a table pipe and line breaks in an alias, a domain, an entry "
    "name and a message from the API, rendered by the review",
    held="the comment shows them as text: no link, image, mention or HTML renders, every table row keeps its cells",
)
def test_markdown_in_user_text_is_neutralised_wherever_it_lands() -> None:
    doc = document()
    www = doc["steps"][1]
    www["newState"]["inputs"]["alias"] = HOSTILE
    www["urn"] = urn("w`w|w @octocat")
    doc["steps"][3]["oldState"]["outputs"]["domain"] = HOSTILE  # api's pending deletion: the expiry list skips it
    plan = read_plan(json.dumps(doc))
    api = next(i for i, s in enumerate(plan.steps) if s.entry == "api")
    from_the_api = Verdict(refused=True, reasons=(f"still bound to CLB: {HOSTILE}",), checked=True)
    comment = render_markdown(build_review(plan, {api: from_the_api}, NOW))

    assert f"| `alias` | www | {NEUTRAL} |" in comment
    assert f"| {NEUTRAL}, api.example.com | 2027-03-01 |" in comment  # api's domains cell
    assert f"**refused**: still bound to CLB: {NEUTRAL}" in comment
    assert "| `w'w\\|w @octocat` | **replace** |" in comment  # a code span: the mention is not rendered there
    assert "<summary><code>w`w|w @octocat</code>" in comment  # raw HTML: only <, > and & could matter
    for line in comment.splitlines():
        if line.startswith("| "):
            assert unescaped_pipes(line) == line.count(" | ") + 2, line  # every cell where the header says
        assert not re.search(r"(?<!\\)!?(?<!\\)\[[^\]]*(?<!\\)\]\(", line), line  # no link or image
        prose = re.sub(r"`[^`]*`", "", line)  # what is not in a code span, where nothing renders
        assert not re.search(r"@[A-Za-z0-9]", prose.replace("<code>w`w|w @octocat</code>", "")), line
        assert "<img" not in line and "://" not in line.replace("\\://", "")
    assert "\n# h" not in comment


def test_the_state_adds_what_the_preview_leaves_out_pending_deletions_and_kept_certificates() -> None:
    # CLI v3.274.1's JSON preview has no step for an unchanged certificate nor for one left marked for deletion.
    kept, leftover = state("kept", "id-kept"), state("www", "id-left", delete=True)
    kept["outputs"]["not_after"] = "2026-12-10T00:00:00Z"
    leftover["outputs"]["private_key"] = {"ciphertext": "v1:AAAA"}  # how the export holds a secret
    current = state("www", "id-www")
    current["outputs"]["replaces"] = "id-left"  # the replacement recorded, at its create, what it replaces
    export = json.dumps({"deployment": {"resources": [kept, leftover, current]}})
    doc = {"steps": [{"op": "same", "urn": f"{PREFIX}pulumi:pulumi:Stack::tencent-ssl-prod"}]}
    plan = with_state(read_plan(json.dumps(doc)), read_state(export))
    assert [(s.entry, s.kind, s.certificate_id, s.pending) for s in plan.steps] == [
        ("kept", "same", "id-kept", False),
        ("www", "same", "id-www", False),
        ("www", "delete", "id-left", True),
    ]
    review = build_review(plan, {}, NOW)
    assert [(r.entry, r.certificate_id, r.successor) for r in review.pending] == [("www", "id-left", "id-www")]
    assert [(e.entry, e.not_after) for e in review.expiring] == [("kept", "2026-12-10T00:00:00Z")]
    comment = render_markdown(review)
    assert "- `www`: certificate `id-left` was replaced by `id-www` but not deleted; `up` deletes it now" in comment
    assert "ciphertext" not in comment + render_json(review)
