"""Several stacks in one review: choosing them (`--stack` repeated or a glob) and saying which ones a change
touches, without the CLI or the API."""

from __future__ import annotations

import io
import json

import pytest

from provider.review.cli import main
from provider.review.model import Review, Row
from provider.review.preflight import Verdict
from provider.review.stacks import match_stacks, render_many_json, render_many_markdown, stack_names, worst_exit

STACKS = ["dev", "prod-eu", "prod-us", "staging"]


# What a row of these tests leaves at its plain value: no facts, checked deletion, nothing retained or pending.
PLAIN = dict(old=None, new=None, check_resources=True, retain=False, protect=False, pending=False, changes=())


def row(entry: str, operation: str, refused: bool = False) -> Row:
    verdict = Verdict(checked=True, refused=True, reasons=("still bound",)) if refused else None
    return Row(entry=entry, operation=operation, certificate_id=f"id-{entry}", verdict=verdict, **PLAIN)


def review(stack: str, *rows: Row) -> Review:
    return Review(stack=stack, rows=rows, expiring=(), expiry_window_days=30)


def test_globs_and_names_are_expanded_in_order_each_stack_once() -> None:
    assert match_stacks(["prod-*"], STACKS) == ["prod-eu", "prod-us"]
    assert match_stacks(["staging", "prod-*", "prod-eu"], STACKS) == ["staging", "prod-eu", "prod-us"]
    assert match_stacks(["*"], STACKS) == sorted(STACKS)
    # A plain name is passed through (the CLI says if it does not exist); a fully qualified name matches by its end.
    assert match_stacks(["qa"], STACKS) == ["qa"]
    assert match_stacks(["prod-?s"], ["acme/tencent-ssl/prod-us", "acme/tencent-ssl/dev"]) == [
        "acme/tencent-ssl/prod-us"
    ]


def test_a_glob_that_matches_nothing_is_an_error_naming_the_stacks() -> None:
    with pytest.raises(ValueError, match=r"'prd-\*' matches no stack \(the stacks: dev, prod-eu"):
        match_stacks(["prd-*"], STACKS)


def test_stack_names_are_read_from_stack_ls_json() -> None:
    listed = json.dumps([{"name": "dev", "current": True}, {"name": "prod-eu", "current": False}, {"other": 1}])
    assert stack_names(listed) == ["dev", "prod-eu"]
    with pytest.raises(ValueError, match="no JSON"):
        stack_names("error: no project")


def test_the_comment_says_which_stacks_the_change_touches_and_shows_only_those() -> None:
    reviews = [review("dev"), review("prod-eu", row("www", "delete")), review("staging", row("api", "update"))]
    text = render_many_markdown(reviews, max_chars=60000)
    assert text.startswith("<!-- tencent-ssl-review stacks=dev,prod-eu,staging -->\n")
    assert "This change touches `prod-eu`, `staging`." in text
    assert "No change on `dev`." in text
    assert "### Certificates on stack `prod-eu`" in text and "### Certificates on stack `staging`" in text
    assert "### Certificates on stack `dev`" not in text
    assert "touches no stack" in render_many_markdown([review("dev")], max_chars=60000)


def test_the_json_lists_touched_stacks_and_the_worst_exit_status() -> None:
    reviews = [review("dev"), review("prod", row("www", "delete", refused=True))]
    document = json.loads(render_many_json(reviews))
    assert document["stacks"] == ["dev", "prod"] and document["touched"] == ["prod"]
    assert document["exit_code"] == 2 == worst_exit(reviews)
    assert [r["stack"] for r in document["reviews"]] == ["dev", "prod"]
    assert worst_exit([review("dev")]) == 0


def test_several_stacks_refuse_a_single_preview_file() -> None:
    err = io.StringIO()
    status = main(["--stack", "a", "--stack", "b", "--preview-json", "p.json"], environ={}, stderr=err)
    assert status == 1
    assert "describe one stack" in err.getvalue()
