"""Tests of provider/stackfile.py: a matrix of bad files, the good files, defaults, secrets, durations, renames, schema.

Bad files live in stackfile_cases/bad/. A comment ``# ERROR <field path>: <message fragment>`` on a line says that the
loader must report a problem on that line for that field (several markers may share a line). A case passes only if
the loader reports exactly the marked problems, all in one run. Certificates and keys are generated at test time
into a temporary ``stacks/certs/`` beside a copy of the case; none is checked in.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import pickle
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from provider.stackfile import (
    DEFAULT_CREATE_TIMEOUT,
    DEFAULT_DELETE_TIMEOUT,
    AdoptSource,
    CertificateSpec,
    FreeSource,
    Problem,
    SecretError,
    SecretRef,
    StackFileError,
    UploadSource,
    canonical_chain,
    load_stack_file,
    parse_duration,
    resolve_secret,
)
from support.certs import (
    RSA_PRIVATE_PARTS,
    corrupt_rsa_key,
    encrypt_key,
    make_ca,
    make_cert,
    make_chain,
    make_key,
    make_sm2_certificate,
)
from support.stack_cases import block_scalar, error_markers, unreadable_files

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "stackfile_cases"
BAD = sorted((CASES / "bad").glob("*.yaml"))
GOOD = sorted((CASES / "good").glob("*.yaml"))
SCHEMA = REPO / "stacks" / "stack.schema.json"
ENV = {"STACKFILE_TEST_WWW_KEY": ""}  # filled in by the material fixture


# --------------------------------------------------------------------------------------------------------------------
# Fixtures: certificate material written next to a copy of each case


@pytest.fixture(scope="session")
def material() -> dict[str, bytes]:
    """Every file a case may reference under certs/, generated once per session (EC keys: fast)."""
    www_cert, www_key = make_cert("www.example.com", ["www.example.com", "example.com"], key_type="ec")
    expired_cert, expired_key = make_cert(
        "old.example.com", days=1, key_type="ec", not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    )
    ca = make_ca("Test Root CA", key_type="ec")
    chain = make_chain("api.example.com", ["api.example.com"], key_type="ec")
    files = {
        "www.pem": www_cert.encode(),
        "www.key": www_key.encode(),
        "www-crlf.pem": ("\r\n\r\n  " + www_cert.replace("\n", "\r\n") + "\r\n\r\n").encode(),
        "other.key": make_key("ec").encode(),
        "expired.pem": expired_cert.encode(),
        "expired.key": expired_key.encode(),
        "ca.pem": ca.cert_pem.encode(),
        "ca.key": ca.key_pem.encode(),
        "fullchain.pem": chain.fullchain_pem.encode(),
        "fullchain.key": chain.key_pem.encode(),
        "ca-first.pem": (chain.intermediate.cert_pem + chain.leaf_pem).encode(),
        "encrypted.key": encrypt_key(www_key, b"correct horse").encode(),
        **unreadable_files(),
    }
    files.update(key_type_material())
    ENV["STACKFILE_TEST_WWW_KEY"] = www_key
    return files


def key_type_material() -> dict[str, bytes]:
    """Certificates and keys of each key type, and chains in the wrong order, with an unrelated or a forged CA."""
    files: dict[str, bytes] = {}
    ca = make_ca("Key Type Test CA", key_type="ec")
    for key_type in ("ed25519", "ed448", "rsa-1024", "ec-p521", "ec-p224", "dsa", "x25519", "ec-p384", "rsa-4096"):
        cert, key = make_cert(f"{key_type}.example.com", [f"{key_type}.example.com"], key_type=key_type, issuer=ca)
        files[f"{key_type}.pem"], files[f"{key_type}.key"] = cert.encode(), key.encode()
    files["sm2.pem"] = make_sm2_certificate().encode()
    chain = make_chain("chain.example.com", ["chain.example.com"], key_type="ec")
    unrelated = make_ca("Unrelated Root CA", key_type="ec")
    forged = make_ca("Test Intermediate CA", key_type="ec", issuer=chain.root)  # same name, another key
    files["chain.key"] = chain.key_pem.encode()
    files["chain-with-root.pem"] = (chain.fullchain_pem + chain.root.cert_pem).encode()
    files["chain-root-misplaced.pem"] = (chain.leaf_pem + chain.root.cert_pem + chain.intermediate.cert_pem).encode()
    files["chain-unrelated-ca.pem"] = (chain.fullchain_pem + unrelated.cert_pem).encode()
    files["chain-forged-ca.pem"] = (chain.leaf_pem + forged.cert_pem).encode()
    files["ca-chain-reversed.pem"] = (chain.root.cert_pem + chain.intermediate.cert_pem).encode()
    return files


@pytest.fixture
def stacks(tmp_path: Path, material: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary project root (the working directory) with stacks/certs/ filled; returns its stacks/ folder."""
    certs = tmp_path / "stacks" / "certs"
    certs.mkdir(parents=True)
    for name, data in material.items():
        (certs / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "stacks"


def place(case: Path, stacks: Path) -> Path:
    """Copy a case into stacks/ and return the path relative to the working directory, as a user would pass it."""
    shutil.copy(case, stacks / case.name)
    return Path("stacks") / case.name


def write(stacks: Path, text: str, name: str = "dev.yaml") -> Path:
    (stacks / name).write_text(text)
    return Path("stacks") / name


def load(path: Path, **kwargs: object) -> tuple[CertificateSpec, ...]:
    kwargs.setdefault("environ", dict(ENV))
    return load_stack_file(path, **kwargs).certificates  # type: ignore[arg-type]


def problems_of(path: Path, **kwargs: object) -> tuple[Problem, ...]:
    kwargs.setdefault("environ", dict(ENV))
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


# --------------------------------------------------------------------------------------------------------------------
# The matrix of bad files


def test_the_matrix_is_large_enough() -> None:
    assert len(BAD) >= 25
    assert all(error_markers(case.read_text()) for case in BAD), "every bad case marks at least one problem"


@pytest.mark.parametrize("case", BAD, ids=[c.stem for c in BAD])
def test_bad_file_reports_every_marked_problem_at_once(case: Path, stacks: Path) -> None:
    path = place(case, stacks)
    error = pytest.raises(StackFileError, load_stack_file, path, environ=dict(ENV)).value
    expected = error_markers(case.read_text())
    got = [(p.line, p.field_path) for p in error.problems]
    assert sorted(got) == sorted((line, field_path) for line, field_path, _ in expected), str(error)
    text = str(error)
    for line, field_path, fragment in expected:
        matching = [p for p in error.problems if (p.line, p.field_path) == (line, field_path)]
        assert any(fragment in p.message for p in matching), f"line {line}: {fragment!r} not in {text}"
        # The formatted message names the file, the line and the field.
        prefix = f"stacks/{case.name}:{line}:"
        if field_path:
            assert any(str(p).startswith(prefix) and f": {field_path}: " in str(p) for p in matching)
        assert any(str(p).startswith(prefix) for p in matching)
        assert all(str(p) in text for p in matching)
    assert text.splitlines()[0] == f"stacks/{case.name}: {len(error.problems)} problem" + (
        "s in the stack file" if len(error.problems) != 1 else " in the stack file"
    )


def test_kitchen_sink_reports_all_problems_in_file_order(stacks: Path) -> None:
    error = pytest.raises(StackFileError, load_stack_file, place(CASES / "bad" / "kitchen-sink.yaml", stacks)).value
    assert len(error.problems) == 9
    assert [p.line for p in error.problems] == sorted(p.line for p in error.problems)
    assert (
        str(error.problems[0])
        == "stacks/kitchen-sink.yaml:4:19: defaults.delete_timeout: 'soon' is not a duration such as 90s, 10m or 1h30m"
    )


def test_problem_format_matches_the_documented_shape(stacks: Path) -> None:
    path = write(stacks, "certificates:\n  www:\n    adopt: GjTNRoK7\n    alias: " + "x" * 201 + "\n")
    (problem,) = problems_of(path)
    assert str(problem) == "stacks/dev.yaml:4:12: certificates.www.alias: must be at most 200 characters (has 201)"
    assert (problem.file, problem.line, problem.column, problem.field_path) == (
        "stacks/dev.yaml",
        4,
        12,
        "certificates.www.alias",
    )


def test_empty_file_is_an_error(stacks: Path) -> None:
    (problem,) = problems_of(write(stacks, "# nothing here yet\n\n"))
    assert "empty" in problem.message and "certificates:" in problem.message
    assert str(problem).startswith("stacks/dev.yaml: ")


def test_missing_stack_file(stacks: Path) -> None:
    (problem,) = problems_of(Path("stacks/prod.yaml"))
    assert str(problem) == "stacks/prod.yaml: stack file not found"


def test_non_utf8_stack_file_names_line_and_column(stacks: Path) -> None:
    (stacks / "dev.yaml").write_bytes(b"certificates:\n  www:\n    alias: caf\xe9\n    adopt: GjTNRoK7\n")
    (problem,) = problems_of(Path("stacks/dev.yaml"))
    assert (problem.line, problem.column) == (3, 15)
    assert "not UTF-8" in problem.message and "0xe9" in problem.message


def test_utf8_bom_is_accepted(stacks: Path) -> None:
    (stacks / "dev.yaml").write_bytes(b"\xef\xbb\xbfcertificates:\n  www:\n    adopt: GjTNRoK7\n")
    assert [c.name for c in load(Path("stacks/dev.yaml"))] == ["www"]


def test_yaml_syntax_error_names_the_parser_line(stacks: Path) -> None:
    (problem,) = problems_of(write(stacks, "certificates:\n  www: {adopt: GjTNRoK7\n  api:\n"))
    assert problem.line >= 2 and problem.message.startswith("invalid YAML: ")


def test_control_character_is_reported_with_its_position(stacks: Path) -> None:
    (problem,) = problems_of(write(stacks, "certificates:\n  www:\n    alias: a\x07b\n"))
    assert (problem.line, problem.column) == (3, 13)
    assert "control character" in problem.message


def test_error_pickles_and_keeps_every_problem(stacks: Path) -> None:
    error = pytest.raises(StackFileError, load_stack_file, place(CASES / "bad" / "kitchen-sink.yaml", stacks)).value
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems and str(copy) == str(error)


# --------------------------------------------------------------------------------------------------------------------
# Good files


@pytest.mark.parametrize("case", GOOD, ids=[c.stem for c in GOOD])
def test_good_file_loads(case: Path, stacks: Path) -> None:
    stack = load_stack_file(place(case, stacks), environ=dict(ENV))
    assert stack.path == Path("stacks") / case.name
    assert stack.base_dir == Path("stacks")


def test_brief_example(stacks: Path, material: dict[str, bytes]) -> None:
    www, legacy, shop = load(place(CASES / "good" / "brief-example.yaml", stacks))

    assert www.name == "www-example-com" and www.kind == "upload" and www.line == 5
    assert isinstance(www.source, UploadSource)
    assert www.source.certificate_pem == material["www.pem"].decode().strip()
    assert www.source.private_key == SecretRef("config", "wwwKey")
    assert www.source.common_name == "www.example.com"
    assert www.source.subject_alt_names == ("www.example.com", "example.com")
    assert www.source.not_after is not None and www.source.not_after > dt.datetime.now(dt.UTC)
    assert (www.alias, www.cert_type, www.project_id) == ("www", "SVR", 0)
    assert www.tags == {"team": "web", "env": "prod"}
    assert (www.check_resources, www.delete_timeout, www.create_timeout) == (True, 900, DEFAULT_CREATE_TIMEOUT)
    assert (www.retain, www.protect, www.renamed_from, www.allow_expired) == (False, False, (), False)

    assert legacy.source == AdoptSource("GjTNRoK7") and legacy.kind == "adopt"
    assert (legacy.alias, legacy.tags, legacy.delete_timeout) == ("", {"team": "web"}, 600)

    assert shop.source == FreeSource("shop.example.com", "DNS_AUTO") and shop.cert_type == "SVR"


def test_upload_variants(stacks: Path, material: dict[str, bytes]) -> None:
    chain, crlf, ca_bare, ca_keyed, old = load(place(CASES / "good" / "upload-variants.yaml", stacks))
    assert isinstance(chain.source, UploadSource)
    # The chain keeps its order: leaf first, then the intermediate.
    assert chain.source.certificate_pem.count("BEGIN CERTIFICATE") == 2
    assert chain.source.common_name == "api.example.com"
    assert chain.create_timeout == 90
    assert isinstance(crlf.source, UploadSource)
    assert crlf.source.certificate_pem == material["www.pem"].decode().strip()
    assert crlf.source.private_key == SecretRef("env", "STACKFILE_TEST_WWW_KEY")
    assert ca_bare.cert_type == "CA" and isinstance(ca_bare.source, UploadSource)
    assert ca_bare.source.private_key is None
    assert isinstance(ca_keyed.source, UploadSource) and ca_keyed.source.private_key == SecretRef(
        "file", "certs/ca.key"
    )
    assert old.allow_expired and isinstance(old.source, UploadSource)
    assert old.source.private_key == SecretRef("config", "myproject:oldKey")


def test_adopt_and_free(stacks: Path) -> None:
    legacy, numeric, shop, blog, auto = load(place(CASES / "good" / "adopt-and-free.yaml", stacks))
    assert legacy.retain and numeric.source == AdoptSource("12345678")
    assert shop.source == FreeSource("shop.example.com")
    assert blog.name == "blog.example.com" and not blog.retain and blog.create_timeout == 5400
    assert blog.source == FreeSource("blog.example.com", "DNS")
    assert auto.source == FreeSource("auto.example.com", "FILE")


def test_adopt_takes_an_id_or_a_mapping_with_take_over(stacks: Path) -> None:
    path = write(
        stacks,
        "certificates:\n  a:\n    adopt: {id: GjTNRoK7, take_over: true}\n  b:\n    adopt: {id: AbCdEf12}\n"
        "  c:\n    adopt: {id: 12345678, take_over: false}\n",
    )
    a, b, c = load(path)
    assert a.source == AdoptSource("GjTNRoK7", take_over=True)
    assert b.source == AdoptSource("AbCdEf12") and not b.source.take_over
    assert c.source == AdoptSource("12345678", take_over=False)


def test_explicit_empty_certificates_means_no_certificates(stacks: Path) -> None:
    assert load(place(CASES / "good" / "empty-certificates.yaml", stacks)) == ()
    assert load(place(CASES / "good" / "empty-certificates-mapping.yaml", stacks)) == ()


def test_anchors_and_merge_keys(stacks: Path) -> None:
    www, api = load(place(CASES / "good" / "anchors-and-merges.yaml", stacks))
    assert www.tags == api.tags == {"env": "prod", "team": "web"}
    assert (www.delete_timeout, api.delete_timeout) == (1200, 300)


def test_renames_and_values_taken_as_written(stacks: Path) -> None:
    www, api, plain = load(place(CASES / "good" / "renames.yaml", stacks))
    assert www.renamed_from == ("www-old", "www-older")
    assert api.renamed_from == ("api-old",)
    assert www.tags == {"team": "web", "env": "prod"}  # `owner: ~` removed the default tag
    assert api.tags == {"team": "web", "owner": "alice"}
    # Scalars keep their spelling: YAML would turn 1.10 into 1.1 and `on` into True.
    assert plain.alias == "2024"
    assert plain.tags == {"team": "web", "owner": "alice", "version": "1.10", "enabled": "on", "empty": ""}


def test_defaults_merge_and_entry_values_win(stacks: Path) -> None:
    path = write(
        stacks,
        """
defaults:
  check_resources: false
  delete_timeout: 2m
  create_timeout: 3m
  project_id: 7
  retain: true
  protect: true
  allow_expired: true
  tags: {team: web, env: dev}
certificates:
  a:
    adopt: GjTNRoK7
  b:
    adopt: AbCdEf12
    check_resources: true
    delete_timeout: 1h
    project_id: 0
    retain: false
    tags: {env: prod, app: b}
""",
    )
    a, b = load(path)
    assert (a.check_resources, a.delete_timeout, a.create_timeout, a.project_id) == (False, 120, 180, 7)
    assert (a.retain, a.protect, a.allow_expired, a.tags) == (True, True, True, {"team": "web", "env": "dev"})
    assert (b.check_resources, b.delete_timeout, b.create_timeout, b.project_id) == (True, 3600, 180, 0)
    assert (b.retain, b.protect) == (False, True)
    assert b.tags == {"team": "web", "env": "prod", "app": "b"}


def test_built_in_defaults(stacks: Path) -> None:
    (spec,) = load(write(stacks, "certificates:\n  www:\n    free: www.example.com\n"))
    assert spec == CertificateSpec(name="www", source=FreeSource("www.example.com"), line=2)
    assert (spec.check_resources, spec.delete_timeout, spec.retain, spec.protect) == (
        True,
        DEFAULT_DELETE_TIMEOUT,
        False,
        False,
    )


def test_unicode_free_domain_becomes_punycode(stacks: Path) -> None:
    (spec,) = load(write(stacks, "certificates:\n  shop:\n    free: bücher.example\n"))
    assert spec.source == FreeSource("xn--bcher-kva.example")


def test_merge_keys_follow_the_yaml_spec(stacks: Path) -> None:
    earlier, own, nested, inline = load(place(CASES / "good" / "merge-order.yaml", stacks))
    # <<: [*prod, *base]: the earlier mapping wins (PyYAML alone would let *base win and turn the check off).
    assert (earlier.check_resources, earlier.retain, earlier.delete_timeout) == (True, True, 300)
    assert earlier.tags == {"team": "prod", "env": "prod"}
    # The entry's own keys win, wherever the << is written; then *base over *prod.
    assert (own.check_resources, own.retain, own.delete_timeout) == (False, True, 1200)
    assert own.tags == {"team": "base"}
    # A merged mapping's own merge is applied first.
    assert (nested.check_resources, nested.protect, nested.retain) == (True, True, True)
    assert nested.tags == {"team": "prod", "env": "prod"}
    assert (inline.alias, inline.retain) == ("own", True)


def test_a_merged_anchor_is_read_once(stacks: Path) -> None:
    # Each level merges the previous one ten times: 10**5 merges if every alias were followed anew for every entry.
    lines = ["x-m0: &m0 {retain: true, retain: false}"]
    lines += [f"x-m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 10)}]}}" for i in range(1, 5)]
    lines += ["certificates:"] + [f"  e{n}: {{<<: *m4, adopt: GjTNRo{n:02d}}}" for n in range(10)]
    problems = problems_of(write(stacks, "\n".join(lines) + "\n"))
    # The duplicate key in the anchor is reported once, not once per entry or per path to it.
    assert [(p.line, p.message) for p in problems] == [
        (1, "duplicate key (first at line 1); YAML would keep only the last")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alias: 2024-01-01", "2024-01-01"),
        ("alias: 1:20", "1:20"),
        ("alias: 0x1F", "0x1F"),
        ("alias: 010", "010"),
        ("alias: no", "no"),
        ("alias: =", "="),
        ("alias: '<<'", "<<"),
        ("alias: .inf", ".inf"),
        ("alias: '~'", "~"),
        ("alias: NULL", "NULL"),
        ("alias: ~", ""),
    ],
)
def test_text_is_taken_as_written(stacks: Path, text: str, expected: str) -> None:
    (spec,) = load(write(stacks, f"certificates:\n  www:\n    adopt: GjTNRoK7\n    {text}\n"))
    assert spec.alias == expected


