"""Every input property of the schema (provider.inputs.CertificateInputs) reaches the resource from the stack file.

A new property has to join the stack-file loader, the program and ``CertificateArgs``; these tests fail when one of
them is missed, for each source.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provider.certificate import CertificateArgs
from provider.inputs import ALL_INPUTS, input_names
from provider.program import certificate_args
from provider.stackfile import load_stack_file
from support.certs import make_cert

# Set by the resource itself, never by the user (renamed_from and stack_file from the stack file's renamed_from).
BOOKKEEPING = {"entry", "owner", "renamed_from", "stack_file", "source"}


def test_every_user_property_is_a_resource_argument() -> None:
    assert {f.name for f in dataclasses.fields(CertificateArgs)} == ALL_INPUTS - BOOKKEEPING


@pytest.mark.parametrize("source", ["upload", "adopt", "free"])
def test_a_stack_file_entry_sets_every_property_of_its_source(tmp_path: Path, source: str) -> None:
    (tmp_path / "ca.pem").write_text(make_cert("ca.example.com", key_type="ec")[0], encoding="utf-8")
    sources = {
        "upload": "upload: {certificate: ca.pem}\n    type: CA\n    allow_expired: true",
        "adopt": "adopt: {id: GjTNRoK7, take_over: true}",
        "free": "free: {domain: shop.example.com, validation: DNS}",
    }
    options = (
        "alias: a\n    project_id: 3\n    tags: {team: web}\n    check_resources: false\n    rotate: false\n"
        "    renew_before: 30d\n    deploy_regions: {clb: [ap-shanghai]}\n    delete_timeout: 5m\n"
        "    create_timeout: 2m"
    )
    path = tmp_path / "stack.yaml"
    path.write_text(f"certificates:\n  e:\n    {sources[source]}\n    {options}\n", encoding="utf-8")
    stack = load_stack_file(path)
    props = certificate_args(stack.certificates[0], stack, {}).to_inputs()
    # A CA certificate has no private key (the key's way in is covered under Pulumi mocks, tests/provider/
    # test_resource.py); everything else of the source is there.
    no_key = {"private_key", "private_key_from"} if source == "upload" else set()
    assert set(props) == set(input_names(source)) - BOOKKEEPING - no_key | {"source"}
    assert props["source"] == source
    # Every option written in the file arrives with its value, not the default.
    assert (props["alias"], props["project_id"], props["tags"]) == ("a", 3, {"team": "web"})
    assert (props["check_resources"], props["rotate"], props["renew_before"]) == (False, False, "30d")
    assert (props["deploy_regions"], props["delete_timeout"], props["create_timeout"]) == (
        {"clb": ["ap-shanghai"]}, 300, 120
    )
