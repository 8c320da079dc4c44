"""The stack file's structure is checked at run time by its JSON Schema; each schema error is a problem at its node.

The matrix in stackfile_cases/ covers the messages users see; these tests pin what the run-time check adds: one
problem per place, at the key or the value it is about, in the loader's words, and only on data the schema judged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.stackfile import StackFileError, load_stack_file


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str, str]]:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path, read_secrets=False)
    return [(p.line, p.column, p.field_path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # An entry with no source: at its name.
        ("  www:\n    alias: x\n", (2, 3, "certificates.www", "needs one of upload, adopt or free")),
        # A second source: at the second one, naming the first.
        (
            "  www:\n    adopt: GjTNRoK7\n    free: a.example.com\n",
            (4, 5, "certificates.www.free", "give exactly one of upload, adopt or free (this entry also has 'adopt')"),
        ),
        # The branch of the value's type: a string fails as a domain, a mapping as the mapping form.
        ("  www:\n    free: localhost\n", (3, 11, "certificates.www.free", "'localhost' is not a valid domain name")),
        (
            "  www:\n    free: {domain: a.example.com, validation: dns}\n",
            (3, 47, "certificates.www.free.validation", "did you mean 'DNS'?"),
        ),
        # No branch takes the type.
        ("  www:\n    adopt: [GjTNRoK7]\n", (3, 12, "certificates.www.adopt", "must be a certificate id, not a list")),
        # A number where text is meant: quoting it is the fix.
        (
            "  www:\n    adopt: GjTNRoK7\n    renamed_from: [2024]\n",
            (4, 20, "certificates.www.renamed_from", "not a number; to mean the text, quote it: '2024'"),
        ),
        # A missing key of a block mapping: at the key naming the mapping.
        (
            "  www:\n    upload:\n      private_key: {env: K}\n",
            (3, 5, "certificates.www.upload.certificate", "missing; a PEM file path"),
        ),
        # Text is not trimmed.
        (
            "  www:\n    adopt: GjTNRoK7\n    delete_timeout: ' 15m'\n",
            (4, 21, "certificates.www.delete_timeout", "without spaces around it: '15m'"),
        ),
    ],
)
def test_schema_errors_are_worded_at_their_node(
    tmp_path: Path, entry: str, expected: tuple[int, int, str, str]
) -> None:
    ((line, column, field, message),) = problems(tmp_path, "certificates:\n" + entry)
    assert (line, column, field) == expected[:3]
    assert expected[3] in message


def test_a_bad_tag_key_hides_its_value(tmp_path: Path) -> None:
    found = problems(tmp_path, "certificates:\n  www:\n    adopt: GjTNRoK7\n    tags: {'qcs:x': [1]}\n")
    assert [(f[2], "reserved prefix" in f[3]) for f in found] == [("certificates.www.tags.qcs:x", True)]


def test_a_bad_entry_name_does_not_hide_the_entry(tmp_path: Path) -> None:
    found = problems(tmp_path, "certificates:\n  WWW:\n    adopt: GjTN\n")
    assert [f[2] for f in found] == ["certificates.WWW", "certificates.WWW.adopt"]


def test_values_with_a_yaml_problem_are_not_judged_again(tmp_path: Path) -> None:
    found = problems(tmp_path, 'certificates:\n  www:\n    adopt: !vault GjTN\n    retain: "\\e"\n')
    assert [(f[2], f[3].split(";")[0]) for f in found] == [
        ("certificates.www.adopt", "unsupported YAML tag !vault"),
        ("certificates.www.retain", "the value contains a control character (U+001B), likely from a \\ escape"),
    ]


def test_a_value_the_schema_refused_is_not_checked_by_hand(tmp_path: Path) -> None:
    # The env name is refused by the schema; the variable is then not looked up ("not set" would be a second problem).
    path = tmp_path / "stack.yaml"
    path.write_text("certificates:\n  www:\n    upload: {certificate: x.pem, private_key: {env: 1-KEY}}\n")
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path, environ={})
    assert [p.field_path for p in caught.value.problems] == [
        "certificates.www.upload.certificate",
        "certificates.www.upload.private_key.env",
    ]
    assert "is not an environment variable name" in caught.value.problems[1].message


def test_a_key_spelling_a_field_path_is_an_unknown_key(tmp_path: Path) -> None:
    # `upload.certificate` is one key here, not the certificate below `upload`: it is worded as an unknown key.
    found = problems(tmp_path, "certificates:\n  www:\n    adopt: GjTNRoK7\n    upload.certificate: [1]\n")
    assert [(f[0], f[2]) for f in found] == [(4, "certificates.www.upload.certificate")]
    assert "unknown key" in found[0][3] and "PEM" not in found[0][3], found
