"""The regional resource types: one list in the product (provider.rules.REGIONAL_TYPES), Tencent's.

UpdateCertificateInstance's SDK model names the types whose deploy needs ``ResourceTypesRegions``; the emulator plays
Tencent by that list (emulator/cloud_resources.py). A rotation must send regions for each of them, and the stack file's
reference must name the same ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator.cloud_resources import REGIONAL_TYPES as TENCENT_REGIONAL_TYPES
from provider import fields, rules
from provider.rotation import Rotator
from provider.ssl import DeployedResources, SslService
from provider.stackfile._schema import json_schema
from provider.waiting import Timing
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import FakeTime


def test_the_product_has_tencents_list() -> None:
    assert set(rules.REGIONAL_TYPES) == set(TENCENT_REGIONAL_TYPES)


def test_the_reference_and_the_schema_name_every_regional_type() -> None:
    help_text = fields.by_name("deploy_regions").help
    description = json_schema()["$defs"]["defaults"]["properties"]["deploy_regions"]["description"]
    for kind in TENCENT_REGIONAL_TYPES:
        assert f"`{kind}`" in help_text and kind in description


def upload(ssl: SslService) -> str:
    cert, key = make_cert("www.example.com")
    return ssl.upload(public_key=cert, private_key=key).certificate_id


@pytest.mark.emulator
@pytest.mark.parametrize("kind", ["scf", "mqtt", "tdmq"])
def test_a_rotation_deploys_a_regional_type_in_its_listed_region(
    emu: RunningEmulator, ssl: SslService, fake_time: FakeTime, kind: str
) -> None:
    # DescribeDeployedResources does not list these types, so a rotation meets them only when told (a resumed
    # record, or a refusal naming them); what is asked here is which regions it sends for them.
    old, new = (upload(ssl) for _ in range(2))
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": kind, "ResourceId": f"{kind}-1",
                                              "Region": "ap-shanghai"})  # fmt: skip
    rotator = Rotator(ssl, Timing(sleep=fake_time.sleep, clock=fake_time.clock), lambda _line: None)
    bound = [DeployedResources(old, kind, 1, (f"{kind}-1",))]
    rotator.move("www", old, new, bound, "ap-guangzhou", fake_time.clock() + 600, {kind: ["ap-shanghai"]})
    deploys: list[dict[str, Any]] = [c["Params"] for c in emu.calls() if c["Action"] == "UpdateCertificateInstance"]
    assert deploys[-1]["ResourceTypesRegions"] == [{"ResourceType": kind, "Regions": ["ap-shanghai"]}]
    rows = emu.admin("GET", "/_emulator/bindings")["Bindings"]
    assert {(r["CertificateId"], r["ResourceType"], r["Region"]) for r in rows} == {(new, kind, "ap-shanghai")}
