"""Parsing a stack file into a YAML node tree: a narrow scalar resolver and a composer with limits.

PyYAML's ``SafeLoader`` resolves plain scalars by YAML 1.1: ``no`` and ``on`` are booleans, ``010`` is the octal 8,
``1:20`` the base-60 number 80, ``0x1F`` and ``1_000`` numbers too. The stack file format says booleans are
``true``/``false`` and values are taken as written, so ``_Resolver`` knows only the few plain forms that mean one
thing in every YAML version: ``true``/``false``, decimal integers without a leading zero, ``~``/``null``/nothing, and
the ``<<`` merge key. Every other plain scalar is a string; the readers in ``_nodes`` then say what to write instead.

The composer is PyYAML's, with limits checked as it goes, so that no input, however hostile, reaches Python's
recursion limit or inflates through aliases: at most ``MAX_DEPTH`` levels of nesting (aliases included), no alias
inside the node it names, and at most ``MAX_ALIAS_EXPANSION`` of content repeated by aliases. Explicit tags other than
``!!str`` (``!!int``, ``!!binary``, ``!!python/object``, ``!vault``, ...) are kept in their short spelling, so that the
readers report them as unsupported; nothing here constructs Python objects.
"""

from __future__ import annotations

import re
from typing import cast

import yaml
from yaml.composer import Composer, ComposerError
from yaml.error import Mark
from yaml.events import AliasEvent, Event, NodeEvent, StreamEndEvent
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from ._files import size_text

__all__ = [
    "BOOL",
    "INT",
    "MAP",
    "MAX_ALIAS_EXPANSION",
    "MAX_DEPTH",
    "MERGE",
    "NULL",
    "SEQ",
    "STR",
    "YAML_TAG",
    "LimitError",
    "compose",
]

YAML_TAG = "tag:yaml.org,2002:"
STR, INT, BOOL, NULL, MERGE, MAP, SEQ = (YAML_TAG + t for t in ("str", "int", "bool", "null", "merge", "map", "seq"))

#: Nesting levels a stack file may use, counting what aliases bring in; a real file needs about six.
MAX_DEPTH = 32
#: How much content aliases may repeat in total (a copy of the anchored node per alias, scalars by their length, each
#: node counting 8): ample for shared option blocks, far too little for a "billion laughs" file.
MAX_ALIAS_EXPANSION = 16 << 20
_NODE_WEIGHT = 8


class LimitError(ComposerError):
    """Raised while composing when the document breaks one of the limits above (not a YAML syntax error)."""


class _Resolver(BaseResolver):
    """Plain scalars as YAML 1.2's core schema reads them, narrowed to one spelling each; the rest are strings."""


_Resolver.add_implicit_resolver(BOOL, re.compile(r"^(?:true|false)$"), list("tf"))
_Resolver.add_implicit_resolver(INT, re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
_Resolver.add_implicit_resolver(NULL, re.compile(r"^(?:~|null|)$"), ["~", "n", ""])
_Resolver.add_implicit_resolver(MERGE, re.compile(r"^<<$"), ["<"])

# The explicit tag each kind of node may carry: the one it has anyway (`!!str 010` is the same as '010').
_OWN_TAG = {yaml.ScalarNode: STR, yaml.SequenceNode: SEQ, yaml.MappingNode: MAP}


def shorthand(tag: str) -> str:
    """``tag:yaml.org,2002:int`` as ``!!int``; other tags as they are."""
    return "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag


def _mark(event: Event) -> Mark | None:
    """Where ``event`` starts, for a ``LimitError``."""
    # The stubs let an event's mark be libyaml's C mark too; this pure-Python loader only ever makes `yaml.error.Mark`.
    return cast("Mark | None", event.start_mark)


class _Loader(Reader, Scanner, Parser, Composer, _Resolver):
    """PyYAML's reader, scanner, parser and composer with ``_Resolver`` and the limits; no constructor."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)
        self.depth = 0  # of the node being composed; the root is 1
        self.heights: dict[int, int] = {}  # id(node) -> levels it spans, aliases included; set once it is complete
        self.weights: dict[int, int] = {}  # id(node) -> its size as if every alias in it were written out
        self.expanded = 0  # the weight aliases added so far

    def get_single_node(self) -> yaml.Node | None:
        self.get_event()  # STREAM-START
        document = None
        if not self.check_event(StreamEndEvent):
            document = self.compose_document()
        if not self.check_event(StreamEndEvent):
            # PyYAML's own wording ("but found another document") is hard to act on.
            event: Event = self.get_event()
            raise LimitError(
                None,
                None,
                "a second YAML document (after '---'); a stack file is one document, so remove the second '---' "
                "and what follows it, or merge the two",
                _mark(event),
            )
        self.get_event()  # STREAM-END
        return document

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event: NodeEvent = self.peek_event()  # compose_node is only called with a node event next
        if isinstance(event, AliasEvent):
            return self._alias(event)
        if event.anchor is not None and event.anchor in self.anchors:
            first = self.anchors[event.anchor].start_mark.line + 1
            raise LimitError(
                None, None, f"anchor &{event.anchor} is defined twice (first at line {first})", _mark(event)
            )
        if self.depth >= MAX_DEPTH:
            raise LimitError(
                None,
                None,
                f"nested more than {MAX_DEPTH} levels deep (a stack file needs about 6); check the brackets and "
                "indentation",
                _mark(event),
            )
        self.depth += 1
        try:
            # typeshed types `index` as int; PyYAML passes None (root, mapping keys), an int or the mapping key's node.
            node = super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self.depth -= 1
        assert node is not None  # PyYAML's compose_node always returns a node; its stubs say `Node | None`
        if isinstance(node, yaml.ScalarNode):
            children: list[yaml.Node] = []
            weight = _NODE_WEIGHT + len(node.value)
        else:
            children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
            weight = _NODE_WEIGHT + sum(self.weights[id(child)] for child in children)
        self.heights[id(node)] = 1 + max((self.heights[id(child)] for child in children), default=0)
        self.weights[id(node)] = weight
        tag: str | None = getattr(event, "tag", None)
        if tag not in (None, "!") and tag != _OWN_TAG[type(node)]:
            node.tag = shorthand(tag)  # not in the yaml.org namespace any more: the readers refuse it by name
        return node

    def _alias(self, event: AliasEvent) -> yaml.Node:
        node = self.anchors.get(event.anchor)
        if node is None:
            raise LimitError(None, None, f"alias *{event.anchor} names no anchor defined before it", _mark(event))
        height = self.heights.get(id(node))
        if height is None:
            raise LimitError(
                None,
                None,
                f"alias *{event.anchor} is inside the node &{event.anchor} it names (a recursive structure)",
                _mark(event),
            )
        if self.depth + height > MAX_DEPTH:
            raise LimitError(
                None,
                None,
                f"alias *{event.anchor} nests the document more than {MAX_DEPTH} levels deep",
                _mark(event),
            )
        self.expanded += self.weights[id(node)]
        if self.expanded > MAX_ALIAS_EXPANSION:
            raise LimitError(
                None,
                None,
                f"aliases repeat more than {size_text(MAX_ALIAS_EXPANSION)} of content (each *alias counts as a copy "
                "of its anchor); anchor small blocks only",
                _mark(event),
            )
        self.get_event()
        return node


def compose(text: str) -> yaml.Node | None:
    """The root node of ``text`` (None for an empty document); raises PyYAML's errors or ``LimitError``."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
