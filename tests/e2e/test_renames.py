"""Renames with ``renamed_from`` through the real engine: the ones it makes, and the ones refused before any change.

Pulumi looks a resource up by its own name first and tries its aliases only when that name is not in the state, so
renaming into a name the state still holds would delete the former entry instead (provider/renames.py).
"""

from __future__ import annotations

import json

import pytest

from support.project import WRITE_ACTIONS, Project, upload_entry

pytestmark = pytest.mark.e2e


def renames(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="ownership", tried=tried, held=held)


@pytest.fixture
def project(project: Project) -> Project:
    """The shared ``project`` with certificates on disk for entries a, b and c."""
    for name in ("a", "b", "c"):
        project.make_cert(name, f"{name}.example.com")
    return project


def entry(name: str, files: str, extra: str = "") -> str:
    """An upload entry ``name`` with the files certs/<files>.pem and .key."""
    return upload_entry(files, name, extra).replace(f"      {files}:\n", f"      {name}:\n", 1)


def writes(project: Project) -> list[str]:
    return [c["Action"] for c in project.emu.calls() if c["Action"] in WRITE_ACTIONS and c["ErrorCode"] is None]


def refused(project: Project, *args: str) -> str:
    """Run ``pulumi ARGS`` expecting it to fail; return its output."""
    result = project.pulumi.run(*args, "--stack", project.stack, cwd=project.dir, check=False)
    assert result.returncode != 0, result.stdout
    return (result.stdout or "") + (result.stderr or "")


@renames(
    "entries a and b; the new file has only `a: {renamed_from: [b], upload: <b's files>}`",
    "preview and up are refused naming the file, the entry, renamed_from and b's certificate, saying why and how to "
    "move it (adopt); nothing is written, both certificates and both entries stay",
)
def test_renaming_into_a_name_the_state_still_holds_is_refused_before_any_change(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("a", "a") + entry("b", "b"))
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    project.emu.admin("DELETE", "/_emulator/calls")

    project.write_stack("certificates:\n" + entry("a", "b", "renamed_from: [b]\n"))
    for command in (("preview",), ("up", "--yes"), ("up", "--yes", "--skip-preview")):
        out = refused(project, *command)
        assert "stacks/e2e.yaml: certificates.a.renamed_from: 'b' cannot be renamed into 'a'" in out, out
        assert f"'b' holds certificate {ids['b']}" in out and "ignores renamed_from" in out
        assert f"adopt: {ids['b']}" in out
        assert "Traceback" not in out
    assert writes(project) == []
    assert set(project.certificates()) == set(ids.values())
    assert set(project.state_resources()) == {"a", "b"}

    # Done as the message says: a adopts b's certificate, b's removal leaves it in place, a's old one is deleted.
    project.write_stack(f"certificates:\n  a:\n    adopt: {ids['b']}\n    renamed_from: [b]\n")
    project.cli("up", "--yes")
    assert project.outputs()["a"]["id"] == ids["b"]
    assert set(project.certificates()) == {ids["b"]}
    assert set(project.state_resources()) == {"a"}


@renames(
    "a new entry renamed from two former names that are both in the state",
    "refused before any change, naming the former name the engine would delete",
)
def test_two_former_names_both_in_the_state_are_refused(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("b", "b") + entry("c", "c"))
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    project.emu.admin("DELETE", "/_emulator/calls")

    project.write_stack("certificates:\n" + entry("a", "b", "renamed_from: [b, c]\n"))
    out = refused(project, "up", "--yes")
    assert "certificates.a.renamed_from: 'c'" in out and f"'c' holds certificate {ids['c']}" in out, out
    assert writes(project) == []
    assert set(project.state_resources()) == {"b", "c"}


@renames(
    "a rename combined with new files, then runs with renamed_from left in the file (a renewal among them)",
    "the rename replaces the certificate under the new name and deletes the old one once; later runs refuse nothing",
)
def test_a_rename_with_new_files_and_the_runs_after_it(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("b", "b"))
    project.up()
    old_id = project.outputs()["b"]["id"]

    project.write_stack("certificates:\n" + entry("a", "a", "renamed_from: [b]\n"))
    project.cli("up", "--yes")
    new_id = project.outputs()["a"]["id"]
    assert new_id != old_id
    assert set(project.certificates()) == {new_id}
    assert set(project.state_resources()) == {"a"}

    project.emu.admin("DELETE", "/_emulator/calls")
    assert "create" not in project.cli("preview") and writes(project) == []
    project.make_cert("a", "a.example.com")  # a renewal, renamed_from still in the file
    project.cli("up", "--yes")
    renewed = project.outputs()["a"]["id"]
    assert renewed != new_id and set(project.certificates()) == {renewed}


