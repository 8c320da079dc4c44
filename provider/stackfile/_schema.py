"""The stack file's JSON Schema (``stacks/stack.schema.json``): the structure of the file, checked at run time.

The loader validates every file against this schema (``_structure``), and editors use the same schema for completion and
early checks (``# yaml-language-server: $schema=./stack.schema.json``). The certificate's options come from the field
registry (``provider.fields``: which there are, their kind, description and default), every limit and pattern from
``provider.rules`` or the constants below, so the two cannot drift apart; ``tests/provider/test_stack_schema.py`` fails
when the committed file is stale. Regenerate it with ``python -m provider.stackfile --schema >
stacks/stack.schema.json``. What a schema cannot say is checked by hand after it: files, PEM contents, key types and
match, expiry, durations in seconds, clashes between entries, merged tag counts (and, in ``_nodes``, what YAML itself
gets wrong: duplicate keys, merge keys, tags).

Each branch of an ``anyOf``/``oneOf`` takes values of its own type, so that a failed one can be reported by the
branch of the value's type; exclusive keys are ``dependentSchemas`` with ``false``, so that the error is at the key.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence
from typing import Any

from .. import rules
from ..fields import FIELDS, SOURCES, Field, schema_description

__all__ = ["CONFIG_KEY_PATTERN", "ENTRY_NAME_PATTERN", "ENV_NAME_PATTERN", "json_schema", "schema_text"]

# Pulumi resource names have few limits, but these names also end up in URNs, CLI output and file names.
ENTRY_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
CONFIG_KEY_PATTERN = r"^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$"
_NOT_BLANK = "\\S"  # a path must have something in it
_NO_CONTROLS = "^[^\\x00-\\x1f\\x7f]*$"


def _any_case(prefix: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in prefix)


def _tag_text(max_length: int, *, min_length: int) -> dict[str, Any]:
    # ASCII punctuation Tencent refuses in tags (letters, digits and the listed specials are allowed), and controls.
    refused = "".join(sorted(set(string.punctuation) - rules.TAG_SPECIALS))
    escaped = refused.replace("\\", "\\\\").replace("]", "\\]")  # "^" is literal past a class's start
    quantifier = "+" if min_length else "*"
    text: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if min_length:
        text["minLength"] = min_length
    text["pattern"] = f"^(?! )(?!.* $)[^\\x00-\\x1f\\x7f{escaped}]{quantifier}$"
    return text


def _tags() -> dict[str, Any]:
    key = _tag_text(rules.MAX_TAG_KEY, min_length=1)
    reserved = "|".join(_any_case(p) for p in rules.RESERVED_TAG_PREFIXES)
    key["pattern"] = f"^(?!{reserved}){key['pattern'][1:]}"
    return {
        "type": ["object", "null"],
        "maxProperties": rules.MAX_USER_TAGS,
        "propertyNames": key,
        "additionalProperties": {
            "anyOf": [_tag_text(rules.MAX_TAG_VALUE, min_length=0), {"type": ["number", "boolean", "null"]}]
        },
    }


def _option(f: Field) -> dict[str, Any]:
    """An option's schema, by its kind; its description is the registry's help (``provider.fields``)."""
    fragment: dict[str, Any] = {"description": schema_description(f)}
    if f.kind in ("flag", "resource_option"):
        fragment["type"] = "boolean"
    elif f.kind == "project":
        fragment["$ref"] = "#/$defs/projectId"
    elif f.kind == "tags":
        fragment["$ref"] = "#/$defs/tags"
    elif f.kind == "duration":
        fragment["$ref"] = "#/$defs/duration"
    elif f.kind == "window":
        # Empty is none, as check() takes it: an entry can turn off a window its defaults set.
        fragment.update(type="string", pattern=f"^(?:{rules.RENEW_WINDOW_PATTERN.strip('^$')})?$")
    elif f.kind == "regions":
        fragment.update(
            type="object",
            propertyNames={"pattern": rules.RESOURCE_TYPE_PATTERN},
            additionalProperties={
                "type": "array",
                "items": {"type": "string", "pattern": rules.REGION_PATTERN},
                "minItems": 1,
            },
        )
    else:
        raise ValueError(f"option {f.name}: the stack file has no schema for a {f.kind} option")
    return fragment


def _options(fields: Sequence[Field]) -> dict[str, Any]:
    """The properties an entry and `defaults` share (each lists them itself: `additionalProperties` sees no further)."""
    return {f.key: _option(f) for f in fields if f.option}


def _sources() -> dict[str, Any]:
    certificate_id = {
        "description": "A Tencent certificate id, e.g. GjTNRoK7.",
        "anyOf": [
            {"type": "string", "pattern": rules.CERTIFICATE_ID_PATTERN},
            {"type": "integer", "minimum": 10000000, "maximum": 99999999},
        ],
    }
    return {
        "secretRef": {
            "description": "Where the private key comes from: {config: KEY} (a Pulumi secret), {env: VAR}, "
            "{file: PATH} or inline PEM.",
            "oneOf": [
                {"type": "string", "pattern": "-----BEGIN"},
                {
                    "type": "object",
                    "properties": {
                        "config": {"type": "string", "pattern": CONFIG_KEY_PATTERN},
                        "env": {"type": "string", "pattern": ENV_NAME_PATTERN},
                        "file": {"type": "string", "minLength": 1, "pattern": _NOT_BLANK},
                    },
                    "additionalProperties": False,
                    "minProperties": 1,
                    "maxProperties": 1,
                },
            ],
        },
        "upload": {
            "type": "object",
            "required": ["certificate"],
            "properties": {
                "certificate": {
                    "description": "A PEM file path relative to the stack file, or inline PEM: the server "
                    "certificate first, then its intermediates.",
                    "type": "string",
                    "minLength": 1,
                    "pattern": _NOT_BLANK,
                },
                "private_key": {"$ref": "#/$defs/secretRef"},
            },
            "additionalProperties": False,
        },
        "adopt": {
            "description": "The id of an existing certificate to manage, e.g. GjTNRoK7, or {id: GjTNRoK7, "
            "take_over: true} to take it over from another stack.",
            "anyOf": [
                {"$ref": "#/$defs/certificate_id"},
                {
                    "type": "object",
                    "properties": {
                        "id": {"$ref": "#/$defs/certificate_id"},
                        "take_over": {
                            "description": "Adopt it even though another Pulumi stack manages it (that stack then "
                            "leaves it in place when its entry is removed).",
                            "type": "boolean",
                        },
                    },
                    "required": ["id"],
                    "additionalProperties": False,
                },
            ],
        },
        "certificate_id": certificate_id,
        "domain": {
            "description": "A host name (no wildcard), e.g. shop.example.com.",
            "type": "string",
            "maxLength": 253,
            "pattern": "^(?!\\*)[^.\\s]+(\\.[^.\\s]+)+\\.?$",
        },
        "free": {
            "oneOf": [
                {"$ref": "#/$defs/domain"},
                {
                    "type": "object",
                    "required": ["domain"],
                    "properties": {
                        "domain": {"$ref": "#/$defs/domain"},
                        "validation": {
                            "description": "How Tencent validates the domain (default DNS_AUTO).",
                            "enum": list(rules.VALIDATION_METHODS),
                        },
                    },
                    "additionalProperties": False,
                },
            ]
        },
    }


def _certificate(fields: Sequence[Field]) -> dict[str, Any]:
    alias, cert_type = (next(f for f in fields if f.key == key) for key in ("alias", "type"))
    return {
        "type": "object",
        "properties": {
            **_options(fields),
            "upload": {"$ref": "#/$defs/upload"},
            "adopt": {"$ref": "#/$defs/adopt"},
            "free": {"$ref": "#/$defs/free"},
            "alias": {
                "description": schema_description(alias),
                "anyOf": [
                    {"type": "string", "maxLength": rules.MAX_ALIAS, "pattern": _NO_CONTROLS},
                    {"type": ["number", "boolean", "null"]},
                ],
            },
            "type": {"description": schema_description(cert_type), "enum": list(cert_type.choices)},
            "renamed_from": {"$ref": "#/$defs/renames"},
            "aliases": {"$ref": "#/$defs/renames"},
        },
        "additionalProperties": False,
        # Exactly one source: at least one, and each excludes the ones after it (the error is at the second one).
        "anyOf": [{"required": [source]} for source in SOURCES],
        "dependentSchemas": {
            "upload": {"properties": {"adopt": False, "free": False}},
            "adopt": {"properties": {"free": False}},
            "renamed_from": {"properties": {"aliases": False}},
        },
        "allOf": [
            {
                "if": {"required": ["upload"], "not": {"required": ["type"], "properties": {"type": {"const": "CA"}}}},
                "then": {"properties": {"upload": {"required": ["private_key"]}}},
            },
            {"if": {"required": ["free", "type"]}, "then": {"properties": {"type": {"const": "SVR"}}}},
        ],
    }


def json_schema(fields: Sequence[Field] = FIELDS) -> dict[str, Any]:
    """The stack file's JSON Schema (draft 2020-12) as a dict, for the certificate fields ``fields`` (the registry)."""
    hours = rules.MAX_TIMEOUT // 3600
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tencent Cloud SSL certificates stack file",
        "description": "stacks/<stack>.yaml: the certificates of one Pulumi stack. Reference: docs/stack-file.md. "
        "Generated by `python -m provider.stackfile --schema`. The loader (provider/stackfile/) checks every file "
        "against this schema, then what a schema cannot say: files, PEM contents, key types and match, expiry, "
        "duplicate keys, clashes between entries.",
        "type": "object",
        "required": ["certificates"],
        "properties": {
            "defaults": {"$ref": "#/$defs/defaults"},
            "certificates": {
                "description": "Entry name -> certificate. An explicit empty 'certificates:' deletes every "
                "certificate of the stack.",
                "type": ["object", "null"],
                "propertyNames": {"$ref": "#/$defs/entryName"},
                "additionalProperties": {"$ref": "#/$defs/certificate"},
            },
            "release": {
                "description": "Names of entries to let go of: the stack stops managing each certificate and leaves it "
                "in Tencent Cloud (for one Tencent will not delete, e.g. an issued paid certificate). The first "
                "`pulumi up` marks it retained; take the name out afterwards and the next `up` forgets it. A name "
                "here must not also be an entry under certificates.",
                "type": ["array", "null"],
                "items": {"$ref": "#/$defs/entryName"},
                "uniqueItems": True,
            },
        },
        "patternProperties": {
            "^x-": {
                "description": "Ignored: a place for YAML anchors to reuse with aliases or << merge keys (in <<: "
                "[*a, *b] the earlier mapping wins, as the YAML merge-key spec says)."
            }
        },
        "additionalProperties": False,
        "$defs": {
            "entryName": {
                "description": "Pulumi resource name: lower-case letters, digits, '-', '_' or '.', 1-63 characters.",
                "type": "string",
                "pattern": ENTRY_NAME_PATTERN,
            },
            "duration": {
                "description": f"A duration with units: 90s, 10m, 1h30m (between 1s and {hours}h).",
                "type": "string",
                "pattern": rules.DURATION_PATTERN,
            },
            "projectId": {
                "description": "Tencent Cloud project id; 0 is the default project. A plain decimal integer: no "
                "leading zero (010), base prefix (0x1F), underscores (1_000) or base-60 form (1:20), which YAML 1.1 "
                "would read as other numbers.",
                "type": "integer",
                "minimum": 0,
                "maximum": rules.MAX_PROJECT_ID,
            },
            "tags": _tags(),
            "defaults": {
                "description": "Options merged into every entry; an entry's own value wins, tags merge key by key.",
                "type": ["object", "null"],
                "properties": _options(fields),
                "additionalProperties": False,
            },
            **_sources(),
            "renames": {
                "description": "Former entry names: renaming maps to Pulumi aliases instead of delete + create.",
                "oneOf": [
                    {"$ref": "#/$defs/entryName"},
                    {"type": "array", "items": {"$ref": "#/$defs/entryName"}, "uniqueItems": True},
                ],
            },
            "certificate": _certificate(fields),
        },
    }


def schema_text(fields: Sequence[Field] = FIELDS) -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(fields), indent=2, ensure_ascii=False) + "\n"
