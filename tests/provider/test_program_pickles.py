"""The program declares a thousand certificates and more: pulumi's provider pickling must not nest per resource.

``pulumi.dynamic.dynamic.serialize_provider`` wraps pickle's dict writer once more on every call and never restores
it; ``provider.program.unnest_pickler`` puts the original back before each resource (see there).
"""

from __future__ import annotations

import base64
import pickle
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from provider.certificate import CertificateProvider
from provider.program import declare, unnest_pickler
from provider.stackfile import load_stack_file
from support.pulumi_mocks import NoCalls, use_mocks

#: CertificateProvider's pickle as every earlier version wrote it into the state (class reference, empty state).
PICKLE = (
    b"\x80\x04\x956\x00\x00\x00\x00\x00\x00\x00\x8c\x14provider.certificate\x94\x8c\x13CertificateProvider"
    b"\x94\x93\x94)\x81\x94}\x94b."
)


class _Mocks(NoCalls):
    def __init__(self) -> None:
        self.providers: set[str] = set()
        self.count = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ.endswith(":Certificate"):
            self.count += 1
            provider = args.inputs["__provider"]  # a secret: mocks see it wrapped
            self.providers.add(provider["value"] if isinstance(provider, dict) else provider)
        return f"id-{args.name}", dict(args.inputs)


@pytest.fixture
def mocks() -> _Mocks:
    return use_mocks(_Mocks(), preview=True)


def test_the_pickle_stays_the_same_bytes() -> None:
    for _ in range(1200):  # past the ~985 calls after which nested wrappers hit the recursion limit
        unnest_pickler()
        assert base64.b64decode(serialize_provider(CertificateProvider())) == PICKLE
    assert isinstance(pickle.loads(PICKLE), CertificateProvider)


@pulumi.runtime.test
def test_a_stack_of_1100_certificates_declares(mocks: _Mocks, tmp_path: Path) -> pulumi.Output[Any]:
    entries = "".join(f"  e{n:04d}: {{free: e{n:04d}.example.com}}\n" for n in range(1100))
    path = tmp_path / "dev.yaml"
    path.write_text("certificates:\n" + entries, encoding="utf-8")
    resources = declare(load_stack_file(path), {})

    def verify(_ids: list[Any]) -> None:
        assert mocks.count == 1100
        [provider] = mocks.providers  # one pickle, the same for all
        assert base64.b64decode(provider) == PICKLE

    return pulumi.Output.all(*(r.id for r in resources.values())).apply(verify)
