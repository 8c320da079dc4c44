"""Unknowns during preview, as the hosts deliver them: what ``check`` and ``diff`` answer keeps them unknown.

Both hosts (the project's and Pulumi's stock ``pulumi.dynamic``) deserialise the engine's unknown marker into a
``pulumi.output.Unknown`` object. Whatever ``check`` returns is recorded by `preview --save-plan`; a Python repr there
makes `up --plan` fail on a new stack (tests/e2e/test_update_plans.py drives that through the CLI).
"""

from __future__ import annotations

import re

import pytest
from pulumi.runtime.rpc import UNKNOWN

from provider.certificate import CertificateProvider
from provider.host.sdk import from_struct, to_struct
from support.certs import make_cert
from support.provider_calls import upload_inputs

pytestmark = pytest.mark.emulator

PYTHON_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def as_the_host_delivers(props: dict[str, object]) -> dict[str, object]:
    return from_struct(to_struct(props), True)


def test_check_returns_an_unknown_owner_as_unknown(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    news = as_the_host_delivers({**upload_inputs(cert, key, owner=UNKNOWN), "__provider": "pickled"})

    result = provider.check({}, news)

    assert result.failures == []
    assert result.inputs["owner"] == UNKNOWN
    wire = to_struct(result.inputs)
    assert wire["owner"] == UNKNOWN
    assert not PYTHON_REPR.search(str(wire)), wire


def test_check_keeps_unknowns_inside_tags_unknown(provider: CertificateProvider) -> None:
    cert, key = make_cert("www.example.com")
    news = as_the_host_delivers(upload_inputs(cert, key, tags={"env": UNKNOWN, "team": "web"}))

    result = provider.check({}, news)

    assert result.failures == []
    assert not PYTHON_REPR.search(str(to_struct(result.inputs))), result.inputs
    assert to_struct(result.inputs)["tags"]["env"] == UNKNOWN
    assert result.inputs["tags"]["team"] == "web"
