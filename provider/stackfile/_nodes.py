"""Reading a YAML node tree with positions, and turning it into plain data the JSON Schema can judge.

Composed nodes (``_compose``), not constructed Python objects, carry marks, so a problem can name its exact place.
``NodeReader.plain`` turns the tree into dicts, lists, strings, integers, booleans and None, by the loader's narrow
resolver, and ``locate`` leads from a place in that data (a ``Loc``) back to its node. What YAML itself gets wrong is
reported here, before any schema sees the data: keys written twice (which PyYAML would silently collapse to the last
one, reported with both lines), ``<<`` merge keys (applied as the YAML merge-key spec says, see ``_merged_pairs``),
explicit tags, control characters from escapes. A value with such a problem becomes None and its node is
*poisoned*: nothing below it is judged again.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ._compose import BOOL, INT, MERGE, NULL, YAML_TAG, LimitError, compose
from ._files import FileProblem, read_regular_file
from ._model import Problem

__all__ = ["MAX_STACK_FILE_BYTES", "Loc", "NodeReader", "describe", "field_path", "is_null", "join", "suggest"]

#: Where a value is in the stack file's data: the keys and list indexes leading to it from the top.
Loc = tuple[str | int, ...]

# A stack file is a few KiB, or a few MiB with many inline chains. PyYAML's pure-Python parser reads about 100 KiB/s
# of dense flow YAML, so this bound also bounds the time a hostile file can keep `pulumi preview` busy.
MAX_STACK_FILE_BYTES = 4 << 20

# What a double-quoted escape (\0, \e, \x9b, \ud800) can put in a string although the file itself may not hold it:
# control characters other than tab and line ends, and lone surrogates. None belongs in a name, path, PEM or tag, and
# each would break something downstream: a NUL the file system, a surrogate UTF-8, an ESC the terminal showing errors.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Keys end up in field paths, one problem per output line: no line ends or tabs either.
_BAD_KEY_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


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


def field_path(loc: Loc) -> str:
    """The field path problems name: the keys, without list indexes (``certificates.www.renamed_from``)."""
    return ".".join(part for part in loc if isinstance(part, str))


class NodeReader:
    """A YAML node tree as plain data, with the way back from data to nodes; every problem found is collected."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        # id(mapping node) -> its (key, value) pairs after merges, or None when it has a bad merge key. A node is read
        # once however many aliases reach it: linear work, and each of its problems reported once.
        self._pairs: dict[int, list[tuple[yaml.ScalarNode, yaml.Node]] | None] = {}
        self._keyed: dict[int, dict[str, tuple[yaml.ScalarNode, yaml.Node]]] = {}
        self._plain: dict[int, Any] = {}  # id(node) -> its data, shared by every alias of the node
        self.poisoned: set[int] = set()  # ids of nodes with a YAML problem: their data is None, never judged
        self.tainted: set[int] = set()  # ids of nodes with a poisoned node at or below them
        self.root: yaml.Node | None = None
        self._flagged: set[Loc] = set()  # places with a structural problem, reported: not judged again
        self._above_flagged: set[Loc] = set()  # every place with a flagged place strictly below it

    def add(self, where: yaml.Node | yaml.Mark | None, path: str, message: str) -> None:
        """Record a problem at a node (its start), a mark, or nowhere in particular."""
        mark = where.start_mark if isinstance(where, yaml.Node) else where
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        self.problems.append(Problem(self.file, line, column, path, message))

    def report(self, loc: Loc, message: str, *, on_key: bool = False) -> None:
        """Record a problem about a place in the data, at its value node or (``on_key``) its key node."""
        key, node = self.locate(loc)
        self.add(key if on_key and key is not None else node, field_path(loc), message)

    def flag(self, loc: Loc) -> None:
        """Mark a place as reported by the structural check, so that no later check judges it again."""
        self._flagged.add(loc)
        self._above_flagged.update(loc[:index] for index in range(len(loc)))

    def blocked(self, loc: Loc) -> bool:
        """Whether the place, or one above it, was flagged or poisoned: its data cannot be trusted."""
        return any(loc[:index] in self._flagged for index in range(len(loc) + 1)) or self.poisoned_on(loc)

    def clean(self, loc: Loc) -> bool:
        """Whether the value at a place has passed the structural check, all of it: it may be judged further."""
        return not self.blocked(loc) and loc not in self._above_flagged and id(self.locate(loc)[1]) not in self.tainted

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

    # -- plain data, and back

    def plain(self, node: yaml.Node, path: str) -> Any:
        """The node as dicts, lists, str, int, bool and None; None (and poisoned) where YAML itself has a problem.

        ``path`` names the field in problems. Each node is converted once, however many aliases reach it.
        """
        if id(node) not in self._plain:
            self._plain[id(node)] = None  # no cycles (the composer refuses them), but never loop if one slipped in
            self._plain[id(node)] = self._convert(node, path)
        return self._plain[id(node)]

    def _convert(self, node: yaml.Node, path: str) -> Any:
        if self.tag_problem(node, path):
            return self._poison(node)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == NULL:
                return None
            if node.tag == BOOL:
                return node.value == "true"
            if node.tag == INT:
                return int(node.value)
            return self._poison(node) if self.character_problem(node, path) else str(node.value)
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
            value: Any = [self.plain(child, path) for child in children]
        else:
            assert isinstance(node, yaml.MappingNode)
            pairs = self._merged_pairs(node, path)
            if pairs is None:
                return self._poison(node)
            children = [child for _, child in pairs]
            value = {key.value: self.plain(child, join(path, key.value)) for key, child in pairs}
        if any(id(child) in self.tainted for child in children):
            self.tainted.add(id(node))
        return value

    def _poison(self, node: yaml.Node) -> None:
        self.poisoned.add(id(node))
        self.tainted.add(id(node))

    def locate(self, loc: Loc) -> tuple[yaml.Node | None, yaml.Node]:
        """The key node (None at the top and in lists) and the value node of a place in the data."""
        key: yaml.Node | None = None
        node = self.root
        assert node is not None
        for part in loc:
            if isinstance(part, int):
                assert isinstance(node, yaml.SequenceNode)
                key, node = None, node.value[part]
            else:
                key, node = self._keys(node)[part]
        return key, node

    def keys_at(self, loc: Loc) -> set[str]:
        """The keys of the mapping at a place (after merges)."""
        return set(self._keys(self.locate(loc)[1]))

    def _keys(self, node: yaml.Node) -> dict[str, tuple[yaml.ScalarNode, yaml.Node]]:
        if id(node) not in self._keyed:
            self._keyed[id(node)] = {key.value: (key, value) for key, value in self._pairs.get(id(node)) or ()}
        return self._keyed[id(node)]

    def poisoned_on(self, loc: Loc) -> bool:
        """Whether a node on the way to ``loc`` (``loc`` included) has a YAML problem, or ``loc`` is not there."""
        if not self.poisoned:
            return False  # the common case, and `loc` always comes from the data
        node = self.root
        for index in range(len(loc) + 1):
            if node is None or id(node) in self.poisoned:
                return True
            if index < len(loc):
                part = loc[index]
                if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                    node = node.value[part]
                else:
                    pair = self._keys(node).get(part) if isinstance(part, str) else None
                    node = pair[1] if pair else None
        return False

    def written(self, loc: Loc) -> str:
        """A scalar as written, so ``1.10`` stays "1.10" and ``on`` stays "on"; "" for an empty value."""
        node = self.locate(loc)[1]
        assert isinstance(node, yaml.ScalarNode)
        return "" if node.tag == NULL else str(node.value)

    # -- collections

    def tag_problem(self, node: yaml.Node, path: str) -> bool:
        """Report an explicit tag the format does not take (``!!int``, ``!!binary``, ``!vault``, ...); True if so."""
        if node.tag.startswith(YAML_TAG):
            return False
        advice = "write the value without it (in quotes for text)" if isinstance(node, yaml.ScalarNode) else "remove it"
        self.add(node, path, f"unsupported YAML tag {node.tag}; {advice}")
        return True

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
