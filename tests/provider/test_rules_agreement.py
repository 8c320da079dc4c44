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


def entry_and_inputs(field: str, value: Any) -> tuple[str, dict[str, Any]]:
    """The stack-file entry and check()'s inputs that both give ``field`` the ``value`` (an adopted entry's, when
    the field is not the source itself)."""
    # A YAML double-quoted scalar (or flow mapping) written as JSON: the loader reads the exact value.
    text = json.dumps(value)
    if field == "adopt_id":
        return f"    adopt: {text}\n", {"source": "adopt", "adopt_id": value}
    if field == "free_domain":
        return f"    free: {text}\n", {"source": "free", "free_domain": value}
    return f"    adopt: GjTNRoK7\n    {field}: {text}\n", {"source": "adopt", "adopt_id": "GjTNRoK7", field: value}


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

# field -> (value, whether both accept it)
CASES: dict[str, list[tuple[Any, bool]]] = {
    "adopt_id": [
        ("GjTNRoK7", True),
        ("12345678", True),
        ("GjTN", False),
        ("GjTNRoK7x", False),
        ("A" * 32, False),
        ("GjTN!oK7", False),
        ("", False),
    ],
    "free_domain": [
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
    ],
    "delete_timeout": TIMEOUTS,
    "create_timeout": TIMEOUTS,
    "alias": [("www", True), ("x" * 200, True), ("x" * 201, False), ("a\u0007b", False), ("", True)],
    "tags": [
        ({"team": "web"}, True),
        ({f"k{i}": "v" for i in range(45)}, True),
        ({f"k{i}": "v" for i in range(46)}, False),
        ({"pulumi:owner": "x"}, False),
        ({"qcloud:x": "1"}, False),
        ({"team": "a" * 256}, False),
        ({"k" * 128: "v"}, False),
        ({"team": "web<>"}, True),
        ({"team": "web#"}, False),
        ({" team": "web"}, False),
    ],
}


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        pytest.param(field, value, valid, id=f"{field}-{value if isinstance(value, str) and len(value) < 30 else i}")
        for field, values in CASES.items()
        for i, (value, valid) in enumerate(values)
    ],
)
def test_the_loader_and_check_give_one_verdict(tmp_path: Path, field: str, value: Any, valid: bool) -> None:
    entry, inputs = entry_and_inputs(field, value)
    assert loader_accepts(tmp_path, entry) is valid
    assert check_accepts(inputs) is valid
