"""The stack-file loader and the provider's check() judge the same value the same way (one rule each, in rules.py).

A file the loader accepts must never be refused by check() later (a failed `up` after a clean preview), and a value
check() refuses must never pass the loader. Each case gives one field's value as text, as a user writes it in YAML
and as CertificateArgs would send it, and expects one verdict from both.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from provider.stackfile import StackFileError, load_stack_file
from provider.validation import check_inputs

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def loader_accepts(tmp_path: Path, entry: str) -> bool:
    path = tmp_path / "stack.yaml"
    path.write_text(f"certificates:\n  e:\n{entry}", encoding="utf-8")
    try:
        load_stack_file(path, read_secrets=False, now=NOW)
    except StackFileError:
        return False
    return True


def check_accepts(inputs: dict[str, Any]) -> bool:
    return not check_inputs({"entry": "e", "owner": "o", **inputs}, NOW)


def quoted(value: str) -> str:
    return json.dumps(value)  # a YAML double-quoted scalar: the value is read as the exact text


ADOPT_IDS = [
    ("GjTNRoK7", True),
    ("12345678", True),
    ("GjTN", False),
    ("GjTNRoK7x", False),
    ("A" * 32, False),
    ("GjTN!oK7", False),
    ("", False),
]


@pytest.mark.parametrize(("value", "valid"), ADOPT_IDS)
def test_adopt_ids(tmp_path: Path, value: str, valid: bool) -> None:
    assert loader_accepts(tmp_path, f"    adopt: {quoted(value)}\n") is valid
    assert check_accepts({"source": "adopt", "adopt_id": value}) is valid


DOMAINS = [
    ("shop.example.com", True),
    ("Shop.Example.COM.", True),
    ("xn--bcher-kva.example", True),
    ("bücher.example", True),
    ("*.example.com", False),
    ("-shop.example.com", False),
    ("example", False),
    ("1.2.3.4", False),
    ("shop..example.com", False),
    ("a" * 64 + ".example.com", False),
]


@pytest.mark.parametrize(("value", "valid"), DOMAINS)
def test_free_domains(tmp_path: Path, value: str, valid: bool) -> None:
    assert loader_accepts(tmp_path, f"    free: {quoted(value)}\n") is valid
    assert check_accepts({"source": "free", "free_domain": value}) is valid


TIMEOUTS = [
    ("90s", True),
    ("10m", True),
    ("1h30m", True),
    ("24h", True),
    ("25h", False),
    ("0s", False),
    ("1.5h", False),
    ("10 minutes", False),
    ("-5m", False),
]


@pytest.mark.parametrize("field", ["delete_timeout", "create_timeout"])
@pytest.mark.parametrize(("value", "valid"), TIMEOUTS)
def test_timeouts(tmp_path: Path, field: str, value: str, valid: bool) -> None:
    assert loader_accepts(tmp_path, f"    adopt: GjTNRoK7\n    {field}: {quoted(value)}\n") is valid
    assert check_accepts({"source": "adopt", "adopt_id": "GjTNRoK7", field: value}) is valid


ALIASES = [("www", True), ("x" * 200, True), ("x" * 201, False), ("a\u0007b", False), ("", True)]


@pytest.mark.parametrize(("value", "valid"), ALIASES, ids=["short", "200", "201", "control", "empty"])
def test_aliases(tmp_path: Path, value: str, valid: bool) -> None:
    assert loader_accepts(tmp_path, f"    adopt: GjTNRoK7\n    alias: {quoted(value)}\n") is valid
    assert check_accepts({"source": "adopt", "adopt_id": "GjTNRoK7", "alias": value}) is valid


TAGS: list[tuple[dict[str, str], bool]] = [
    ({"team": "web"}, True),
    ({f"k{i}": "v" for i in range(47)}, True),
    ({f"k{i}": "v" for i in range(48)}, False),
    ({"pulumi:owner": "x"}, False),
    ({"qcloud:x": "1"}, False),
    ({"team": "a" * 256}, False),
    ({"k" * 128: "v"}, False),
    ({"team": "web<>"}, True),
    ({"team": "web#"}, False),
    ({" team": "web"}, False),
]


@pytest.mark.parametrize(("tags", "valid"), TAGS, ids=[str(i) for i in range(len(TAGS))])
def test_tags(tmp_path: Path, tags: dict[str, str], valid: bool) -> None:
    assert loader_accepts(tmp_path, f"    adopt: GjTNRoK7\n    tags: {json.dumps(tags)}\n") is valid
    assert check_accepts({"source": "adopt", "adopt_id": "GjTNRoK7", "tags": tags}) is valid