def test_plain_integers_and_booleans(stacks: Path) -> None:
    text = "certificates:\n  www:\n    adopt: GjTNRoK7\n    project_id: 0\n    retain: true\n    protect: false\n"
    (spec,) = load(write(stacks, text))
    assert (spec.project_id, spec.retain, spec.protect) == (0, True, False)
    (spec,) = load(write(stacks, text.replace("project_id: 0", "project_id: 1048576")))
    assert spec.project_id == 1048576


@pytest.mark.parametrize("value", ["no", "off", "n", "No", "NO", "OFF", "False", "FALSE"])
def test_yaml11_false_never_turns_a_check_off(stacks: Path, value: str) -> None:
    path = write(stacks, f"certificates:\n  www:\n    adopt: GjTNRoK7\n    check_resources: {value}\n")
    (problem,) = problems_of(path)
    assert (problem.line, problem.field_path) == (4, "certificates.www.check_resources")
    assert f"must be true or false, not {value!r}; write false" in problem.message


def test_deep_lists_and_mappings_are_refused_with_a_line(stacks: Path) -> None:
    for text in (
        "certificates:\n  www: " + "[" * 5000 + "]" * 5000 + "\n",
        "certificates:\n  www: " + "{a: " * 5000 + "b" + "}" * 5000 + "\n",
        "certificates:\n" + "".join("  " * depth + "-\n" for depth in range(1, 200)),
    ):
        (problem,) = problems_of(write(stacks, text))
        assert problem.line >= 2 and problem.file == "stacks/dev.yaml"
        assert "nested more than 32 levels deep" in problem.message