@renames(
    "a plain rename (renamed_from), then a renewal and an alias change (the entry moved down the file) with "
    "renamed_from left in the file",
    "the certificate keeps its id under the new name; the later runs update or replace it without a refusal, and the "
    "alias change's diff shows no file position",
)
def test_the_runs_after_a_plain_rename_refuse_nothing(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("b", "b") + entry("c", "c"))
    project.up()
    b_id = project.outputs()["b"]["id"]

    project.write_stack("certificates:\n" + entry("a", "b", "renamed_from: [b]\n") + entry("c", "c"))
    project.cli("up", "--yes")
    assert project.outputs()["a"]["id"] == b_id

    renamed = entry("a", "b", "renamed_from: [b]\n")
    # a moved below c: where an entry stands in the file is no input, so the diff shows the alias alone.
    project.write_stack("certificates:\n" + entry("c", "c") + renamed.replace("alias: a\n", "alias: x\n"))
    diff = project.cli("preview", "--diff")
    assert 'alias' in diff and "stacks/e2e.yaml" not in diff, diff
    project.cli("up", "--yes")
    assert project.certificates()[b_id]["Alias"] == "x"
    project.make_cert("b", "b.example.com")  # a renewal of a's files
    project.cli("up", "--yes")
    renewed = project.outputs()["a"]["id"]
    assert renewed != b_id and b_id not in project.certificates()


@renames(
    "renaming into a name the stack still holds when the former entry has retain: true",
    "refused the same way before any change: retain would leave its certificate behind while the entry uploads the "
    "same files again",
)
def test_renaming_a_retained_entry_into_a_name_the_state_holds_is_refused(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("a", "a") + entry("b", "b", "retain: true\n"))
    project.up()
    b_id = project.outputs()["b"]["id"]
    project.emu.admin("DELETE", "/_emulator/calls")

    project.write_stack("certificates:\n" + entry("a", "b", "renamed_from: [b]\nretain: true\n"))
    out = refused(project, "up", "--yes")
    assert f"'b' holds certificate {b_id}" in out, out
    assert writes(project) == []
    assert set(project.state_resources()) == {"a", "b"}


@renames(
    "swapping two names (a renamed_from b, b renamed_from a) or a chain (a from b while b from c)",
    "the stack file is refused with file, line, entry and field, saying why; nothing runs",
)
def test_swaps_and_chains_are_refused_by_the_stack_file(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("a", "a") + entry("b", "b"))
    project.up()
    project.emu.admin("DELETE", "/_emulator/calls")
    project.write_stack(
        "certificates:\n" + entry("a", "b", "renamed_from: [b]\n") + entry("b", "a", "renamed_from: [a]\n")
    )
    out = refused(project, "up", "--yes")
    assert "certificates.a.renamed_from" in out and "certificates.b.renamed_from" in out, out
    assert "'b' is the name of another entry in this file" in out
    assert writes(project) == []
    assert set(project.state_resources()) == {"a", "b"}


@renames(
    "a rename combined with new files while the old certificate is bound to a CLB listener",
    "the new certificate, made under the new name, records the one the former name held as the one it replaces: up "
    "moves the listener onto it and deletes the old one; the next preview shows no change and refuses nothing",
)
def test_a_rename_with_new_files_whose_old_certificate_is_bound(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("b", "b"))
    project.up()
    old_id = project.outputs()["b"]["id"]
    binding = {"CertificateId": old_id, "ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80"}
    project.emu.admin("POST", "/_emulator/bindings", binding)

    project.make_cert("b", "b.example.com")  # a renewal under the new name
    project.write_stack("certificates:\n" + entry("a", "b", "renamed_from: [b]\n"))
    out = project.cli("up", "--yes")
    new_id = project.outputs()["a"]["id"]
    assert new_id != old_id
    assert f"moved 1 resource(s) from certificate {old_id} to {new_id}" in out, out
    bound = project.emu.admin("GET", "/_emulator/bindings")["Bindings"]
    assert [(row["CertificateId"], row["ResourceId"]) for row in bound] == [(new_id, "lb-7x3kq2|lbl-80")]
    assert set(project.certificates()) == {new_id}
    assert set(project.state_resources()) == {"a"}
    project.cli("preview", "--expect-no-changes")


@renames(
    "entries a and b; the new file has only `a: {renamed_from: [b], upload: <b's files>}`, reviewed with "
    "`python -m provider.review` (its `pulumi preview --json` fails on the provider's refusal)",
    "the review exits 2 with a refused row for a, naming a's certificate and the provider's reason, no error; up is "
    "then refused the same way",
)
def test_a_refused_rename_is_a_refused_verdict_of_the_review_not_an_error(project: Project) -> None:
    project.write_stack("certificates:\n" + entry("a", "a") + entry("b", "b"))
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    project.write_stack("certificates:\n" + entry("a", "b", "renamed_from: [b]\n"))

    judged = project.review("--stack", project.stack)
    assert judged.returncode == 2, judged.stdout + judged.stderr
    assert judged.stderr == "" and "Traceback" not in judged.stdout
    rows = [line for line in judged.stdout.splitlines() if line.startswith("| `a`")]
    assert len(rows) == 1 and rows[0].startswith(f"| `a` | **refused** | `{ids['a']}` |"), judged.stdout
    assert rows[0].endswith("**refused** |")
    assert "> `pulumi up` will fail on `a`" in judged.stdout
    assert "'b' cannot be renamed into 'a'" in judged.stdout and f"'b' holds certificate {ids['b']}" in judged.stdout

    as_json = project.review("--stack", project.stack, "--format", "json")
    assert as_json.returncode == 2, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["refused"] == ["a"] and document["summary"]["refused"] == 1
    # What `up` then does: refused, nothing changed.
    assert "cannot be renamed into 'a'" in refused(project, "up", "--yes")
    assert set(project.certificates()) == set(ids.values())
