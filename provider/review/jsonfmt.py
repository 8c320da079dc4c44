"""The review as JSON for bots: the same facts as the comment, keys sorted, no time of its own."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from .model import Review, Row

__all__ = ["SCHEMA_VERSION", "render_json", "review_document"]

#: Bumped when a key changes meaning or disappears (new keys may appear without a bump).
SCHEMA_VERSION = 1


def review_document(review: Review) -> dict[str, Any]:
    """The review as plain JSON-ready data."""
    return {
        "schema_version": SCHEMA_VERSION,
        "stack": review.stack,
        "summary": review.counts,
        "destructive": review.destructive,
        "refused": [r.entry for r in review.refused],
        "uncertain": [r.entry for r in review.rows if r.uncertain],
        "exit_code": review.exit_code,
        "rows": [_row(r) for r in review.rows],
        "pending_deletions": [
            {"entry": r.entry, "certificate_id": r.certificate_id, "successor": r.successor} for r in review.pending
        ],
        "expiring": [asdict(e) for e in review.expiring],
        "expiry_window_days": review.expiry_window_days,
        "policies": [asdict(p) for p in review.policies],
    }


def render_json(review: Review) -> str:
    """The document as indented JSON text ending in a newline."""
    return json.dumps(review_document(review), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _row(row: Row) -> dict[str, Any]:
    verdict = row.verdict
    return {
        "entry": row.entry,
        "operation": row.operation,
        "certificate_id": row.certificate_id,
        "pending": row.pending,
        "old": asdict(row.old) if row.old is not None else None,
        "new": asdict(row.new) if row.new is not None else None,
        "check_resources": row.check_resources,
        "retain": row.retain,
        "protect": row.protect,
        "changes": [asdict(c) for c in row.changes],
        "preflight": None
        if verdict is None
        else {
            "checked": verdict.checked,
            "refused": verdict.refused,
            "reasons": list(verdict.reasons),
            "notes": list(verdict.notes),
            "bound": list(verdict.bound),
            "uncertain": list(verdict.uncertain),
        },
    }