def test_aliases_cannot_nest_past_the_limit(stacks: Path) -> None:
    # Each anchor is shallow, but every alias adds its anchor's depth: 40 levels in the end.
    lines = ["x-l0: &l0 [x]"] + [f"x-l{i}: &l{i} [*l{i - 1}]" for i in range(1, 40)] + ["certificates: {}"]
    (problem,) = problems_of(write(stacks, "\n".join(lines) + "\n"))
    assert problem.line == 31 and "nests the document more than 32 levels deep" in problem.message


def test_a_billion_laughs_is_refused(stacks: Path) -> None:
    lines = ["x-a: &a [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"x-{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(9)]
    lines += ["certificates: {}"]
    (problem,) = problems_of(write(stacks, "\n".join(lines) + "\n"))
    assert problem.line > 1 and "aliases repeat more than 16 MiB" in problem.message


def test_the_command_line_check_survives_a_deep_file(stacks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from provider.stackfile.__main__ import main

    path = write(stacks, "[" * 20000 + "]" * 20000 + "\n")
    assert main([str(path)]) == 1
    assert "stacks/dev.yaml:1:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x00certificates: {}\n", "control character #x0000"),
        (b"certificates:\n  www: {adopt: GjTNRoK7}\n\x00", "control character #x0000"),
        ("\ufeffcertificates:\n  www: {adopt: GjTNRoK7, alias: \ufeff}\n".encode(), None),
        (b"\xff\xfec\x00e\x00r\x00", "not UTF-8 text (byte 0xff)"),
    ],
)
def test_nul_bytes_bom_and_utf16(stacks: Path, data: bytes, fragment: str | None) -> None:
    (stacks / "dev.yaml").write_bytes(data)
    if fragment is None:
        assert [c.name for c in load(Path("stacks/dev.yaml"))] == ["www"]
    else:
        (problem,) = problems_of(Path("stacks/dev.yaml"))
        assert problem.line >= 1 and fragment in problem.message


