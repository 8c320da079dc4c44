"""Reading a YAML node tree with positions: every value keeps its line and column, every problem is collected.

Composed nodes (``_compose``), not constructed Python objects, carry marks, so a problem can name its exact place.
Keys written twice, which PyYAML would silently collapse to the last one, are reported with both lines; ``<<`` merge
keys are applied here as the YAML merge-key spec says (see ``NodeReader.mapping``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import yaml

from ._compose import BOOL, INT, MERGE, NULL, STR, YAML_TAG, LimitError, compose
from ._files import FileProblem, read_regular_file
from ._model import Problem

__all__ = ["MAX_STACK_FILE_BYTES", "STR", "Item", "NodeReader", "describe", "is_null", "join", "suggest"]

# A stack file is a few KiB, or a few MiB with many inline chains. PyYAML's pure-Python parser reads about 100 KiB/s
# of dense flow YAML, so this bound also bounds the time a hostile file can keep `pulumi preview` busy.
MAX_STACK_FILE_BYTES = 4 << 20

_TEXT_TAGS = {STR, INT, BOOL, MERGE}  # `<<` as a value is just text
# Plain scalars YAML 1.1 (PyYAML's default) reads as booleans; this loader reads them as text.
_YAML11_BOOLEANS = {"y", "yes", "n", "no", "on", "off"}
# What a double-quoted escape (\0, \e, \x9b, \ud800) can put in a string although the file itself may not hold it:
# control characters other than tab and line ends, and lone surrogates. None belongs in a name, path, PEM or tag, and
# each would break something downstream: a NUL the file system, a surrogate UTF-8, an ESC the terminal showing errors.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Keys end up in field paths, one problem per output line: no line ends or tabs either.
_BAD_KEY_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Item:
    """A mapping entry: its key node (for "unknown key" and "duplicate key") and its value node."""

    key: yaml.Node
    value: yaml.Node


def is_null(node: yaml.Node) -> bool:
    """Whether the node is an empty value (nothing, ``~`` or ``null``)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL


def describe(node: yaml.Node) -> str:
    """What the node is, for "must be X, not Y" messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {NULL: "empty", BOOL: "true/false", INT: "a number"}.get(node.tag, "a string")


def suggest(key: str, valid: Iterable[str]) -> str:
    """The "unknown key" message, naming the closest valid key or listing them all."""
    choices = sorted(valid)
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    # Abbreviations (`cert` for `certificate`) score low on similarity but are the commonest slip.
    close = close or [c for c in choices if len(key) >= 3 and (c.startswith(key) or key.startswith(c))][:1]
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; expected one of: {', '.join(choices)}"


def join(path: str, key: str) -> str:
    """``path.key``, or ``key`` at the top."""
    return f"{path}.{key}" if path else key


class NodeReader:
    """Typed reads of YAML nodes; each failed read records a ``Problem`` and returns None, so reading goes on."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        # id(mapping node) -> its (key, value) pairs after merges, or None when it has a bad merge key. A node is read
        # once however many aliases reach it: linear work, and each of its problems reported once.
        self._pairs: dict[int, list[tuple[yaml.ScalarNode, yaml.Node]] | None] = {}

    def add(self, where: yaml.Node | yaml.Mark | None, path: str, message: str) -> None:
        """Record a problem at a node (its start), a mark, or nowhere in particular."""
        mark = where.start_mark if isinstance(where, yaml.Node) else where
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        self.problems.append(Problem(self.file, line, column, path, message))

    def sorted_problems(self) -> list[Problem]:
        """The problems in file order, each once (an anchored node reached twice by the same path reports once)."""
        return sorted(dict.fromkeys(self.problems), key=lambda p: (p.line, p.column, p.field_path))

    # -- the document

    def read_document(self, path: Path) -> yaml.Node | None:
        """The root node of a UTF-8 YAML file, or None (a problem recorded, or the file is empty)."""
        try:
            data = read_regular_file(path, str(path), MAX_STACK_FILE_BYTES)
        except FileProblem as exc:
            # The problem's file is the path already; "not found (looked for ...)" would only repeat it.
            reason = "not found" if exc.reason.startswith("not found") else exc.reason
            self.add(None, "", f"stack file {reason}")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            message = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
            self.problems.append(Problem(self.file, line, column, "", message))
            return None
        try:
            return compose(text)
        except LimitError as exc:
            self.add(exc.problem_mark, "", str(exc.problem))
        except yaml.MarkedYAMLError as exc:
            # Only problem and context: PyYAML's own str() quotes the line, which may be inline key material.
            message = f"invalid YAML: {exc.problem or exc.context}"
            if exc.problem and exc.context and exc.context_mark is not None:
                message += f" ({exc.context} at line {exc.context_mark.line + 1})"
            self.add(exc.problem_mark or exc.context_mark, "", message)
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            message = f"invalid YAML: control character #x{exc.character:04x}"
            self.problems.append(Problem(self.file, line, column, "", message))
        return None

    # -- collections

    def tag_problem(self, node: yaml.Node, path: str) -> bool:
        """Report an explicit tag the format does not take (``!!int``, ``!!binary``, ``!vault``, ...); True if so."""
        if node.tag.startswith(YAML_TAG):
            return False
        advice = "write the value without it (in quotes for text)" if isinstance(node, yaml.ScalarNode) else "remove it"
        self.add(node, path, f"unsupported YAML tag {node.tag}; {advice}")
        return True

    def mapping(self, node: yaml.Node, path: str) -> dict[str, Item] | None:
        """The entries of a mapping, after reporting keys written twice and applying ``<<`` merge keys.

        Merge keys follow the YAML merge-key spec (yaml.org/type/merge.html), whatever PyYAML does: the mapping's own
        keys win over merged ones, and in ``<<: [*a, *b]`` a key of ``*a`` wins over the same key of ``*b``. A second
        ``<<`` in one mapping is an error (YAML would keep only one of them, silently).
        """
        if self.tag_problem(node, path):
            return None
        if not isinstance(node, yaml.MappingNode):
            self.add(node, path, f"must be a mapping, not {describe(node)}")
            return None
        pairs = self._merged_pairs(node, path)
        if pairs is None:
            return None
        return {key.value: Item(key, value) for key, value in pairs}

    def _merged_pairs(self, node: yaml.MappingNode, path: str) -> list[tuple[yaml.ScalarNode, yaml.Node]] | None:
        if id(node) in self._pairs:
            return self._pairs[id(node)]
        self._pairs[id(node)] = None  # no cycles (the composer refuses them), but never loop if one slipped through
        own: dict[str, tuple[yaml.ScalarNode, yaml.Node]] = {}
        merge: tuple[yaml.Node, yaml.Node] | None = None
        ok = True
        for key, value in node.value:
            if key.tag == MERGE:
                if merge is not None:
                    first = merge[0].start_mark.line + 1
                    self.add(
                        key,
                        path,
                        f"a second merge key (<<) in one mapping (first at line {first}); YAML would use only one; "
                        "merge several mappings with one key: <<: [*first, *second]",
                    )
                    ok = False
                else:
                    merge = (key, value)
                continue
            if not isinstance(key, yaml.ScalarNode):
                self.add(key, path, f"keys must be strings, not {describe(key)}")
                continue
            if self.tag_problem(key, path):
                continue
            if is_null(key) and not key.value:
                self.add(key, path, "a key is missing before ':'")
                continue
            if self.character_problem(key, path, "key"):
                continue
            if key.value in own:
                line = own[key.value][0].start_mark.line + 1
                message = f"duplicate key (first at line {line}); YAML would keep only the last"
                self.add(key, join(path, key.value), message)
                continue
            own[key.value] = (key, value)
        merged: dict[str, tuple[yaml.ScalarNode, yaml.Node]] = {}
        if merge is not None:
            sources = self._merge_sources(merge[1], path)
            if sources is None:
                ok = False
            for source in sources or ():
                source_pairs = self._merged_pairs(source, path)
                if source_pairs is None:
                    ok = False
                    continue
                for key, value in source_pairs:
                    merged.setdefault(key.value, (key, value))  # an earlier mapping wins over a later one
        pairs = None
        if ok:
            pairs = [pair for name, pair in merged.items() if name not in own] + list(own.values())
        self._pairs[id(node)] = pairs
        return pairs

    def _merge_sources(self, value: yaml.Node, path: str) -> list[yaml.MappingNode] | None:
        """The mappings a ``<<`` key merges, in order: one mapping, or a list of them (usually aliases)."""
        expected = "a mapping or a list of mappings (e.g. *base or [*prod, *base])"
        elements = value.value if isinstance(value, yaml.SequenceNode) else [value]
        if isinstance(value, yaml.SequenceNode) and self.tag_problem(value, path):
            return None
        sources: list[yaml.MappingNode] = []
        for element in elements:
            if not isinstance(element, yaml.MappingNode):
                self.add(element, path, f"invalid merge key (<<): must be {expected}, not {describe(element)}")
                return None
            if self.tag_problem(element, path):
                return None
            sources.append(element)
        return sources

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node] | None:
        """The elements of a list, or None (with a problem) for a list with an unsupported tag."""
        assert isinstance(node, yaml.SequenceNode)
        return None if self.tag_problem(node, path) else list(node.value)

    def unknown_keys(self, items: dict[str, Item], valid: Iterable[str], path: str) -> None:
        """Report every key not in ``valid``, suggesting the closest one."""
        valid = set(valid)
        for key, item in items.items():
            if key not in valid:
                self.add(item.key, join(path, key), suggest(key, valid))

    # -- scalars

    def _scalar(self, node: yaml.Node, path: str, expected: str) -> TypeGuard[yaml.ScalarNode]:
        if self.tag_problem(node, path):
            return False
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, path, f"must be {expected}, not {describe(node)}")
            return False
        return True

    def text(self, node: yaml.Node, path: str, *, what: str = "a string") -> str | None:
        """The scalar as written, so ``1.10`` stays "1.10" and ``on`` stays "on" (YAML 1.1 would say 1.1 and True)."""
        if not self._scalar(node, path, what):
            return None
        if node.tag == NULL:
            self.add(node, path, f"must be {what}, not empty")
            return None
        if node.tag not in _TEXT_TAGS:
            self.add(node, path, f"must be {what}, not {shorthand_of(node)}")
            return None
        if self.character_problem(node, path):
            return None
        return str(node.value)

    def ruled_text(
        self, node: yaml.Node, path: str, rule: Callable[[str], str | None], *, what: str = "a string"
    ) -> str | None:
        """``text`` that must also pass ``rule`` (a ``provider.rules`` check returning a problem or ``None``)."""
        value = self.text(node, path, what=what)
        if value is None:
            return None
        problem = rule(value)
        if problem:
            self.add(node, path, problem)
            return None
        return value

    def character_problem(self, node: yaml.ScalarNode, path: str, what: str = "value") -> bool:
        """Report a control character or lone surrogate in a scalar (never quoting it: it may be key material)."""
        match = (_BAD_KEY_CHARACTER if what == "key" else _BAD_CHARACTER).search(node.value)
        if match is None:
            return False
        code = ord(match.group())
        kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
        kind = "a tab or line break" if code in (9, 10, 13) else kind
        self.add(node, path, f"the {what} contains {kind} (U+{code:04X}), likely from a \\ escape; remove it")
        return True

    def boolean(self, node: yaml.Node, path: str) -> bool | None:
        """``true`` or ``false``, nothing else (YAML 1.1's yes/no/on/off/y/n are refused, not guessed)."""
        if not self._scalar(node, path, "true or false"):
            return None
        if node.tag != BOOL:
            value = str(node.value)
            if node.tag == NULL:
                message = "must be true or false, not empty"
            elif node.style in ("'", '"'):
                message = f"must be true or false (without quotes), not {value!r}"
            elif value.lower() in _YAML11_BOOLEANS or value.lower() in ("true", "false"):
                meant = "true" if value.lower() in ("y", "yes", "on", "true") else "false"
                message = (
                    f"must be true or false, not {value!r}; write {meant} "
                    "(YAML 1.1 would read it as a boolean, this file takes only true and false)"
                )
            else:
                message = f"must be true or false, not {value!r}"
            self.add(node, path, message)
            return None
        return str(node.value) == "true"

    def integer(self, node: yaml.Node, path: str) -> int | None:
        """A decimal integer as written: ``0``, ``42``, ``-1``; no leading zero, sign, underscore, base or exponent."""
        if not self._scalar(node, path, "an integer"):
            return None
        if node.tag != INT:
            if node.tag == NULL:
                self.add(node, path, "must be an integer, not empty")
            else:
                hint = "" if node.style in ("'", '"') else integer_hint(str(node.value))
                self.add(node, path, f"must be an integer, not {node.value!r}{hint}")
            return None
        return int(node.value)

    def choice(self, node: yaml.Node, path: str, choices: Sequence[str]) -> str | None:
        """One of ``choices``, spelled exactly (a case slip gets a "did you mean")."""
        value = self.text(node, path, what=" or ".join(choices))
        if value is None:
            return None
        if value not in choices:
            hint = next((c for c in choices if c.lower() == value.lower()), None)
            extra = f"; did you mean {hint!r}?" if hint else ""
            self.add(node, path, f"must be one of {', '.join(choices)}, not {value!r}{extra}")
            return None
        return value


def shorthand_of(node: yaml.Node) -> str:
    """A node's tag as ``!!name``."""
    return "!!" + node.tag.removeprefix(YAML_TAG)


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
