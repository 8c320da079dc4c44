"""The review as a pull-request comment (GitHub/GitLab markdown): summary, callout, table, pre-flight, details.

The first line is a hidden marker naming the stack, so CI can find its earlier comment and update it in place.
Every text that comes from the stack file, the state or Tencent Cloud (entry names, ids, aliases, tags, domains,
messages) is neutralised where it lands: control and bidirectional-override characters and line breaks are dropped;
in a code span only a backtick or a table pipe could matter; in plain text HTML is escaped, the Markdown punctuation
of links, images, emphasis and tables is backslash-escaped (backticks stay: the pre-flight's messages quote commands
and settings as code, and inside a code span nothing renders), an ``@mention`` gets a zero-width space after its
``@`` (GitHub links mentions after rendering, so an escape would not stop one) and ``scheme://`` is escaped so a bare
URL stays text. No user text can ping someone, load an image, link under other words or break the table (GitHub may
still link a bare ``www.`` name, to the very address it shows).
When the comment would pass ``max_chars``, the field-level details go first, then table rows, and a note says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .facts import CertificateFacts
from .model import OPERATIONS, Review, Row

__all__ = ["DEFAULT_MAX_CHARS", "MIN_MAX_CHARS", "marker", "render_markdown"]

#: GitHub refuses comments over 65,536 characters; leave room for what CI adds around the review.
DEFAULT_MAX_CHARS = 60_000
#: The smallest cap --max-chars takes: room for the marker, the summary and the note that says what was cut.
MIN_MAX_CHARS = 1_000

# C0/C1 controls (ANSI escapes, line breaks), Unicode line separators, zero-width and bidirectional controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\*_~\[\]|])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_ZERO_WIDTH_SPACE = "\u200b"
_FINGERPRINT_SHOWN = 16


def marker(stack: str) -> str:
    """The hidden first line of the comment: CI looks for it to update its own comment rather than add one."""
    return f"<!-- tencent-ssl-review stack={_html(stack).replace('--', '-')} -->"


def render_markdown(review: Review, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The comment, at most ``max_chars`` characters (with a visible note when something was left out)."""
    rows = len(review.rows)
    text = _render(review, details=True, shown_rows=rows)
    if len(text) <= max_chars:
        return text
    text = _render(review, details=False, shown_rows=rows)
    while len(text) > max_chars and rows > 0:
        rows = max(0, rows - max(1, rows // 4))
        text = _render(review, details=False, shown_rows=rows)
    return text if len(text) <= max_chars else text[: max(0, max_chars - 200)] + "\n\n" + _cut_note(review)


def _render(review: Review, *, details: bool, shown_rows: int) -> str:
    lines = [marker(review.stack), f"### Certificates on stack {_code(review.stack)}", "", _summary(review), ""]
    lines += _callout(review)
    if review.rows:
        lines += _table(review.rows[:shown_rows])
        if shown_rows < len(review.rows):
            lines += ["", f"> **Truncated:** {len(review.rows) - shown_rows} of {len(review.rows)} rows left out "
                      "to fit the comment size limit. " + _run_locally(review)]  # fmt: skip
    lines += _preflight(review)
    lines += _policies(review)
    lines += _pending(review)
    lines += _expiring(review)
    if details:
        lines += _details(review.rows)
    elif review.rows:
        lines += ["", "> **Truncated:** the field-level details are left out to fit the comment size limit. "
                  + _run_locally(review)]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


def _run_locally(review: Review) -> str:
    return f"Run {_code('python -m provider.review --stack ' + review.stack)} to see everything."


def _cut_note(review: Review) -> str:
    return "> **Truncated** to fit the comment size limit. " + _run_locally(review) + "\n"


def _summary(review: Review) -> str:
    counts = review.counts
    if not review.rows:
        return "**No change to certificates.**"
    parts = [f"{counts[op]} to {op}" for op in OPERATIONS if counts[op] and op not in ("retain", "release", "refused")]
    if counts["retain"]:
        parts.append(f"{counts['retain']} retained (removed from the stack, kept in Tencent Cloud)")
    if counts["release"]:
        parts.append(
            f"{counts['release']} released (listed under release:, kept in Tencent Cloud; the next `up` without "
            "the name forgets it)"
        )
    if counts["refused"]:
        parts.append(f"{counts['refused']} refused by the provider (the preview failed on it)")
    refused = len(review.refused)
    verdict = f"**{refused} will be refused**" if refused else "pre-flight: nothing will be refused"
    unsure = sum(1 for r in review.rows if r.uncertain)
    if unsure:
        verdict += f"; **{unsure} uncertain** (what read calls cannot tell, listed below)"
    return f"**Plan:** {', '.join(parts)}; {verdict}."


def _callout(review: Review) -> list[str]:
    lines: list[str] = []
    if review.refused:
        names = ", ".join(_code(r.entry) for r in review.refused)
        lines += ["> [!CAUTION]", f"> `pulumi up` will fail on {names}: see the pre-flight below.", ""]
    if review.destructive:
        deleted = [r for r in review.rows if r.operation in ("delete", "replace")]
        names = ", ".join(f"{_code(r.entry)} ({r.operation})" for r in deleted)
        lines += ["> [!WARNING]", f"> This change deletes or replaces certificates: {names}.", ""]
    return lines


def _table(rows: Iterable[Row]) -> list[str]:
    lines = [
        "| entry | operation | certificate | domains | expiry | fingerprint | checked delete | options | pre-flight |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            _code(row.entry, cell=True),
            _operation(row),
            _code(row.certificate_id, cell=True) if row.certificate_id else "(new)",
            _before_after(row.old, row.new, lambda f: ", ".join(f.names)),
            _before_after(row.old, row.new, lambda f: f.not_after[:10]),
            _before_after(row.old, row.new, lambda f: f.fingerprint[:_FINGERPRINT_SHOWN]),
            "yes" if row.check_resources else "**no**",
            ", ".join(n for n, on in (("retain", row.retain), ("protect", row.protect)) if on) or "-",
            _verdict_cell(row),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _operation(row: Row) -> str:
    text = {"delete": "**delete**", "replace": "**replace**", "refused": "**refused**"}.get(
        row.operation, row.operation
    )
    return f"{text} (pending)" if row.pending else text


def _before_after(
    old: CertificateFacts | None, new: CertificateFacts | None, pick: Callable[[CertificateFacts], str]
) -> str:
    before = _text(pick(old)) if old is not None else ""
    after = (_text(pick(new)) or _text(new.note)) if new is not None else ""
    if old is None:
        return after or "-"
    if new is None or after == before:
        return before or "-"
    return f"{before or '-'} → {after or '-'}"


def _verdict_cell(row: Row) -> str:
    verdict = row.verdict
    if verdict is None:
        return "-"
    if verdict.refused:
        return "**refused**"
    if verdict.uncertain:
        return "**uncertain**"
    return "ok" if verdict.checked else "no call needed"


def _says_something(row: Row) -> bool:
    verdict = row.verdict
    return verdict is not None and bool(verdict.reasons or verdict.notes or verdict.uncertain)


def _preflight(review: Review) -> list[str]:
    checked = [r for r in review.rows if _says_something(r)]
    if not checked:
        return []
    lines = ["", "#### Pre-flight (read-only checks against Tencent Cloud)", ""]
    for row in checked:
        assert row.verdict is not None
        label = "**refused**" if row.refused else "ok"
        subject = f"- {_code(row.entry)} ({row.operation} {_code(row.certificate_id)})"
        lines += [f"{subject}: {label}: {_text(reason)}" for reason in row.verdict.reasons]
        lines += [f"{subject}: {_text(note)}" for note in row.verdict.notes]
        lines += [f"{subject}: **uncertain**: {_text(doubt)}" for doubt in row.verdict.uncertain]
    return lines


def _policies(review: Review) -> list[str]:
    if not review.policies:
        return []
    lines = ["", "#### Policies", ""]
    lines += [
        f"- {_code(p.entry) if p.entry else 'the stack'}: **{p.level}** {_code(p.policy)}: {_text(p.message)}"
        for p in review.policies
    ]
    return lines


def _pending(review: Review) -> list[str]:
    if not review.pending:
        return []
    lines = ["", "#### Deletions pending from an earlier run", ""]
    lines += [
        f"- {_code(r.entry)}: certificate {_code(r.certificate_id)} was replaced"
        + (f" by {_code(r.successor)}" if r.successor else "")
        + " but not deleted; `up` deletes it now"
        for r in review.pending
    ]
    return lines


def _expiring(review: Review) -> list[str]:
    if not review.expiring:
        return []
    lines = ["", f"#### Expiring within {review.expiry_window_days} days", ""]
    lines += [
        f"- {_code(e.entry)}: certificate {_code(e.certificate_id)} ({_text(e.domain) or 'no domain'}) "
        f"expires {_text(e.not_after)}"
        for e in review.expiring
    ]
    return lines


def _details(rows: Iterable[Row]) -> list[str]:
    lines: list[str] = []
    for row in rows:
        if not (row.changes or row.old or row.new):
            continue
        lines += ["", f"<details><summary><code>{_html(row.entry)}</code>: {row.operation}</summary>", ""]
        for label, facts in (("before", row.old), ("after", row.new)):
            if facts is not None:
                lines.append(f"- {label}: {_facts(facts)}")
        if row.changes:
            lines += ["", "| field | before | after |", "|---|---|---|"]
            lines += [f"| {_code(c.name, cell=True)} | {_text(c.old)} | {_text(c.new)} |" for c in row.changes]
        lines += ["", "</details>"]
    return lines


def _facts(facts: CertificateFacts) -> str:
    parts = [
        f"domains {', '.join(facts.names) or '-'}",
        f"expires {facts.not_after or '-'}",
        f"SHA-1 fingerprint {facts.fingerprint or '-'}",
    ]
    if facts.note:
        parts.append(facts.note)
    return _text("; ".join(parts))


def _html(text: str) -> str:
    """Text for raw HTML (the marker, ``<summary>``): no control characters, HTML's specials escaped."""
    return _CONTROL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str, *, cell: bool = False) -> str:
    """A code span of ``text``: nothing inside one renders (no link, image, mention or HTML); a backtick would end
    it, and in a table ``cell`` a pipe would end the cell (GitHub splits cells before it sees code spans)."""
    inner = _CONTROL.sub("", text).replace("`", "'")
    return "`" + (inner.replace("|", "\\|") if cell else inner) + "`"


def _text(text: str) -> str:
    """Plain text that renders as itself: see the module's docstring for what is neutralised and why."""
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", _html(text))
    return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, text.replace("://", "\\://"))