def test_non_string_keys(stacks: Path) -> None:
    path = write(
        stacks,
        "certificates:\n  [a, b]: {adopt: GjTNRoK7}\n  {c: d}: {adopt: AbCdEf12}\n  2024: {free: a.example.com}\n",
    )
    problems = problems_of(path)
    assert [(p.line, p.message) for p in problems] == [
        (2, "keys must be strings, not a list"),
        (3, "keys must be strings, not a mapping"),
    ]


def test_a_long_line_is_fine_and_its_error_does_not_quote_it(stacks: Path) -> None:
    long = "x" * (3 << 20)
    (problem,) = problems_of(write(stacks, f"certificates:\n  www:\n    adopt: GjTNRoK7\n    alias: {long}\n"))
    assert problem.line == 4 and "must be at most 200 characters" in problem.message
    assert len(str(problem)) < 200


# --------------------------------------------------------------------------------------------------------------------
# What the stack file is: a regular file of at most 4 MiB, read without blocking or filling memory


def _finishes(function: Callable[[], object], seconds: float = 20) -> object:
    """``function()``'s result, failing the test if it does not return within ``seconds``."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return result[0]


def test_a_fifo_as_stack_file_fails_at_once(stacks: Path) -> None:
    os.mkfifo(stacks / "dev.yaml")
    (problem,) = _finishes(lambda: problems_of(Path("stacks/dev.yaml")))  # type: ignore[misc]
    assert str(problem) == "stacks/dev.yaml: stack file is not a regular file (a FIFO)"


def test_a_symlink_to_dev_zero_as_stack_file(stacks: Path) -> None:
    (stacks / "dev.yaml").symlink_to("/dev/zero")
    (problem,) = _finishes(lambda: problems_of(Path("stacks/dev.yaml")))  # type: ignore[misc]
    assert str(problem) == "stacks/dev.yaml: stack file is not a regular file (a character device)"


def test_a_directory_as_stack_file(stacks: Path) -> None:
    (stacks / "dev.yaml").mkdir()
    (problem,) = problems_of(Path("stacks/dev.yaml"))
    assert str(problem) == "stacks/dev.yaml: stack file is not a regular file (a directory)"


def test_a_stack_file_over_4_mib(stacks: Path) -> None:
    text = "certificates:\n  www:\n    adopt: GjTNRoK7\n" + "# padding\n" * (1 << 19)
    (problem,) = problems_of(write(stacks, text))
    assert str(problem) == f"stacks/dev.yaml: stack file is too large ({len(text)} bytes; at most 4 MiB)"


def test_certificate_and_key_files_are_checked_the_same_way(stacks: Path) -> None:
    os.mkfifo(stacks / "certs" / "fifo.pem")
    (stacks / "certs" / "zero.key").symlink_to("/dev/zero")
    path = write(
        stacks,
        "certificates:\n"
        "  a:\n    upload: {certificate: certs/fifo.pem, private_key: {file: certs/www.key}}\n"
        "  b:\n    upload: {certificate: certs/www.pem, private_key: {file: certs/zero.key}}\n",
    )
    problems = _finishes(lambda: problems_of(path))
    assert [p.message for p in problems] == [  # type: ignore[attr-defined]
        "certificate file certs/fifo.pem is not a regular file (a FIFO)",
        "private key file certs/zero.key is not a regular file (a character device)",
    ]


def test_read_regular_file_reads_no_more_than_the_limit(tmp_path: Path) -> None:
    from provider.stackfile._files import FileProblem, read_regular_file

    (tmp_path / "f").write_bytes(b"x" * 100)
    assert read_regular_file(tmp_path / "f", "f", 100) == b"x" * 100
    with pytest.raises(FileProblem, match=r"^f is too large \(100 bytes; at most 0 KiB\)$"):
        read_regular_file(tmp_path / "f", "f", 99)
    # A file whose size stat() does not tell is cut off after limit + 1 bytes.
    with pytest.raises(FileProblem, match="is too large"):
        read_regular_file(Path("/proc/self/maps"), "maps", 16)
    # A path the file system refuses, shown without its control characters, however long.
    with pytest.raises(FileProblem) as caught:
        read_regular_file(tmp_path / "a\0b", "a\0b\n" + "x" * 1000, 100)
    assert str(caught.value).startswith("'a\\x00b\\nxxx") and str(caught.value).endswith(
        "xxx' is not a valid path (it contains a NUL character)"
    )
    assert len(str(caught.value)) < 250


# --------------------------------------------------------------------------------------------------------------------
# PEM normalisation: the same certificate always gives the same string


def test_inline_and_file_certificates_normalise_to_the_same_string(stacks: Path, material: dict[str, bytes]) -> None:
    cert = material["www.pem"].decode()
    body = "".join(cert.strip().splitlines()[1:-1])
    rewrapped = "-----BEGIN CERTIFICATE-----\r\n" + "\r\n".join(body[i : i + 76] for i in range(0, len(body), 76))
    rewrapped += "\r\n-----END CERTIFICATE-----\r\n\r\n"
    inline = block_scalar(cert)
    path = write(
        stacks,
        f"""
