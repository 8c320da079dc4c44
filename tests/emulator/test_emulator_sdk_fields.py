"""Every request field the official SDK models document is accepted, for every action the emulator serves.

The models (tencentcloud-sdk-python-ssl / -tag, test dependencies) are walked field by field, nested types
included (``ReplaceTags[].Category``): each property's ``:rtype:`` names a scalar, ``list of X`` or another model
class. A documented field must never be an ``UnknownParameter``, and its documented type must be the one the
emulator's schema checks, else a request the SDK builds would be refused as ``InvalidParameterValue``.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from tencentcloud.tag.v20180813 import models as tag_models

from emulator.app import action_table
from emulator.context import Action
from emulator.errors import ApiError
from emulator.params import Spec, validate
from support.certs import make_cert
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator

MODELS = {
    "ssl": importlib.import_module("tencentcloud.ssl.v20191205.models"),
    "tag": importlib.import_module("tencentcloud.tag.v20180813.models"),
}
# SDK scalar type -> (emulator Spec.kind, a sample value of that type).
SCALARS: dict[str, tuple[str, Any]] = {"str": ("str", "x"), "int": ("int", 1), "bool": ("bool", True)}
_RTYPE = re.compile(r":rtype:\s*(?P<list>list of )?(?P<type>\w+)")


@dataclass(frozen=True)
class Field:
    """One documented request field: its dotted path (``ReplaceTags[].Category``), SDK type and model class."""

    path: str
    type_name: str
    is_list: bool
    model: type | None


def sdk_fields(module: ModuleType, model: type) -> dict[str, Field]:
    """The fields of an SDK model class by name (the ``_Name`` attributes its ``__init__`` sets)."""
    fields = {}
    for attribute in vars(model()):
        name = attribute[1:]
        # A deprecated property (UpdateCertificateInstanceRequest.Regions) warns before its docstring, so it has
        # none; the constructor's docstring still gives the type (":type Regions: list of str").
        match = _RTYPE.search(getattr(model, name).__doc__ or "") or re.search(
            rf":type {name}:\s*(?P<list>list of )?(?P<type>\w+)", model.__init__.__doc__ or ""
        )
        assert match, f"{model.__name__}.{name} documents no :rtype:"
        nested = getattr(module, match["type"], None)
        fields[name] = Field(name, match["type"], bool(match["list"]), nested if isinstance(nested, type) else None)
    return fields


def walk(module: ModuleType, model: type, prefix: str = "") -> list[str]:
    """Every field path of ``model``, nested models' fields included."""
    paths = []
    for name, field in sdk_fields(module, model).items():
        path = prefix + name
        paths.append(path)
        if field.model is not None:
            paths += walk(module, field.model, path + ("[]." if field.is_list else "."))
    return paths


def request_model(action: Action) -> tuple[ModuleType, type]:
    module = MODELS[action.service]
    return module, getattr(module, action.name + "Request")


def sample(module: ModuleType, field: Field, spec: Spec | None) -> Any:
    """A value of the field's documented type (the first allowed choice where the emulator has a list)."""
    inner = spec.item if spec is not None and spec.kind == "list" else spec
    if field.model is not None:
        sub = inner.fields if inner is not None else {}
        value: Any = {n: sample(module, f, sub.get(n)) for n, f in sdk_fields(module, field.model).items()}
    else:
        assert field.type_name in SCALARS, f"{field.path}: SDK type {field.type_name} has no sample here"
        value = inner.choices[0] if inner is not None and inner.choices else SCALARS[field.type_name][1]
    return [value] if field.is_list else value


def full_request(action: Action) -> dict[str, Any]:
    """A request to ``action`` setting every field its SDK model documents."""
    module, model = request_model(action)
    return {n: sample(module, f, action.schema.get(n)) for n, f in sdk_fields(module, model).items()}


def documented_paths() -> list[tuple[Action, str]]:
    return [(action, path) for action in action_table() for path in walk(*request_model(action))]


