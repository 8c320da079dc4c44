"""The options an entry and ``defaults`` share, past the schema: durations in seconds, tags as written and merged."""

from __future__ import annotations

from typing import Any

from ..fields import by_key
from ..rules import (
    MAX_USER_TAGS,
    parse_duration,
    renew_window_problem,
    tag_key_problem,
    tag_value_problem,
    timeout_problem,
)
from ._nodes import Loc
from ._sources import SourceReader

__all__ = ["OptionReader"]


class OptionReader(SourceReader):
    """Option values the schema has passed, as the spec holds them; ``option(key, ...)`` dispatches on the field's kind
    (``provider.fields``)."""

    def option(self, key: str, value: Any, loc: Loc) -> Any:
        field = by_key(key)
        kind = field.kind if field else ""
        if kind == "tags":
            return self.tags(value, loc)
        if kind == "duration":
            return self.duration(value, loc)
        if kind == "window":
            if value == "":
                return value  # none
            problem = renew_window_problem(value)
            if problem:
                self.report(loc, problem)
                return None
            return value.strip()
        if kind == "regions":
            return {resource_type: tuple(regions) for resource_type, regions in value.items()}
        return value  # project_id and the flags: an int and booleans, as the schema says

    def duration(self, value: str, loc: Loc) -> int | None:
        """Seconds, from a duration the schema has seen has units; between 1s and 24h."""
        seconds = parse_duration(value)
        problem = timeout_problem(seconds)
        if problem:
            self.report(loc, f"{problem}, not {value!r}")
            return None
        return seconds

    def tags(self, value: dict[str, Any] | None, loc: Loc) -> dict[str, str | None]:
        """Tag key -> value as written (``1.10`` stays "1.10"); None as a value means "remove the default's tag".

        The schema's patterns cover ASCII; Tencent's rules (letters and digits of any script, a few specials) are
        applied here to what they let through.
        """
        tags: dict[str, str | None] = {}
        for key, tag in (value or {}).items():
            tag_loc = loc + (key,)
            if not self.clean(tag_loc):
                continue
            problem = tag_key_problem(key)
            if problem:
                self.report(tag_loc, problem, on_key=True)
                continue
            if tag is None:
                tags[key] = None
                continue
            text = self.written(tag_loc)
            problem = tag_value_problem(text)
            if problem:
                self.report(tag_loc, problem)
                continue
            tags[key] = text
        return tags

    def merged_tags(
        self, own: dict[str, str | None], inherited: dict[str, str | None] | None, loc: Loc | None
    ) -> dict[str, str]:
        """The defaults' tags overlaid with the entry's, key by key; ``key: ~`` in the entry removes a default."""
        merged = {k: v for k, v in (inherited or {}).items() if v is not None}
        for key, value in own.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if loc is not None and len(own) <= MAX_USER_TAGS < len(merged):
            message = f"has {len(merged)} tags with the defaults merged in; at most {MAX_USER_TAGS} per certificate"
            self.report(loc, message)
        return merged
