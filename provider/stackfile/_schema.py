"""The stack file's JSON Schema (``stacks/stack.schema.json``): the structure of the file, checked at run time.

The loader validates every file against this schema (``_structure``), and editors use the same schema for
completion and early checks (``# yaml-language-server: $schema=./stack.schema.json``). Every limit and pattern in it
comes from ``provider.rules`` or the constants below, so the two cannot drift apart; ``tests/provider/
test_stack_schema.py`` fails when the committed file is stale. Regenerate it with ``python -m provider.stackfile
--schema > stacks/stack.schema.json``. What a schema cannot say is checked by hand after it: files, PEM contents, key
types and match, expiry, durations in seconds, clashes between entries, merged tag counts (and, in ``_nodes``, what
YAML itself gets wrong: duplicate keys, merge keys, tags).

Each branch of an ``anyOf``/``oneOf`` takes values of its own type, so that a failed one can be reported by the
branch of the value's type; exclusive keys are ``dependentSchemas`` with ``false``, so that the error is at the key.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

from .. import rules

__all__ = ["CONFIG_KEY_PATTERN", "ENTRY_NAME_PATTERN", "ENV_NAME_PATTERN", "json_schema", "schema_text"]

# Pulumi resource names have few limits, but these names also end up in URNs, CLI output and file names.
ENTRY_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
CONFIG_KEY_PATTERN = r"^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$"
_NOT_BLANK = "\\S"  # a path must have something in it
_NO_CONTROLS = "^[^\\x00-\\x1f\\x7f]*$"
_SOURCES = ("upload", "adopt", "free")

# The options an entry and `defaults` share, as the reference (docs/stack-file.md) describes them.
_TRUE_OR_FALSE = "true or false only: yes/no/on/off are text, not booleans"
_FLAGS = {
    "check_resources": "Delete with IsCheckResource: refuse to delete a certificate still bound to CLB, CDN, WAF, "
    f"... (default true). {_TRUE_OR_FALSE}.",
    "rotate": "Before a replaced certificate is deleted, move the cloud resources bound to it to the new one "
    f"(Tencent's deploy record), so renewing a certificate in use goes through (default true). {_TRUE_OR_FALSE}.",
    "retain": "true: removing the entry drops it from the stack but keeps the certificate in the cloud. "
    f"{_TRUE_OR_FALSE}.",
    "protect": f"true: Pulumi refuses to delete or replace the certificate. {_TRUE_OR_FALSE}.",
    "allow_expired": f"true: accept an expired certificate for upload. {_TRUE_OR_FALSE}.",
}


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
    kept = rules.MAX_TAGS - rules.MAX_USER_TAGS
    return {
        "description": f"Tencent Cloud tags, at most {rules.MAX_USER_TAGS} per certificate (Tencent allows "
        f"{rules.MAX_TAGS}; the provider keeps {kept}). In an entry, a key set to null removes a tag the defaults set.",
        "type": ["object", "null"],
        "maxProperties": rules.MAX_USER_TAGS,
        "propertyNames": key,
        "additionalProperties": {
            "anyOf": [_tag_text(rules.MAX_TAG_VALUE, min_length=0), {"type": ["number", "boolean", "null"]}]
        },
    }


def _options() -> dict[str, Any]:
    """The properties an entry and `defaults` share (each lists them itself: `additionalProperties` sees no further)."""
    minutes = rules.DEFAULT_DELETE_TIMEOUT // 60, rules.DEFAULT_CREATE_TIMEOUT // 60
    properties: dict[str, Any] = {
        "project_id": {"$ref": "#/$defs/projectId"},
        "tags": {"$ref": "#/$defs/tags"},
        "check_resources": {"description": _FLAGS["check_resources"], "type": "boolean"},
        "rotate": {"description": _FLAGS["rotate"], "type": "boolean"},
        "deploy_regions": {
            "description": "Resource type -> the regions a rotation deploys the new certificate in, for regional types "
            "(clb, waf, apigateway, cos, tke, tse, tcb); default: the stack's region. E.g. {clb: [ap-guangzhou, "
            "ap-shanghai]}.",
            "type": "object",
            "propertyNames": {"pattern": "^[a-z]+$"},
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z]+(-[a-z]+)+(-[0-9]+)?$"},
                "minItems": 1,
            },
        },
        "renew_before": {
            "description": "Renew a free certificate this long before it expires (a plain `pulumi up` applies for a "
            "new one and moves its deployments); for an uploaded one, preview warns. Days, e.g. 30d.",
            "type": "string",
            "pattern": rules.RENEW_WINDOW_PATTERN,
        },
        "delete_timeout": {
            "$ref": "#/$defs/duration",
            "description": f"How long a deletion may wait for Tencent's task (default {minutes[0]}m).",
        },
        "create_timeout": {
            "$ref": "#/$defs/duration",
            "description": f"How long a creation may wait for the certificate to be ready or issued (default "
            f"{minutes[1]}m).",
        },
    }
    for name in ("retain", "protect", "allow_expired"):
        properties[name] = {"description": _FLAGS[name], "type": "boolean"}
    return properties


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


def _certificate() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            **_options(),
            "upload": {"$ref": "#/$defs/upload"},
            "adopt": {"$ref": "#/$defs/adopt"},
            "free": {"$ref": "#/$defs/free"},
            "alias": {
                "description": f"The certificate's remark name in the console (at most {rules.MAX_ALIAS} characters).",
                "anyOf": [
                    {"type": "string", "maxLength": rules.MAX_ALIAS, "pattern": _NO_CONTROLS},
                    {"type": ["number", "boolean", "null"]},
                ],
            },
            "type": {"description": "SVR (server certificate, the default) or CA.", "enum": ["SVR", "CA"]},
            "renamed_from": {"$ref": "#/$defs/renames"},
            "aliases": {"$ref": "#/$defs/renames"},
        },
        "additionalProperties": False,
        # Exactly one source: at least one, and each excludes the ones after it (the error is at the second one).
        "anyOf": [{"required": [source]} for source in _SOURCES],
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


def json_schema() -> dict[str, Any]:
    """The stack file's JSON Schema (draft 2020-12) as a dict."""
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
                "maximum": 2**31 - 1,
            },
            "tags": _tags(),
            "defaults": {
                "description": "Options merged into every entry; an entry's own value wins, tags merge key by key.",
                "type": ["object", "null"],
                "properties": _options(),
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
            "certificate": _certificate(),
        },
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
