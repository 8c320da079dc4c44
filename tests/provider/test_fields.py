"""The field registry (provider.fields): what derives from it, the documents generated from it, and one verdict.

Adding a field is one registry entry: it shows up in the stack file's JSON Schema, in check() and in the options table
of docs/stack-file.md without other edits. The stack-file loader and check() accept and refuse the same values.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import provider.certificate
import provider.inputs
import provider.stackfile
from provider import fields, rules
from provider.fields import FIELDS, INPUTS, Field, options_table, with_options_table
from provider.stackfile import StackFileError, load_stack_file
from provider.stackfile._schema import json_schema
from provider.validation import Failure, check_inputs

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "stack-file.md"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# A field a later change might add: an option of a kind the registry knows.
NOTIFY = Field(
    "notify_expiry",
    "flag",
    False,
    "mail the owners before expiry",
    step=False,
    key="notify_expiry",
    option=True,
    help="`true`: mail the entry's owners a week before the certificate expires.",
)


def test_the_committed_options_table_is_the_generated_one() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text == with_options_table(text), (
        "docs/stack-file.md's options table is stale; regenerate it: python -m provider.fields docs/stack-file.md"
    )
    assert options_table() in text


def test_the_command_rewrites_the_table(tmp_path: Path) -> None:
    doc = tmp_path / "stack-file.md"
    doc.write_text(f"# Options\n{fields.TABLE_START}\n| stale |\n{fields.TABLE_END}\nafter\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "provider.fields", str(doc)], cwd=REPO, check=True)
    assert (
        doc.read_text(encoding="utf-8")
        == f"# Options\n{fields.TABLE_START}\n{options_table()}{fields.TABLE_END}\nafter\n"
    )
    printed = subprocess.run(
        [sys.executable, "-m", "provider.fields"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    assert printed == options_table()


def test_a_new_field_shows_up_in_the_schema_check_and_the_table() -> None:
    registry = (*FIELDS, NOTIFY)
    schema = json_schema(registry)
    for where in (schema["$defs"]["defaults"], schema["$defs"]["certificate"]):
        assert where["properties"]["notify_expiry"]["type"] == "boolean"
        assert "mail the entry's owners" in where["properties"]["notify_expiry"]["description"]
    validator = Draft202012Validator(schema)
    entry: dict[str, Any] = {"adopt": "GjTNRoK7", "notify_expiry": True}
    assert validator.is_valid({"certificates": {"e": entry}, "defaults": {"notify_expiry": False}})
    assert not validator.is_valid({"certificates": {"e": {**entry, "notify_expiry": "yes"}}})
    # Today's schema has no such option.
    assert not Draft202012Validator(json_schema()).is_valid({"certificates": {"e": entry}})

    inputs = {"entry": "e", "owner": "o", "source": "adopt", "adopt_id": "GjTNRoK7"}
    assert check_inputs({**inputs, "notify_expiry": True}, NOW, (*INPUTS, NOTIFY)) == []
    assert check_inputs({**inputs, "notify_expiry": "yes"}, NOW, (*INPUTS, NOTIFY)) == [
        Failure("notify_expiry", "notify_expiry must be true or false")
    ]
    assert check_inputs({**inputs, "notify_expiry": True}, NOW) == [
        Failure("notify_expiry", "unknown property 'notify_expiry'")
    ]

    row = "| `notify_expiry` | `false` | `true`: mail the entry's owners a week before the certificate expires. |"
    assert row in options_table(registry) and row not in options_table()


def test_the_input_schema_is_the_registrys() -> None:
    assert provider.inputs.ALL_INPUTS == {f.name for f in INPUTS}
    assert set(provider.inputs.REPLACE_FIELDS) == {f.name for f in INPUTS if f.replace}
    assert provider.inputs.NO_STEP_FIELDS == {f.name for f in INPUTS if not f.step}
    assert provider.inputs.SECRET_FIELDS == {f.name for f in INPUTS if f.secret}
    for f in INPUTS:
        assert provider.inputs.default_of(f.name) == f.default, f.name


def test_the_default_timeouts_are_stated_once() -> None:
    # They were an int in provider.rules and a float in provider.inputs; now one value, the input schema's seconds.
    assert not hasattr(rules, "DEFAULT_DELETE_TIMEOUT") and not hasattr(rules, "DEFAULT_CREATE_TIMEOUT")
    for module in (provider.inputs, provider.stackfile, provider.certificate):
        assert module.DEFAULT_DELETE_TIMEOUT is fields.DEFAULT_DELETE_TIMEOUT
        assert module.DEFAULT_CREATE_TIMEOUT is fields.DEFAULT_CREATE_TIMEOUT
    assert isinstance(fields.DEFAULT_DELETE_TIMEOUT, float)
    assert fields.by_name("delete_timeout").default is fields.DEFAULT_DELETE_TIMEOUT


def test_the_registry_sits_low() -> None:
    # provider.fields may import provider.rules only, and provider.rules nothing of the project.
    for module, allowed in (("fields", {"rules"}), ("rules", set())):
        tree = ast.parse((REPO / "provider" / f"{module}.py").read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level > 0
            for alias in node.names
        } | {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level > 0 and node.module
        }
        assert imported <= allowed, (module, imported)


# -- one verdict: the loader and check() judge the same values alike (a property test over each text field)


def loader_accepts(tmp_path: Path, entry: str) -> bool:
    path = tmp_path / "stack.yaml"
    path.write_text(f"certificates:\n  e:\n{entry}", encoding="utf-8")
    try:
        load_stack_file(path, read_secrets=False, now=NOW)
    except StackFileError:
        return False
    return True


def verdicts(tmp_path: Path, field: str, value: Any) -> tuple[bool, bool]:
    text = json.dumps(value)  # a YAML double-quoted scalar or flow mapping: the loader reads the exact value
    if field == "adopt_id":
        entry, inputs = f"    adopt: {text}\n", {"source": "adopt", "adopt_id": value}
    elif field == "free_domain":
        entry, inputs = f"    free: {text}\n", {"source": "free", "free_domain": value}
    else:
        entry = f"    adopt: GjTNRoK7\n    {field}: {text}\n"
        inputs = {"source": "adopt", "adopt_id": "GjTNRoK7", field: value}
    checked = not check_inputs({"entry": "e", "owner": "o", **inputs}, NOW)
    return loader_accepts(tmp_path, entry), checked


def texts(alphabet: str, max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=max_size)


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "project_id": st.integers(min_value=-3, max_value=2**33) | st.sampled_from([2**31 - 1, 2**31]),
    "renew_before": texts("0123d \n", 5),
    "delete_timeout": texts("0159hms \n", 6),
    "alias": texts("ab é\x07\t\n", 6) | st.sampled_from(["x" * 200, "x" * 201]),
    "adopt_id": texts("GjT7é!-\n ", 10),
    "deploy_regions": st.dictionaries(
        texts("abcCé-1 ", 4), st.lists(texts("ap-guangzhou1Gé \n", 14), max_size=2), max_size=2
    ),
    "free_domain": texts("ab.-*é1 \nX", 12),
    "tags": st.dictionaries(texts("ab :#é\n+Q", 5), texts("ab :#é\n", 5), max_size=2),
}


@pytest.mark.parametrize("field", sorted(VALUES))
def test_the_loader_and_check_accept_the_same_values(tmp_path: Path, field: str) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=VALUES[field])
    def one_verdict(value: Any) -> None:
        loader, checked = verdicts(tmp_path, field, value)
        assert loader == checked, f"{field}={value!r}: the loader {'accepts' if loader else 'refuses'} it, check() "
        f"{'accepts' if checked else 'refuses'} it"

    one_verdict()