def test_every_implemented_action_has_an_sdk_request_model() -> None:
    names = {a.name for a in action_table()}
    assert len(names) == 20 and "UnTagResources" in names
    for action in action_table():
        request_model(action)  # raises AttributeError for an action the SDK does not know


def test_the_walk_finds_nested_fields() -> None:
    paths = {f"{a.name}:{p}" for a, p in documented_paths()}
    assert {"ModifyResourceTags:ReplaceTags[].Category", "UploadCertificate:Tags[].TagValue",
            "ModifyResourceTags:DeleteTags[].TagKey", "DescribeCertificates:CertificateStatus",
            "UpdateCertificateInstance:ResourceTypesRegions[].Regions", "UpdateCertificateInstance:Regions",
            "UpdateCertificateRecordRetry:DeployRecordDetailId"} <= paths  # fmt: skip


@pytest.mark.parametrize(("action", "path"), documented_paths(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_documented_field_is_known_with_its_documented_type(action: Action, path: str) -> None:
    module, model = request_model(action)
    schema, spec = action.schema, None
    for step in path.replace("[]", "").split("."):
        field = sdk_fields(module, model)[step]
        spec = schema.get(step)
        assert spec is not None, f"{action.name}: {path} is documented by the SDK but would be an UnknownParameter"
        expected = "obj" if field.model is not None else SCALARS[field.type_name][0]
        actual = spec.item.kind if spec.kind == "list" and spec.item is not None else spec.kind
        assert (spec.kind == "list") == field.is_list, f"{action.name}: {path} is a list in one and not the other"
        assert actual == expected, f"{action.name}: {path} is {field.type_name} in the SDK, {actual} here"
        if field.model is not None:
            model = field.model
            inner = spec.item if spec.kind == "list" else spec
            assert inner is not None
            schema = inner.fields


@pytest.mark.parametrize("action", action_table(), ids=lambda a: a.name)
def test_a_request_setting_every_documented_field_passes_validation(action: Action) -> None:
    try:
        validate(action.schema, full_request(action))
    except ApiError as exc:
        pytest.fail(f"{action.name} with every SDK-documented field: {exc.code}: {exc.message}")


@pytest.mark.reliability(
    area="fidelity",
    tried="every request field the official SDK models document for each emulated action, nested ones included "
    "(ModifyResourceTags.ReplaceTags[].Category)",
    held="none is refused as UnknownParameter or MissingParameter over HTTP",
)
def test_no_documented_field_is_unknown_over_http(api: RawApi) -> None:
    # The same full requests through the real pipeline: business errors (an unknown certificate id) are expected,
    # a parameter the SDK documents being refused is not.
    for action in action_table():
        response = api.call(action.name, full_request(action), service=action.service)
        code = response.get("Error", {}).get("Code")
        assert code not in ("UnknownParameter", "MissingParameter"), (action.name, response["Error"])


def test_replace_tags_category_through_the_official_sdk(api: RawApi, sdk_tag: Any) -> None:
    cert_id = api.upload(*make_cert("category.example.com"))
    request = tag_models.ModifyResourceTagsRequest()
    request.from_json_string(
        json.dumps(
            {"Resource": f"qcs::ssl::uin/:certificate/{cert_id}",
             "ReplaceTags": [{"TagKey": "env", "TagValue": "prod", "Category": "Custom"}]}
        )
    )  # fmt: skip
    sdk_tag.ModifyResourceTags(request)
    assert api.ok("DescribeCertificate", {"CertificateId": cert_id})["Tags"] == [{"TagKey": "env", "TagValue": "prod"}]
    error = api.error(
        "ModifyResourceTags",
        {"Resource": f"qcs::ssl::uin/:certificate/{cert_id}",
         "ReplaceTags": [{"TagKey": "env", "TagValue": "x", "Category": "Secret"}]},
        service="tag",
    )  # fmt: skip
    assert error["Code"] == "InvalidParameterValue" and "ReplaceTags.0.Category" in error["Message"]
