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
from support.certs import encrypt_key, make_cert, make_key

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


# Values where the two readers once disagreed: the schema had a maximum for project_id that check() lacked, and
# check() took any str.isalpha() resource type ("clé") and any region text the schema refuses; check() stripped
# spaces the schema refuses, and the schema's `$` (read by Python's re) took a final line break that check() refuses.
CASES_ONCE_APART: dict[str, list[tuple[Any, bool]]] = {
    "project_id": [(0, True), (2**31 - 1, True), (2**31, False), (10**12, False), (-1, False), (1.5, False)],
    "deploy_regions": [
        ({"clb": ["ap-guangzhou"]}, True),
        ({"waf": ["ap-shanghai-fsi", "na-ashburn"]}, True),
        ({"clé": ["ap-guangzhou"]}, False),
        ({"CLB": ["ap-guangzhou"]}, False),
        ({"clb": []}, False),
        ({"clb": ["Guangzhou"]}, False),
        ({"clb": ["ap guangzhou"]}, False),
        ({"clb": "ap-guangzhou"}, False),
        ({"clb\n": ["ap-guangzhou"]}, False),
        ({"clb": ["ap-guangzhou\n"]}, False),
    ],
    "alias": [("www\n", False), ("\n", False)],
    "renew_before": [("", True), ("30d\n", False), (" 30d", False), ("30d ", False)],
    "delete_timeout": [("10m\n", False), (" 10m", False)],
    "adopt_id": [("GjTNRoK7\n", False), (" GjTNRoK7", False)],
    "free_domain": [(" shop.example.com", False), ("shop.example.com\n", False)],
}


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        pytest.param(field, value, valid, id=f"{field}-{i}")
        for field, values in CASES_ONCE_APART.items()
        for i, (value, valid) in enumerate(values)
    ],
)
def test_the_values_they_once_judged_apart(tmp_path: Path, field: str, value: Any, valid: bool) -> None:
    entry, inputs = entry_and_inputs(field, value)
    assert loader_accepts(tmp_path, entry) is valid
    assert check_accepts(inputs) is valid


def loader_problem(tmp_path: Path, entry: str) -> str:
    path = tmp_path / "stack.yaml"
    path.write_text(f"certificates:\n  e:\n{entry}", encoding="utf-8")
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path, environ={}, now=NOW)
    (problem,) = caught.value.problems
    return str(problem)


# field, bad value, the place the loader names below the entry, the phrase both say
SAME_WORDS = [
    ("project_id", 2**31, "project_id", "must be a project id: 0 (the default project) or a positive integer up to "
     "2147483647"),
    ("project_id", -1, "project_id", "must be a project id: 0 (the default project) or a positive integer up to "
     "2147483647"),
    ("deploy_regions", {"clé": ["ap-guangzhou"]}, "deploy_regions.clé", "'clé' is not a resource type such as clb or "
     "waf"),
    ("deploy_regions", {"clb": []}, "deploy_regions.clb", "must be a list of region names such as ap-guangzhou"),
    ("deploy_regions", {"clb": ["Guangzhou"]}, "deploy_regions.clb", "'Guangzhou' is not a region name such as "
     "ap-guangzhou"),
    ("renew_before", "0d", "renew_before", "must be between 1d and 366d, not '0d'"),
    ("alias", "x" * 201, "alias", "must be at most 200 characters (has 201)"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value", "place", "phrase"), SAME_WORDS, ids=[f"{c[0]}-{c[2]}" for c in SAME_WORDS])
def test_a_bad_value_is_refused_in_the_same_words(
    tmp_path: Path, field: str, value: Any, place: str, phrase: str
) -> None:
    entry, inputs = entry_and_inputs(field, value)
    # The loader names the file, the line and column, the entry and the field...
    problem = loader_problem(tmp_path, entry)
    assert problem.startswith(f"{tmp_path / 'stack.yaml'}:4:")
    assert problem.endswith(f": certificates.e.{place}: {phrase}"), problem
    # ...and check() the property, in the same words.
    failures = check_inputs({"entry": "e", "owner": "o", **inputs}, NOW)
    assert [f.property for f in failures] == [field]
    assert failures[0].reason.endswith(phrase) and failures[0].reason.startswith(field), failures[0].reason


def key_cases() -> list[tuple[str, str, str]]:
    """(certificate, key, what is wrong with the key) for the failures both readers report on a key."""
    cert, key = make_cert("www.example.com")
    return [
        (cert, make_key(), "does not match the certificate (their public keys differ)"),
        (
            cert,
            encrypt_key(key, b"pw"),
            "is encrypted; give the unencrypted key (e.g. openssl pkey -in KEY -out PLAIN)",
        ),
        (cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "is not a valid PEM private key"),
        (cert, cert, "is a certificate, not a private key"),
        (cert, "just text", "is not a PEM private key"),
    ]


@pytest.mark.parametrize("case", range(5))
def test_a_bad_key_is_refused_in_the_same_words(tmp_path: Path, case: int) -> None:
    cert, key, phrase = key_cases()[case]
    (tmp_path / "www.pem").write_text(cert, encoding="utf-8")
    (tmp_path / "www.key").write_text(key, encoding="utf-8")
    entry = "    upload: {certificate: www.pem, private_key: {file: www.key}}\n"
    problem = loader_problem(tmp_path, entry)
    assert problem.endswith(f": certificates.e.upload.private_key.file: www.key {phrase}"), problem
    failures = check_inputs(
        {"entry": "e", "owner": "o", "source": "upload", "certificate": cert, "private_key": key}, NOW
    )
    assert [(f.property, f.reason) for f in failures] == [("private_key", f"private_key {phrase}")]
