"""Several stacks in one review: which stacks ``--stack`` names (globs against ``pulumi stack ls``), and one
comment or JSON document saying which of them a change touches, then each stack's own review.

A team keeps one stack per environment (and account, region); a pull request that edits a shared file, or several
stack files, changes several of them. Each stack is reviewed exactly as alone; this module only chooses and joins.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from typing import Any

from .jsonfmt import SCHEMA_VERSION, review_document
from .markdown import render_markdown
from .model import EXIT_OK, Review

__all__ = ["is_pattern", "match_stacks", "render_many_json", "render_many_markdown", "stack_names", "worst_exit"]

_GLOB = frozenset("*?[")


def is_pattern(text: str) -> bool:
    """Whether a ``--stack`` value is a glob (``prod-*``) rather than one stack's name."""
    return any(ch in _GLOB for ch in text)


def stack_names(stack_ls_json: str) -> list[str]:
    """The stack names in the output of ``pulumi stack ls --json`` (a list of objects with ``name``)."""
    try:
        listed = json.loads(stack_ls_json)
    except ValueError as error:
        raise ValueError(f"`pulumi stack ls --json` printed no JSON: {error}") from None
    if not isinstance(listed, list):
        raise ValueError("`pulumi stack ls --json` printed something other than a list")
    return [str(s["name"]) for s in listed if isinstance(s, dict) and isinstance(s.get("name"), str)]


def match_stacks(wanted: Sequence[str], available: Iterable[str]) -> list[str]:
    """The stacks ``wanted`` names, in the order given, each once; a glob matches the ``available`` names (a
    fully qualified ``org/project/stack`` name matches by its last part too). A glob matching nothing is an error,
    so that a typo never reviews nothing and passes."""
    names = list(available)
    chosen: list[str] = []
    for value in wanted:
        if not is_pattern(value):
            found = [value]
        else:
            found = sorted(n for n in names if fnmatch.fnmatchcase(n, value) or fnmatch.fnmatchcase(_short(n), value))
            if not found:
                listed = ", ".join(sorted(names)) or "none"
                raise ValueError(f"--stack {value!r} matches no stack (the stacks: {listed})")
        chosen += [n for n in found if n not in chosen]
    return chosen


def worst_exit(reviews: Iterable[Review]) -> int:
    """The exit status of the whole run: 2 when something planned on any stack will be refused."""
    return max((r.exit_code for r in reviews), default=EXIT_OK)


def _touched(reviews: Sequence[Review]) -> tuple[list[str], list[str]]:
    return [r.stack for r in reviews if r.rows], [r.stack for r in reviews if not r.rows]


def render_many_markdown(reviews: Sequence[Review], max_chars: int) -> str:
    """One comment: which stacks the change touches, then each stack's review, each within its share of
    ``max_chars``."""
    touched, untouched = _touched(reviews)
    names = ",".join(r.stack for r in reviews)
    lines = [f"<!-- tencent-ssl-review stacks={_clean(names)} -->", f"## Certificates on {len(reviews)} stacks", ""]
    if touched:
        lines.append("This change touches " + ", ".join(f"`{_clean(s)}`" for s in touched) + ".")
    else:
        lines.append("This change touches no stack's certificates.")
    if untouched:
        lines.append("No change on " + ", ".join(f"`{_clean(s)}`" for s in untouched) + ".")
    head = "\n".join(lines) + "\n"
    share = max(1000, (max_chars - len(head)) // max(1, len(touched)))
    parts = [head] + [render_markdown(r, max_chars=share) for r in reviews if r.rows]
    return "\n".join(parts)


def render_many_json(reviews: Sequence[Review]) -> str:
    """One JSON document: the stacks, which ones the change touches, the exit status and each stack's review."""
    touched, _ = _touched(reviews)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "stacks": [r.stack for r in reviews],
        "touched": touched,
        "exit_code": worst_exit(reviews),
        "reviews": [review_document(r) for r in reviews],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _clean(text: str) -> str:
    """A stack name as comment text: no control characters, no backticks or HTML comment ends."""
    return "".join(ch for ch in text if ch.isprintable()).replace("`", "'").replace("--", "-")
