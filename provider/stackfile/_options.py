"""Reading the options an entry and ``defaults`` share: durations, project, tags, alias, flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from ..rules import (
    MAX_TAGS,
    MAX_USER_TAGS,
    alias_problem,
    parse_duration,
    tag_key_problem,
    tag_value_problem,
    timeout_problem,
)
from ._nodes import Item, is_null, join
from ._sources import SourceReader

__all__ = ["OptionReader"]


class OptionReader(SourceReader):
    """Node reads for the options; ``option(key, ...)`` dispatches on the option's name."""

    def option(self, key: str, node: yaml.Node, path: str) -> Any:
        readers: dict[str, Callable[[yaml.Node, str], Any]] = {
            "project_id": self.project_id,
            "tags": self.tags,
            "check_resources": self.boolean,
            "rotate": self.boolean,
            "delete_timeout": self.duration,
            "create_timeout": self.duration,
            "retain": self.boolean,
            "protect": self.boolean,
            "allow_expired": self.boolean,
        }
        return readers[key](node, path)

    def duration(self, node: yaml.Node, path: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int"):
            self.add(node, path, f"needs a unit: {node.value}s, or e.g. 10m or 1h30m")
            return None
        value = self.text(node, path, what="a duration such as 90s, 10m or 1h30m")
        if value is None:
            return None
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return None
        problem = timeout_problem(seconds)
        if problem:
            self.add(node, path, f"{problem}, not {value!r}")
            return None
        return seconds

    def project_id(self, node: yaml.Node, path: str) -> int | None:
        value = self.integer(node, path)
        if value is not None and not 0 <= value < 2**31:
            self.add(node, path, "must be a project id: 0 (the default project) or a positive integer")
            return None
        return value

    def tags(self, node: yaml.Node, path: str) -> dict[str, str | None] | None:
        """Tag key -> value; None as a value means "remove the tag the defaults set"."""
        if is_null(node):
            return {}
        items = self.mapping(node, path)
        if items is None:
            return None
        tags: dict[str, str | None] = {}
        for key, item in items.items():
            problem = tag_key_problem(key)
            if problem:
                self.add(item.key, join(path, key), problem)
                continue
            if is_null(item.value):
                tags[key] = None
                continue
            value = self.text(item.value, join(path, key), what="a tag value")
            if value is None:
                continue
            problem = tag_value_problem(value)
            if problem:
                self.add(item.value, join(path, key), problem)
                continue
            tags[key] = value
        if len(tags) > MAX_USER_TAGS:
            message = (
                f"has {len(tags)} tags; at most {MAX_USER_TAGS} per certificate "
                f"(Tencent allows {MAX_TAGS}, the provider keeps {MAX_TAGS - MAX_USER_TAGS})"
            )
            self.add(node, path, message)
        return tags

    def alias(self, node: yaml.Node, path: str) -> str | None:
        if is_null(node):
            return ""
        return self.ruled_text(node, path, alias_problem)

    def merged_tags(
        self,
        own: dict[str, str | None] | None,
        inherited: dict[str, str | None] | None,
        item: Item | None,
        path: str,
    ) -> dict[str, str] | None:
        """The defaults' tags overlaid with the entry's, key by key; ``key: ~`` in the entry removes a default."""
        if own is None:
            return None  # the entry's tags have a problem, already reported
        merged = {k: v for k, v in (inherited or {}).items() if v is not None}
        for key, value in own.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if item is not None and len(own) <= MAX_USER_TAGS < len(merged):
            message = f"has {len(merged)} tags with the defaults merged in; at most {MAX_USER_TAGS} per certificate"
            self.add(item.value, path, message)
        return merged