certificates:
  file:
    upload: {{certificate: certs/www-crlf.pem, private_key: {{file: certs/www.key}}}}
  inline:
    upload:
      certificate: |
{inline}
      private_key: {{file: certs/www.key}}
""",
    )
    file_spec, inline_spec = load(path)
    assert isinstance(file_spec.source, UploadSource) and isinstance(inline_spec.source, UploadSource)
    assert file_spec.source.certificate_pem == inline_spec.source.certificate_pem == canonical_chain(rewrapped)
    assert canonical_chain(rewrapped) == cert.strip()
    assert not canonical_chain(rewrapped).endswith("\n")


def test_canonical_chain_keeps_the_chain_in_order_and_drops_text_between_blocks() -> None:
    chain = make_chain("api.example.com", key_type="ec")
    messy = "subject=CN=api\n" + chain.leaf_pem + "\nissuer=CN=Test Intermediate CA\n" + chain.intermediate.cert_pem
    assert canonical_chain(messy) == chain.fullchain_pem.strip()
    assert canonical_chain(canonical_chain(messy)) == canonical_chain(messy)
    with pytest.raises(ValueError, match="not a PEM certificate"):
        canonical_chain("hello")


# --------------------------------------------------------------------------------------------------------------------
# Secrets: references, resolution, and never a key in a message or repr


def test_secret_ref_repr_redacts_inline_keys() -> None:
    key = make_key("ec")
    ref = SecretRef("inline", key)
    assert "PRIVATE" not in repr(ref) and "PRIVATE" not in str(ref) and "<redacted>" in repr(ref)
    assert repr(SecretRef("env", "WWW_KEY")) == "SecretRef(kind='env', value='WWW_KEY')"


def test_inline_key_never_appears_in_specs_or_errors(stacks: Path, material: dict[str, bytes]) -> None:
    key = material["www.key"].decode()
    wrong = make_key("ec")
    body = key.strip().splitlines()[1]
    indented = block_scalar(key)
    wrong_indented = block_scalar(wrong)
    path = write(
        stacks,
        f"""
