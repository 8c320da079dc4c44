"""Fuzzing the review with mutations of documents the real CLI printed: `pulumi preview --json` (a failed one: it
refuses a protected entry's removal) and `pulumi stack export`, for a stack with a rotation, a removal of a bound
certificate and a protected entry. The review runs in-process (support.review_fuzz states the property) and its
pre-flight asks the emulator the CLI used.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support.project import STACK, WRITE_ACTIONS, Project, upload_entry
from support.review_fuzz import Inputs, check_review, fuzz, inputs_from, mutated

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Generating overly large repr")]


def printed(project: Project, *args: str) -> Any:
    """What `pulumi ARGS` printed on stdout, as JSON (a failed preview --json prints its plan too)."""
    proc = subprocess.run(
        ["pulumi", *args, "--stack", STACK, "--non-interactive"],
        cwd=project.dir,
        env=project.pulumi.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return json.loads(proc.stdout)


@pytest.fixture
def documents(project: Project) -> tuple[Any, Any]:
    """The preview and the export of a change that rotates `www`, removes a bound `api` and a protected `guarded`."""
    names = ("www", "api", "guarded", "keep")
    for name in names:
        project.make_cert(name, f"{name}.example.com")
    entries = {name: upload_entry(name, name, "protect: true\n" if name == "guarded" else "") for name in names}
    project.write_stack("certificates:\n" + "".join(entries.values()))
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    for name in ("www", "api"):
        binding = {"CertificateId": ids[name], "ResourceType": "clb", "ResourceId": f"lb-{name}"}
        project.emu.admin("POST", "/_emulator/bindings", binding)
    project.make_cert("www", "www.example.com", ("new.example.com",))
    project.write_stack("certificates:\n" + entries["www"] + entries["keep"])
    project.emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
    return printed(project, "preview", "--json"), printed(project, "stack", "export")


def test_the_real_documents_are_judged_and_the_fuzz_starts_from_them(
    documents: tuple[Any, Any], project: Project
) -> None:
    preview, export = documents
    assert any("because it is protected" in d.get("message", "") for d in preview["diagnostics"])
    case = Inputs(preview, export, ("utf-16-le-bom", "utf-8-sig"), (None, None), ())
    assert check_review(case, {**project.emu.env(), "PATH": ""}) == 2


@fuzz(30)
@given(data=st.data())
def test_mutations_of_real_documents_never_crash_the_review(
    data: st.DataObject, documents: tuple[Any, Any], project: Project
) -> None:
    preview, export = documents
    before = len(project.emu.calls())
    case = data.draw(
        st.one_of(
            inputs_from(mutated(preview), st.just(export)),
            inputs_from(st.just(preview), mutated(export)),
            inputs_from(mutated(preview), mutated(export)),
        )
    )
    check_review(case, {**project.emu.env(), "PATH": ""})
    assert not {c["Action"] for c in project.emu.calls()[before:]} & WRITE_ACTIONS
