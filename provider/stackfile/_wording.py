"""What a structural problem says, per field: the loader's wording for what the JSON Schema finds.

A schema error names a keyword (``type``, ``pattern``, ``required``, ...) and the place of a value in the data
(``Loc``, a tuple of keys and list indexes). ``field_kind`` sorts places into the fields of docs/stack-file.md, and
the functions here word each keyword for each field in the house style ("must be true or false, not 'yes'; write
true ..."), from the YAML node as written: the node, not the value PyYAML would make of it, shows what the user
typed. Where ``provider.rules`` has a problem function for a field, a pattern or length error is worded by it, so
the messages stay as specific as the provider's own check. No message quotes a private key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import yaml

from ..fields import FIELDS, by_key
from ..rules import (
    MAX_TAGS,
    MAX_USER_TAGS,
    REGION_LIST_PROBLEM,
    alias_problem,
    certificate_id_problem,
    free_domain,
    parse_duration,
    project_id_problem,
    region_problem,
    renew_window_problem,
    resource_type_problem,
    tag_key_problem,
    tag_value_problem,
    timeout_problem,
)
from ._compose import BOOL, INT, NULL
from ._nodes import Loc, describe

__all__ = [
    "choice_message",
    "false_message",
    "field_kind",
    "key_message",
    "required_message",
    "type_message",
    "value_message",
]

# The wording kind of each registry kind (``provider.fields``) where the two names differ.
_WORDING_OF_KIND = {
    "project": "project_id",
    "window": "renew_window",
    "regions": "deploy_regions",
    "resource_option": "flag",
}
# The fields below an entry (or `defaults`), by the dotted keys leading to them; `#` stands for any list index, `*`
# for any key. The registry's options and the entry's alias and type come by their kind.
_KINDS: dict[str, str] = {
    **{f.key: _WORDING_OF_KIND.get(f.kind, f.kind) for f in FIELDS if f.option or f.key == "alias"},
    "type": "type",
    "deploy_regions.*": "regions",
    "deploy_regions.*.#": "region",
    "renamed_from": "renames",
    "aliases": "renames",
    "renamed_from.#": "former_name",
    "aliases.#": "former_name",
    "upload": "upload",
    "upload.certificate": "certificate",
    "upload.private_key": "private_key",
    "upload.private_key.config": "config",
    "upload.private_key.env": "env",
    "upload.private_key.file": "file",
    "adopt": "adopt",
    "adopt.id": "adopt",
    "adopt.take_over": "flag",
    "free": "free",
    "free.domain": "domain",
    "free.validation": "validation",
}

# What a field must be, for "must be X, not a list".
_WHAT = {
    "certificates": "a mapping of entry name to certificate",
    "alias": "a string",
    "tag": "a tag value",
    "certificate": "a file path or inline PEM",
    "private_key": "{config: KEY}, {env: VAR}, {file: PATH} or inline PEM",
    "adopt": "a certificate id",
    "free": "a domain (e.g. shop.example.com) or a mapping with a domain",
    "domain": "a domain name",
    "renames": "an entry name or a list of entry names",
    "former_name": "an entry name",
    "released": "a list of entry names",
    "duration": "a duration such as 90s, 10m or 1h30m",
    "renew_window": "a number of days such as 30d",
    "deploy_regions": "a mapping of resource type to a list of regions, e.g. {clb: [ap-guangzhou]}",
    "regions": REGION_LIST_PROBLEM.removeprefix("must be "),
    "region": "a region name such as ap-guangzhou",
    "config": "a string",
    "env": "a string",
    "file": "a string",
}

# Text fields whose text may look like a number or a boolean (a file or an entry named 2024): a hint to quote it.
_TEXT_LIKE = {"certificate", "config", "file", "renames", "former_name"}

_ENTRY_NAME_RULE = (
    "entry names must be 1-63 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit"
)
_PRIVATE_KEY_FORMS = (
    "must be {config: KEY}, {env: VAR}, {file: PATH} or inline PEM; a plain string is not read as a path "
    "(write {file: ...})"
)


def _quoted(text: str) -> str:
    """A short name in quotes; a long value (it may be a key pasted in the wrong place) is not repeated."""
    return repr(text) if len(text) <= 40 else "the value"


def _duration_problem(text: str) -> str | None:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        return str(exc)
    problem = timeout_problem(seconds)
    return f"{problem}, not {text!r}" if problem else None


# Pattern and length errors, worded by the field's rule (a `provider.rules` check where there is one).
_RULES: dict[str, Callable[[str], str | None]] = {
    "entry_name": lambda _: _ENTRY_NAME_RULE,
    "tag_key": tag_key_problem,
    "tag": tag_value_problem,
    "alias": alias_problem,
    "adopt": certificate_id_problem,
    "free": lambda text: free_domain(text)[1],
    "domain": lambda text: free_domain(text)[1],
    "duration": _duration_problem,
    "renew_window": renew_window_problem,
    "regions": lambda _: REGION_LIST_PROBLEM,
    "region": region_problem,
    "certificate": lambda _: "must be a file path or inline PEM, not an empty string",
    "file": lambda _: "must be a file path, not an empty string",
    "env": lambda text: f"{_quoted(text)} is not an environment variable name (letters, digits and _)",
    "config": lambda text: f"{_quoted(text)} is not a Pulumi config key (e.g. wwwKey or project:wwwKey)",
    "private_key": lambda _: _PRIVATE_KEY_FORMS,
    "renames": lambda text: f"{text!r} is not a valid entry name",
    "former_name": lambda text: f"{text!r} is not a valid entry name",
}

# `required`: (field kind of the mapping, missing key) -> (message, reported on the mapping's own field path).
_REQUIRED = {
    ("root", "certificates"): (
        "missing; list the stack's certificates under 'certificates:' (an empty 'certificates:' deletes them all)",
        False,
    ),
    ("upload", "certificate"): ("missing; a PEM file path relative to the stack file, or inline PEM", False),
    ("upload", "private_key"): (
        "missing; an SVR certificate needs its private key ({config: ...}, {env: ...} or {file: ...}); "
        "set type: CA for a CA certificate",
        False,
    ),
    ("adopt", "id"): ("needs id: the certificate to adopt (e.g. {id: GjTNRoK7, take_over: true})", True),
    ("free", "domain"): ("missing; the domain to apply for, e.g. shop.example.com", False),
}

# Plain scalars YAML 1.1 (PyYAML's default) reads as booleans; this loader reads them as text.
_YAML11_BOOLEANS = {"y", "yes", "n", "no", "on", "off"}


def field_kind(loc: Loc) -> str:
    """The field a place in the data is: ``root``, ``entry``, ``tag``, ``flag``, ``duration``, ... or ``""``."""
    if not loc:
        return "root"
    if len(loc) == 1 and loc[0] in ("certificates", "defaults"):
        return str(loc[0])
    if loc[0] == "certificates" and len(loc) == 2:
        return "entry"
    if loc[0] == "release":
        return "released" if len(loc) == 1 else "former_name"
    rest = loc[2:] if loc[0] == "certificates" else loc[1:]
    if len(rest) == 2 and rest[0] == "tags":
        return "tag"
    keys = ["#" if isinstance(part, int) else str(part) for part in rest]
    if len(keys) > 1 and keys[0] == "deploy_regions":
        keys[1] = "*"  # a resource type
    # A key that itself holds a dot names no field (it must not read as the path it spells).
    return "" if any("." in key for key in keys) else _KINDS.get(".".join(keys), "")


def _written(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _boolean_message(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
        return f"must be true or false, not {describe(node)}"
    value = str(node.value)
    if node.style in ("'", '"'):
        return f"must be true or false (without quotes), not {value!r}"
    if value.lower() in _YAML11_BOOLEANS or value.lower() in ("true", "false"):
        meant = "true" if value.lower() in ("y", "yes", "on", "true") else "false"
        return (
            f"must be true or false, not {value!r}; write {meant} "
            "(YAML 1.1 would read it as a boolean, this file takes only true and false)"
        )
    return f"must be true or false, not {value!r}"


def _integer_message(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
        return f"must be an integer, not {describe(node)}"
    hint = "" if node.style in ("'", '"') else integer_hint(str(node.value))
    return f"must be an integer, not {str(node.value)!r}{hint}"


def type_message(kind: str, node: yaml.Node) -> str:
    """A value of the wrong type (or of no branch's type, for a field that takes several forms)."""
    if kind == "root":
        return f"the stack file must be a mapping with a 'certificates' key, not {describe(node)}"
    if kind == "entry" and node.tag == NULL:
        return "is empty; give one of upload, adopt or free"
    if kind == "flag":
        return _boolean_message(node)
    if kind == "project_id":
        return _integer_message(node)
    if kind == "duration" and node.tag == INT:
        return f"needs a unit: {node.value}s, or e.g. 10m or 1h30m"
    if kind in ("type", "validation"):
        return choice_message(kind, node)
    message = f"must be {_WHAT.get(kind, 'a mapping')}, not {describe(node)}"
    if kind in _TEXT_LIKE and node.tag in (INT, BOOL):
        message += f"; to mean the text, quote it: '{_written(node)}'"
    return message


def choice_message(kind: str, node: yaml.Node) -> str:
    """A value outside its ``enum``: one of the choices, spelled exactly (a case slip gets a "did you mean")."""
    field = by_key("type" if kind == "type" else "free.validation")
    choices: Sequence[str] = field.choices if field else ()
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
        return f"must be {' or '.join(choices)}, not {describe(node)}"
    value = _written(node)
    hint = next((c for c in choices if c.lower() == value.lower()), None)
    extra = f"; did you mean {hint!r}?" if hint else ""
    return f"must be one of {', '.join(choices)}, not {value!r}{extra}"


def value_message(kind: str, keyword: str, value: object, node: yaml.Node | None) -> str:
    """A value of the right type that breaks a ``pattern``, a length, a range, a ``const`` or a property count."""
    if keyword in ("minimum", "maximum") and kind == "project_id" and isinstance(value, int):
        return project_id_problem(value) or "must be a project id"
    if keyword == "const" and kind == "type":
        return "free certificates are always SVR"
    if keyword == "enum" and node is not None:
        return choice_message(kind, node)
    if keyword in ("minProperties", "maxProperties") and isinstance(value, dict):
        if kind == "private_key":
            return "give exactly one of config, env or file"
        return (
            f"has {len(value)} tags; at most {MAX_USER_TAGS} per certificate "
            f"(Tencent allows {MAX_TAGS}, the provider keeps {MAX_TAGS - MAX_USER_TAGS})"
        )
    text = _written(node) if node is not None and node.tag == INT else value
    rule = _RULES.get(kind)
    if rule is not None and isinstance(text, str | int) and not isinstance(text, bool):
        if kind == "renew_window" and isinstance(text, str) and text != text.strip() and not rule(text.strip()):
            return f"must be written without spaces around it: {text.strip()!r}"
        problem = rule(str(text))
        if problem:
            return problem
    if isinstance(text, str) and text != text.strip():
        return f"must be written without spaces around it: {text.strip()!r}"
    return f"must be {_WHAT.get(kind, 'a valid value')}"


def key_message(kind: str, key: str) -> str:
    """A key that breaks ``propertyNames``: an entry name or a tag key."""
    rule = {"certificates": _RULES["entry_name"], "deploy_regions": resource_type_problem}.get(kind, _RULES["tag_key"])
    return rule(key) or "is not a valid key"


def required_message(kind: str, missing: str) -> tuple[str, bool]:
    """A required key left out: the message and whether it names the mapping (True) or the missing key."""
    return _REQUIRED.get((kind, missing), ("missing", False))


def false_message(key: str, trigger: str) -> str:
    """A key the schema forbids because another one (``trigger``) is there: a second source, or both rename keys."""
    if key == "aliases":
        return "give renamed_from or aliases, not both"
    return f"give exactly one of upload, adopt or free (this entry also has {trigger!r})"


_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_BASE_PREFIX = re.compile(r"^[-+]?0([xob])([0-9a-f_]+)$", re.IGNORECASE)
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$")
_UNDERSCORES = re.compile(r"^[-+]?[0-9][0-9_]*$")


def integer_hint(value: str) -> str:
    """For a plain scalar YAML 1.1 would read as a number: what it would mean there and what to write here."""
    sign = "-" if value.startswith("-") else ""
    digits = value.lstrip("+-")
    if _LEADING_ZERO.match(value):
        decimal = int(digits.replace("_", ""))
        return f"; write {sign}{decimal}, without the leading zero (YAML 1.1 would read {value} as an octal number)"
    match = _BASE_PREFIX.match(value)
    if match:
        base = {"x": 16, "o": 8, "b": 2}[match.group(1).lower()]
        try:
            number = int(match.group(2).replace("_", ""), base)
        except ValueError:
            return ""
        return f"; write the decimal number {sign}{number}"
    if _SEXAGESIMAL.match(value):
        number = 0
        for part in digits.replace("_", "").split(":"):
            number = number * 60 + int(part)
        return f"; YAML 1.1 would read it as the base-60 number {sign}{number}; write a plain decimal number"
    if "_" in value and _UNDERSCORES.match(value):
        return f"; write it without underscores ({sign}{int(digits.replace('_', ''))})"
    if value.startswith("+") and digits.isdigit():
        return f"; write it without the plus sign ({digits})"
    return ""
