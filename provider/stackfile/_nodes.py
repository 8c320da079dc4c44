"""Reading a YAML node tree with positions: every value keeps its line and column, every problem is collected.

PyYAML's composed nodes (not constructed Python objects) carry marks, so a problem can name its exact place. Keys
written twice, which PyYAML would silently collapse to the last one, are reported with both lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ._files import FileProblem, read_regular_file
from ._model import Problem

__all__ = ["MAX_STACK_FILE_BYTES", "Item", "NodeReader", "describe", "is_null", "join", "suggest"]

# A stack file is a few KiB, or a few MiB with many inline chains. PyYAML's pure-Python parser reads about 100 KiB/s
# of dense flow YAML, so this bound also bounds the time a hostile file can keep `pulumi preview` busy.
MAX_STACK_FILE_BYTES = 4 << 20

_YAML_TAG = "tag:yaml.org,2002:"
STR, INT, BOOL, NULL, FLOAT = (_YAML_TAG + t for t in ("str", "int", "bool", "null", "float"))
MERGE = _YAML_TAG + "merge"
_TEXT_TAGS = {STR, INT, FLOAT, BOOL, _YAML_TAG + "timestamp"}


class _NodeLoader(yaml.SafeLoader):
    """Composes the node tree only, with the safe resolvers; a subclass, so nothing changes ``yaml.SafeLoader``."""


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
    return {NULL: "empty", BOOL: "true/false", INT: "a number", FLOAT: "a number"}.get(node.tag, "a string")


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
        self.constructor = yaml.constructor.SafeConstructor()

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
            return yaml.compose(text, Loader=_NodeLoader)
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

    def mapping(self, node: yaml.Node, path: str) -> dict[str, Item] | None:
        """The entries of a mapping, after reporting keys written twice and applying ``<<`` merge keys."""
        if not isinstance(node, yaml.MappingNode):
            self.add(node, path, f"must be a mapping, not {describe(node)}")
            return None
        first: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(key_node, path, f"keys must be strings, not {describe(key_node)}")
                continue
            name = key_node.value
            if name in first:
                line = first[name].start_mark.line + 1
                self.add(
                    key_node, join(path, name), f"duplicate key (first at line {line}); YAML would keep only the last"
                )
            else:
                first[name] = key_node
        if any(k.tag == MERGE for k, _ in node.value):
            try:
                # Merged keys go first, so the mapping's own keys win, as YAML's merge key specifies.
                self.constructor.flatten_mapping(node)
            except yaml.constructor.ConstructorError as exc:
                self.add(exc.problem_mark, path, f"invalid merge key (<<): {exc.problem}")
                return None
        return {k.value: Item(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}

    def unknown_keys(self, items: dict[str, Item], valid: Iterable[str], path: str) -> None:
        """Report every key not in ``valid``, suggesting the closest one."""
        valid = set(valid)
        for key, item in items.items():
            if key not in valid:
                self.add(item.key, join(path, key), suggest(key, valid))

    # -- scalars

    def _scalar(self, node: yaml.Node, path: str, expected: str) -> bool:
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, path, f"must be {expected}, not {describe(node)}")
            return False
        if not node.tag.startswith(_YAML_TAG):
            self.add(node, path, f"unsupported YAML tag {node.tag}")
            return False
        return True

    def text(self, node: yaml.Node, path: str, *, what: str = "a string") -> str | None:
        """The scalar as written, so ``1.10`` stays "1.10" and ``on`` stays "on" (YAML would say 1.1 and True)."""
        if not self._scalar(node, path, what):
            return None
        if node.tag == NULL:
            self.add(node, path, f"must be {what}, not empty")
            return None
        if node.tag not in _TEXT_TAGS:
            self.add(node, path, f"must be {what}, not {node.tag.removeprefix(_YAML_TAG)}")
            return None
        return str(node.value)

    def boolean(self, node: yaml.Node, path: str) -> bool | None:
        """``true`` or ``false``."""
        if not self._scalar(node, path, "true or false"):
            return None
        if node.tag != BOOL:
            quoted = " (without quotes)" if node.style in ("'", '"') else ""
            self.add(node, path, f"must be true or false{quoted}, not {node.value!r}")
            return None
        return bool(self.constructor.construct_yaml_bool(node))

    def integer(self, node: yaml.Node, path: str) -> int | None:
        """An integer."""
        if not self._scalar(node, path, "an integer"):
            return None
        if node.tag != INT:
            self.add(node, path, f"must be an integer, not {node.value!r}")
            return None
        return int(self.constructor.construct_yaml_int(node))

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
