"""docs/deletion-errors.md is generated from the DeleteCertificate code table and must match it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from provider.ssl import DELETE_CODES
from provider.ssl.delete_codes import document

DOC = Path(__file__).resolve().parents[3] / "docs" / "deletion-errors.md"


def test_the_committed_document_is_the_generated_one() -> None:
    committed = DOC.read_text(encoding="utf-8")
    assert committed == document(), (
        "docs/deletion-errors.md is stale: run `python -m provider.ssl > docs/deletion-errors.md`"
    )


def test_the_command_in_the_document_prints_it() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "provider.ssl"], capture_output=True, text=True, check=False, cwd=DOC.parents[1]
    )
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == document()


def test_every_code_has_one_row_with_its_outcome_and_advice() -> None:
    rows = [line for line in document().splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0].strip("| `") for row in rows] == sorted(DELETE_CODES)
    for row, rule in zip(rows, (DELETE_CODES[c] for c in sorted(DELETE_CODES)), strict=True):
        cells = row.split(" | ")
        assert cells[1] == str(rule.handling) and cells[2] == rule.meaning and rule.advice[:20] in row
