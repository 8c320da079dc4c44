"""Request parameter schemas and their validation, with Tencent's codes and wording.

A schema is a mapping of parameter name to ``Spec``. ``validate`` rejects unknown names (``UnknownParameter``),
missing required ones (``MissingParameter``) and wrongly typed or out-of-range values (``InvalidParameterValue``);
it returns the parameters with JSON ``null`` dropped, so handlers use ``params.get(name, default)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError, invalid_value, missing

__all__ = ["Spec", "Bool", "Int", "List", "Obj", "Str", "TAG_LIST", "validate"]


@dataclass(frozen=True)
class Spec:
    """What one parameter may hold."""

    kind: str  # "str" | "int" | "bool" | "list" | "obj"
    required: bool = False
    choices: tuple[Any, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_items: int | None = None
    item: Spec | None = None
    fields: Mapping[str, Spec] = field(default_factory=dict)


def Str(required: bool = False, choices: tuple[str, ...] | None = None) -> Spec:  # noqa: N802 - reads like a type
    """A string parameter."""
    return Spec("str", required, choices)


def Int(  # noqa: N802
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[int, ...] | None = None,
) -> Spec:
    """An integer parameter (JSON booleans are not integers here)."""
    return Spec("int", required, choices, minimum=minimum, maximum=maximum)


def Bool(required: bool = False) -> Spec:  # noqa: N802
    """A boolean parameter."""
    return Spec("bool", required)


def List(item: Spec, required: bool = False, max_items: int | None = None) -> Spec:  # noqa: N802
    """A list parameter whose items all match ``item``."""
    return Spec("list", required, max_items=max_items, item=item)


def Obj(fields: Mapping[str, Spec], required: bool = False) -> Spec:  # noqa: N802
    """An object parameter with its own named fields."""
    return Spec("obj", required, fields=fields)


TAG_LIST = List(Obj({"TagKey": Str(required=True), "TagValue": Str()}))

# Spec.kind -> the JSON type it takes and how a message names that type.
_KINDS = {
    "str": ("string", "a string"),
    "int": ("integer", "an integer"),
    "bool": ("boolean", "a boolean"),
    "list": ("array", "an array"),
    "obj": ("object", "an object"),
}
# Python type -> JSON type of a decoded value; bool first, as a bool is also an int.
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _json_type(value: Any) -> str:
    return next((name for python_type, name in _JSON_TYPES if isinstance(value, python_type)), "null")


def _check(name: str, spec: Spec, value: Any) -> Any:
    expected, wording = _KINDS[spec.kind]
    actual = _json_type(value)
    if actual != expected:
        raise invalid_value(name, f"expected {wording}, got {actual}")
    if spec.choices is not None and value not in spec.choices:
        allowed = ", ".join(str(c) for c in spec.choices)
        raise invalid_value(name, f"`{value}` is not one of {allowed}")
    if spec.minimum is not None and value < spec.minimum:
        raise invalid_value(name, f"must be at least {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise invalid_value(name, f"must be at most {spec.maximum}")
    if spec.kind == "list":
        assert spec.item is not None
        if spec.max_items is not None and len(value) > spec.max_items:
            raise invalid_value(name, f"at most {spec.max_items} items are allowed, got {len(value)}")
        return [_check(f"{name}.{i}", spec.item, item) for i, item in enumerate(value)]
    if spec.kind == "obj":
        return _fields(spec.fields, value, prefix=f"{name}.")
    return value


def _fields(schema: Mapping[str, Spec], values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    for name in values:
        if name not in schema:
            raise ApiError("UnknownParameter", f"The parameter `{prefix}{name}` is not recognized.")
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        value = values.get(name)
        if value is None:
            if spec.required:
                raise missing(prefix + name)
            continue
        out[name] = _check(prefix + name, spec, value)
    return out


def validate(schema: Mapping[str, Spec], params: Any) -> dict[str, Any]:
    """Check a decoded JSON body against ``schema``; raise ``ApiError`` on the first problem."""
    if not isinstance(params, dict):
        raise ApiError("InvalidParameter", "The request body must be a JSON object.")
    return _fields(schema, params)
