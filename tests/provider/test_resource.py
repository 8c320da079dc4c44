"""The Certificate resource and CertificateArgs under ``pulumi.runtime.set_mocks``."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from provider.certificate import Certificate, CertificateArgs, CertificateProvider
from provider.inputs import sparse_inputs
from support.certs import make_cert
from support.pulumi_mocks import NoCalls, use_mocks


class _Mocks(NoCalls):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        # What the engine would record: the inputs, and outputs only the provider knows (distinct values, so an output
        # read from the wrong property shows).
        self.resources.append(args)
        outs = dict(args.inputs)
        outs.update(certificate_id="MockId01", domain="www.example.com", not_after="2030-01-01T00:00:00Z")
        return "MockId01", outs


#: The owner mark of entry ``www`` of stack ``organization/proj/dev`` declared without a StackIdentity, written out
#: (sha256 of "stack\0names:organization/proj/dev", then of "entry\0names:organization/proj/dev\0www", 12 hex
#: characters each): the marks on certificates in the cloud must not change with a new version of the code.
WWW_OWNER = "23af78a2f4cf.25bd82b07c74"


@pytest.fixture
def mocks() -> _Mocks:
    return use_mocks(_Mocks(), preview=False)


@pulumi.runtime.test
def test_certificate_resource_pickles_and_declares_outputs(mocks: _Mocks) -> pulumi.Output[Any]:
    cert, key = make_cert("www.example.com")
    resource = Certificate(
        "www",
        CertificateArgs(certificate=cert, private_key=key, alias="front door", project_id=3, tags={"env": "prod"}),
    )

    def verify(values: list[Any]) -> None:
        cert_id, not_after, domain, alias, source, urn = values
        # Each output property reads its own value of the recorded outputs.
        assert (cert_id, not_after, domain) == ("MockId01", "2030-01-01T00:00:00Z", "www.example.com")
        assert alias == "front door" and source == "upload"
        assert urn == "urn:pulumi:dev::proj::pulumi:pulumi:Stack$pulumi-python:dynamic/tencentcloud:Certificate::www"
        [registered] = mocks.resources
        assert registered.typ == "pulumi-python:dynamic/tencentcloud:Certificate" and registered.name == "www"
        inputs = registered.inputs
        assert inputs["source"] == "upload" and inputs["entry"] == "www"
        # Without a StackIdentity the owner mark derives from the organisation, project and stack names.
        assert inputs["owner"] == WWW_OWNER
        assert inputs["project_id"] == 3 and inputs["alias"] == "front door" and inputs["tags"] == {"env": "prod"}
        assert inputs["certificate"] == cert
        # The provider was pickled (by reference) into __provider, a secret.
        assert "__provider" in inputs
        assert "certificate_id" not in inputs  # declared outputs are not sent as inputs
        # The private key travels as a secret (mocks see secrets as wrapped values).
        assert isinstance(inputs["private_key"], dict) and inputs["private_key"].get("value") == key

    return pulumi.Output.all(
        resource.certificate_id, resource.not_after, resource.domain, resource.alias, resource.source, resource.urn
    ).apply(verify)


def test_certificate_args_need_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        CertificateArgs().to_inputs()
    with pytest.raises(ValueError, match="exactly one"):
        CertificateArgs(certificate="x", adopt_id="y").to_inputs()
    assert CertificateArgs(adopt_id="GjTNRoK7").to_inputs()["source"] == "adopt"
    free = CertificateArgs(free_domain="shop.example.com").to_inputs()
    assert free["source"] == "free" and "certificate" not in free and "private_key" not in free


def test_defaults_left_out_are_filled_in_by_check() -> None:
    # The resource leaves out inputs that hold their default (fewer Python Outputs in big stacks); check fills them
    # in, so the engine stores and compares the same inputs as if they had been sent.
    cert, key = make_cert("www.example.com")
    full = {**CertificateArgs(certificate=cert, private_key=key).to_inputs(), "entry": "www", "owner": "o"}
    full["private_key"] = key  # the secret Output, as the engine sees it
    sparse = sparse_inputs(full)
    assert set(full) - set(sparse) == {
        "rotate", "retain", "renew_before", "deploy_regions", "create_timeout", "allow_expired"
    }  # fmt: skip
    provider = CertificateProvider()
    assert provider.check({}, sparse).inputs == provider.check({}, full).inputs
    assert provider.check({}, sparse).failures == []
    # A value other than the default is sent.
    kept = sparse_inputs(CertificateArgs(adopt_id="GjTNRoK7", take_over=True, rotate=False).to_inputs())
    assert kept["take_over"] is True and kept["rotate"] is False
    assert "take_over" not in sparse_inputs(CertificateArgs(adopt_id="GjTNRoK7").to_inputs())
