"""provider/rules.py: one set of alias and tag rules for the stack-file loader and the provider's check()."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from pulumi.runtime.rpc import UNKNOWN

from provider import inputs, rules
from provider.validation import check_inputs

PROVIDER = Path(rules.__file__).parent
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def adopt(**fields: object) -> dict[str, object]:
    return {"source": "adopt", "adopt_id": "GjTNRoK7", **fields}


def reasons(props: dict[str, object]) -> list[str]:
    return [f.reason for f in check_inputs(props, NOW)]


def test_the_unknown_sentinel_is_pulumis() -> None:
    assert inputs.UNKNOWN == UNKNOWN


@pytest.mark.parametrize("key", ["a(b)", "x[1]", "k,v", "a;b", "a>b", "a<b", "team", "成本中心", "a_b"])
def test_tag_characters_tencent_allows_pass_both(key: str) -> None:
    assert rules.tag_key_problem(key) is None
    assert reasons(adopt(tags={key: key})) == []


@pytest.mark.parametrize("key", ["qcs:x", "pulumi:owner", "QCloud-x", "tencent:a", "project"])
def test_reserved_prefixes(key: str) -> None:
    assert "reserved prefix" in (rules.tag_key_problem(key) or "")
    assert any("reserved prefix" in r for r in reasons(adopt(tags={key: "v"})))


@pytest.mark.parametrize(("tags", "word"), [({"a#": "v"}, "characters"), ({"a": "x|y"}, "characters"),
                                            ({" a": "v"}, "space"), ({"k" * 128: "v"}, "127")])  # fmt: skip
def test_bad_tags_are_refused_by_check(tags: dict[str, str], word: str) -> None:
    (reason,) = reasons(adopt(tags=tags))
    assert word in reason and repr(next(iter(tags))) in reason


def test_alias_limit_is_tencents_200() -> None:
    assert reasons(adopt(alias="x" * rules.MAX_ALIAS)) == []
    assert reasons(adopt(alias="x" * (rules.MAX_ALIAS + 1))) == ["alias must be at most 200 characters (has 201)"]
    assert reasons(adopt(alias="a\x7fb")) == ["alias must not contain control characters or line breaks"]


def test_at_most_47_user_tags() -> None:
    # Tencent allows 50; the provider keeps pulumi:owner, pulumi:claim and pulumi:create.
    assert rules.MAX_USER_TAGS == 47
    assert reasons(adopt(tags={f"k{i}": "v" for i in range(47)})) == []
    assert reasons(adopt(tags={f"k{i}": "v" for i in range(48)})) == ["at most 47 tags per certificate"]


def test_the_provider_tags_are_reserved() -> None:
    assert rules.is_reserved_tag(rules.OWNER_TAG) and rules.is_reserved_tag(rules.CREATE_TAG)
    assert rules.is_reserved_tag(rules.CLAIM_TAG)
    assert rules.user_tags({rules.OWNER_TAG: "o", "qcs:x": "1", "env": "prod"}) == {"env": "prod"}


@pytest.mark.parametrize("name", ["rules", "pem", "inputs", "validation", "outputs", "creation", "deletion", "waiting",
                                  "errors"])  # fmt: skip
def test_split_modules_import_neither_pulumi_nor_httpx(name: str) -> None:
    tree = ast.parse((PROVIDER / f"{name}.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level
    }
    assert not imported & {"pulumi", "httpx"}