certificates:
  good:
    upload:
      certificate: certs/www.pem
      private_key: |
{indented}
  bad:
    upload:
      certificate: certs/www.pem
      private_key: |
{wrong_indented}
  pasted-without-armour:
    upload:
      certificate: certs/www.pem
      private_key: {body}
""",
    )
    problems = problems_of(path)
    assert [p.field_path for p in problems] == [
        "certificates.bad.upload.private_key",
        "certificates.pasted-without-armour.upload.private_key",
    ]
    assert "the inline key does not match the certificate" in problems[0].message
    text = "\n".join(str(p) for p in problems)
    for secret in (key, wrong):
        for line in secret.strip().splitlines()[1:-1]:
            assert line not in text


def test_repr_of_a_loaded_spec_holds_no_key(stacks: Path, material: dict[str, bytes]) -> None:
    key = material["www.key"].decode()
    indented = block_scalar(key)
    path = write(
        stacks,
        f"certificates:\n  www:\n    upload:\n      certificate: certs/www.pem\n      private_key: |\n{indented}\n",
    )
    (spec,) = load(path)
    assert isinstance(spec.source, UploadSource) and spec.source.private_key is not None
    assert spec.source.private_key.kind == "inline"
    for line in key.strip().splitlines()[1:-1]:
        assert line not in repr(spec)
    assert resolve_secret(spec.source.private_key, Path("stacks"), {}) == key.strip()


def test_yaml_error_inside_an_inline_key_does_not_quote_it(stacks: Path) -> None:
    key = make_key("ec")
    lines = key.strip().splitlines()
    # A key pasted as a plain multi-line scalar, then broken indentation: PyYAML's own message would quote the line.
    text = (
        "certificates:\n  www:\n    upload:\n      private_key: " + lines[0] + "\n        " + lines[1] + "\n     x: {\n"
    )
    (problem,) = problems_of(write(stacks, text))
    assert problem.message.startswith("invalid YAML")
    for line in lines[1:-1]:
        assert line not in str(problem)


def test_env_key_is_checked_against_the_certificate(stacks: Path, material: dict[str, bytes]) -> None:
    path = write(
        stacks,
        "certificates:\n  www:\n    upload:\n      certificate: certs/www.pem\n      private_key: {env: WWW_KEY}\n",
    )
    assert load(path, environ={"WWW_KEY": material["www.key"].decode()})
    (problem,) = problems_of(path, environ={"WWW_KEY": make_key("ec")})
    assert str(problem) == (
        "stacks/dev.yaml:5:26: certificates.www.upload.private_key.env: $WWW_KEY does not match the certificate "
        "(their public keys differ)"
    )
    (problem,) = problems_of(path, environ={})
    assert problem.message == "environment variable WWW_KEY is not set"
    # An environment holding bytes that are not UTF-8 (Python keeps them as lone surrogates): named, never quoted.
    (problem,) = problems_of(path, environ={"WWW_KEY": "-----BEGIN PRIVATE KEY-----\udcff"})
    assert problem.message == "$WWW_KEY is not a PEM private key (it is not valid UTF-8 text)"
    # One-line PEM with literal \n, as CI secret stores often hold it.
    one_line = material["www.key"].decode().strip().replace("\n", "\\n")
    assert load(path, environ={"WWW_KEY": one_line})


def test_a_damaged_rsa_key_that_still_matches_the_certificate_is_refused(stacks: Path) -> None:
    # Keys load without OpenSSL's slow RSA check (provider.pem.load_private_key); a key whose public half still
    # matches the certificate but whose private half is damaged must still be refused, here with file and line.
    cert, key = make_cert("www.example.com")
    (stacks / "certs" / "rsa.pem").write_text(cert, encoding="utf-8")
    path = write(
        stacks,
        "certificates:\n  www:\n    upload:\n      certificate: certs/rsa.pem\n      private_key: {env: WWW_KEY}\n",
    )
    assert load(path, environ={"WWW_KEY": key})
    for part in RSA_PRIVATE_PARTS:
        (problem,) = problems_of(path, environ={"WWW_KEY": corrupt_rsa_key(key, part)})
        assert str(problem) == (
            "stacks/dev.yaml:5:26: certificates.www.upload.private_key.env: $WWW_KEY is a damaged RSA private key: "
            "its private parts do not fit its public key"
        ), part


def test_read_secrets_false_skips_env_and_file_keys(stacks: Path) -> None:
    path = write(
        stacks,
        "certificates:\n"
        "  a:\n    upload: {certificate: certs/www.pem, private_key: {env: NOT_SET_ANYWHERE}}\n"
        "  b:\n    upload: {certificate: certs/www.pem, private_key: {file: certs/other.key}}\n",
    )
    assert len(load(path, environ={}, read_secrets=False)) == 2
    assert len(problems_of(path, environ={})) == 2


def test_resolve_secret(stacks: Path, material: dict[str, bytes]) -> None:
    key = material["www.key"].decode()
    assert resolve_secret(SecretRef("file", "certs/www.key"), stacks, {}) == key.strip()
    assert resolve_secret(SecretRef("env", "K"), stacks, {"K": "\r\n" + key.replace("\n", "\r\n")}) == key.strip()
    assert resolve_secret(SecretRef("inline", key + "\n\n"), stacks, {}) == key.strip()
    with pytest.raises(SecretError, match="environment variable K is not set"):
        resolve_secret(SecretRef("env", "K"), stacks, {})
    with pytest.raises(SecretError, match="certs/nope.key not found"):
        resolve_secret(SecretRef("file", "certs/nope.key"), stacks, {})
    with pytest.raises(SecretError, match="resolved by the Pulumi program"):
        resolve_secret(SecretRef("config", "wwwKey"), stacks, {})


def test_certificate_path_may_be_absolute(stacks: Path) -> None:
    absolute = (stacks / "certs" / "www.pem").resolve()
    key = (stacks / "certs" / "www.key").resolve()
    (spec,) = load(
        write(stacks, f"certificates:\n  www:\n    upload: {{certificate: {absolute}, private_key: {{file: {key}}}}}\n")
    )
    assert isinstance(spec.source, UploadSource) and spec.source.common_name == "www.example.com"


def test_expiry_uses_the_injected_clock(stacks: Path) -> None:
    path = write(
        stacks, "certificates:\n  www:\n    upload: {certificate: certs/www.pem, private_key: {file: certs/www.key}}\n"
    )
    (problem,) = problems_of(path, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=400))
    assert "expired on" in problem.message


# --------------------------------------------------------------------------------------------------------------------
# Durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("1h30m", 5400), ("2h", 7200), ("1h0m5s", 3605), ("0s", 0), (" 15m ", 900)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "m", "1.5h", "10 m", "1m1h", "-5s", "10min", "1d"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


# --------------------------------------------------------------------------------------------------------------------
# Layering


@pytest.mark.parametrize("module", sorted((REPO / "provider" / "stackfile").glob("*.py")), ids=lambda p: p.name)
def test_stackfile_imports_neither_pulumi_nor_http_nor_other_layers(module: Path) -> None:
    tree = ast.parse(module.read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and not node.level
    }
    assert not imported & {"pulumi", "httpx", "requests", "urllib", "provider", "socket"}


# --------------------------------------------------------------------------------------------------------------------
# The JSON Schema for editors agrees with the loader
#
# The loader checks every file against the same schema at run time; these tests check the committed file as editors
# read it, with PyYAML's YAML 1.1 (yaml.safe_load). Without `jsonschema` installed they are skipped, loudly.


@pytest.fixture(scope="module")
def validator() -> Iterator[object]:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is needed to check stacks/stack.schema.json")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    yield jsonschema.Draft202012Validator(schema)


def schema_verdict(case: Path) -> str:
    first = case.read_text().splitlines()[0]
    match = re.match(r"# schema: (\S+)", first)
    return match.group(1) if match else "accept"


@pytest.mark.parametrize("case", GOOD, ids=[c.stem for c in GOOD])
def test_schema_accepts_every_good_file(case: Path, validator: object) -> None:
    errors = list(validator.iter_errors(yaml.safe_load(case.read_text())))  # type: ignore[attr-defined]
    assert not errors, [e.message for e in errors]


REJECTED = [c for c in BAD if schema_verdict(c) == "reject"]


@pytest.mark.parametrize("case", REJECTED, ids=[c.stem for c in REJECTED])
def test_schema_rejects_the_bad_files_it_can_express(case: Path, validator: object) -> None:
    assert list(validator.iter_errors(yaml.safe_load(case.read_text())))  # type: ignore[attr-defined]


def test_every_bad_case_says_what_the_schema_does() -> None:
    assert {schema_verdict(c) for c in BAD} <= {"reject", "n/a"}
    assert len(REJECTED) >= 15


# --------------------------------------------------------------------------------------------------------------------
# The command-line check


def test_command_line_check(stacks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from provider.stackfile.__main__ import main

    good = place(CASES / "good" / "adopt-and-free.yaml", stacks)
    bad = place(CASES / "bad" / "bad-adopt-id.yaml", stacks)
    assert main([str(good)]) == 0
    assert capsys.readouterr().out == "stacks/adopt-and-free.yaml: ok, 5 certificates\n"
    assert main([str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "stacks/bad-adopt-id.yaml:4:12: certificates.www.adopt: must be a Tencent certificate id" in captured.err
    keyless = write(
        stacks, "certificates:\n  www:\n    upload: {certificate: certs/www.pem, private_key: {env: NOPE}}\n"
    )
    assert main([str(keyless)]) == 1
    assert main(["--no-secrets", str(keyless)]) == 0


def test_rotate_is_a_flag_in_an_entry_or_in_defaults(stacks: Path) -> None:
    (on, off) = load(write(stacks, "defaults: {rotate: false}\ncertificates:\n  a: {adopt: GjTNRoK7, rotate: true}\n"
                                   "  b: {adopt: AbCdEf12}\n"))  # fmt: skip
    assert on.rotate and not off.rotate
    with pytest.raises(StackFileError, match=r"certificates\.a\.rotate: must be true or false, not 'no'"):
        load(write(stacks, "certificates:\n  a: {adopt: GjTNRoK7, rotate: no}\n"))
