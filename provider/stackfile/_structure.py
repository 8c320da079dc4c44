"""The stack file's structure, judged by its JSON Schema: every schema error becomes a ``Problem`` at its YAML node.

``check_structure`` runs the schema of ``_schema`` (the one editors use, ``stacks/stack.schema.json``) over the plain
data of the file and words each error as ``_wording`` says, at the node the error is about: a key for an unknown key
or a bad entry name, the key naming a mapping for a missing key, the value otherwise. A failed ``anyOf``/``oneOf``
is reported by the branch whose type the value has (a string given as ``free:`` fails as a domain, a mapping as the
mapping form), or as a type error when no branch takes the value's type. Each place is reported once, and is flagged
so that the checks the schema cannot make (files, keys, clashes between entries) leave it alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from ._compose import NULL
from ._nodes import Loc, NodeReader, field_path, suggest
from ._schema import json_schema
from ._wording import (
    false_message,
    field_kind,
    key_message,
    required_message,
    type_message,
    value_message,
)

__all__ = ["check_structure"]


def python_pattern(pattern: str) -> str:
    """An ECMA-262 ``pattern`` for Python's ``re``: each ``$`` outside a character class as ``\\Z``.

    In JSON Schema (ECMA-262), ``$`` matches only at the end of the text; in Python it also matches before a final
    line break, so ``^[0-9]+d$`` would take "30d\\n", which editors refuse and ``check()`` refuses too.
    """
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "$":
            out.append("\\Z")
            continue
        out.append(ch)
    return "".join(out)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not re.search(python_pattern(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_SCHEMA = json_schema()
_VALIDATOR = validators.extend(Draft202012Validator, {"pattern": _pattern})(_SCHEMA)


@dataclass(frozen=True)
class _Finding:
    """One problem the schema found: about ``at`` (its key node if ``on_key``), flagging ``flag``."""

    at: Loc
    field: str
    message: str
    on_key: bool = False
    flag: Loc | None = None
    hides: bool = False  # nothing at or below `at` is reported as well (a bad tag key's value, say)


def check_structure(reader: NodeReader, data: Any) -> None:
    """Report every structural problem of ``data`` (the file's plain data) at its node, and flag its place."""
    judge = _Judge(reader)
    findings = [finding for error in _VALIDATOR.iter_errors(data) for finding in judge.word(error)]
    findings = [f for f in findings if not reader.poisoned_on(f.at)]
    hidden = [f.at for f in findings if f.hides]
    seen: set[tuple[Loc, bool, str]] = set()
    for finding in findings:
        if not finding.hides and any(finding.at[: len(h)] == h for h in hidden):
            continue
        if (finding.at, finding.on_key, finding.field) in seen:
            continue  # one problem per place: a value outside `enum` is not also reported against `const`
        seen.add((finding.at, finding.on_key, finding.field))
        key, node = reader.locate(finding.at)
        empty = isinstance(node, yaml.ScalarNode) and node.tag == NULL and not node.value
        where = key if key is not None and (finding.on_key or empty) else node
        reader.add(where, finding.field, finding.message)
        if finding.flag is not None:
            reader.flag(finding.flag)


class _Judge:
    """Words schema errors, reading the nodes of the places they are about."""

    def __init__(self, reader: NodeReader) -> None:
        self.reader = reader

    def node(self, loc: Loc) -> yaml.Node:
        return self.reader.locate(loc)[1]

    def word(self, error: ValidationError) -> Iterator[_Finding]:
        loc: Loc = tuple(error.absolute_path)
        kind = field_kind(loc)
        keyword = error.validator
        if "propertyNames" in error.relative_schema_path:
            key = str(error.instance)
            # A bad entry name does not stop the entry from being read; a bad tag key hides its value.
            flag = None if kind == "certificates" else loc + (key,)
            yield _Finding(loc + (key,), field_path(loc + (key,)), key_message(kind, key), True, flag, flag is not None)
        elif keyword in ("anyOf", "oneOf"):
            yield from self.branches(error, loc, kind)
        elif keyword == "required":
            missing = next(k for k in error.validator_value if error.message.startswith(f"{k!r} "))
            message, on_mapping = required_message(kind, missing)
            yield _Finding(loc, field_path(loc if on_mapping else loc + (missing,)), message, True, loc + (missing,))
        elif keyword == "additionalProperties":
            yield from self.unknown_keys(error, loc, kind)
        elif keyword is None:  # a `false` schema: a key another key excludes
            # jsonschema leaves the excluded key out of both paths, so the keys are found from the trigger.
            schema_path = list(error.relative_schema_path)
            trigger = str(schema_path[schema_path.index("dependentSchemas") + 1])
            excluded = _SCHEMA["$defs"]["certificate"]["dependentSchemas"][trigger]["properties"]
            for key in excluded:
                if key in self.reader.keys_at(loc):
                    at = loc + (key,)
                    # `aliases` next to `renamed_from` is not read at all; a second source is still checked.
                    yield _Finding(at, field_path(at), false_message(key, trigger), True, at, key == "aliases")
        elif keyword == "uniqueItems":
            index = _first_repeat(list(error.instance))
            message = f"{error.instance[index]!r} is listed twice"
            yield _Finding(loc + (index,), field_path(loc), message, flag=loc + (index,))
        elif keyword == "type":
            yield _Finding(loc, field_path(loc), type_message(kind, self.node(loc)), flag=loc)
        else:
            message = value_message(kind, str(keyword), error.instance, self.node(loc))
            yield _Finding(loc, field_path(loc), message, flag=loc)

    def branches(self, error: ValidationError, loc: Loc, kind: str) -> Iterator[_Finding]:
        """A value no branch of an ``anyOf``/``oneOf`` takes: the errors of the branch of its type, if one is."""
        context = list(error.context or ())
        if context and all(sub.validator == "required" and tuple(sub.absolute_path) == loc for sub in context):
            names = [branch["required"][0] for branch in error.validator_value]
            message = f"needs one of {', '.join(names[:-1])} or {names[-1]}"
            yield _Finding(loc, field_path(loc), message, True)
            return
        by_branch: dict[int, list[ValidationError]] = {}
        for sub in context:
            by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        fitting = [subs for _, subs in sorted(by_branch.items()) if not _type_failed(subs, loc)]
        if not fitting:
            yield _Finding(loc, field_path(loc), type_message(kind, self.node(loc)), flag=loc)
            return
        for sub in fitting[0]:
            yield from self.word(sub)

    def unknown_keys(self, error: ValidationError, loc: Loc, kind: str) -> Iterator[_Finding]:
        """One problem per key the schema does not declare, at the key, naming the closest declared one."""
        allowed = _declared(error.schema)
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        entry_keys = _declared(_SCHEMA["$defs"]["certificate"])
        for key in error.instance:
            if key in allowed or any(p.search(key) for p in patterns):
                continue
            if kind == "defaults" and key in entry_keys:
                message = f"cannot be a default; set {key!r} in each certificate"
            else:
                message = suggest(key, allowed)
            yield _Finding(loc + (key,), field_path(loc + (key,)), message, True, loc + (key,))


def _type_failed(errors: list[ValidationError], loc: Loc) -> bool:
    """Whether a branch's errors say the value is not of the branch's type (also through nested branches)."""
    for sub in errors:
        if tuple(sub.absolute_path) != loc:
            continue
        if sub.validator == "type":
            return True
        if sub.validator in ("anyOf", "oneOf"):
            by_branch: dict[int, list[ValidationError]] = {}
            for nested in sub.context or ():
                by_branch.setdefault(int(nested.relative_schema_path[0]), []).append(nested)
            if by_branch and all(_type_failed(subs, loc) for subs in by_branch.values()):
                return True
    return False


def _first_repeat(items: list[Any]) -> int:
    """The index of the first item equal to an earlier one (by ``repr``: 1 and true stay apart, as in jsonschema)."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if repr(item) in seen:
            return index
        seen.add(repr(item))
    raise ValueError("no item is repeated")


def _declared(schema: dict[str, Any]) -> set[str]:
    """The property names a schema declares."""
    return set(schema.get("properties", {}))
