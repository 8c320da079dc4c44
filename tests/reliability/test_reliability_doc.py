"""docs/RELIABILITY.md is in sync with the suite: one row per reliability-marked test, nothing stale.

Fast and without the CLI: a `pytest --collect-only` subprocess writes the document the markers describe (results
"not run"), and its rows must be the committed document's, the result column aside. Regenerate the committed one
with `scripts/reliability-report`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "RELIABILITY.md"
RESULTS = {"passed", "failed", "error", "skipped", "xfailed", "xpassed"}
REGENERATE = "regenerate it with scripts/reliability-report"
SHOWN = 8  # test ids quoted in a failure message


def listing(nodeids: list[str]) -> str:
    more = f" and {len(nodeids) - SHOWN} more" if len(nodeids) > SHOWN else ""
    return ", ".join(nodeids[:SHOWN]) + more


Row = tuple[str, str, str, str, str]  # area, tried, held, test id, make target


def parse(text: str) -> dict[str, tuple[Row, str]]:
    """The document's rows by test id: (area, tried, held, test id, runs in) and the recorded result."""
    rows: dict[str, tuple[Row, str]] = {}
    area = ""
    for line in text.splitlines():
        if line.startswith("## "):
            area = line[3:].strip()
        elif line.startswith("| ") and not line.startswith("| what was tried"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            assert len(cells) == 5, f"docs/RELIABILITY.md: malformed row {line!r}; {REGENERATE}"
            tried, held, nodeid, result, target = cells
            nodeid = nodeid.strip("`")
            assert nodeid not in rows, f"docs/RELIABILITY.md lists {nodeid} twice; {REGENERATE}"
            rows[nodeid] = ((area, tried, held, nodeid, target), result)
    return rows


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Row, str]]:
    """The rows the suite's markers describe now (every reliability test in tests/, long ones included)."""
    out = tmp_path_factory.mktemp("reliability-doc") / "RELIABILITY.md"
    # tests/reliability first: its conftest defines --reliability-report; `tests` then covers the whole tree.
    args = ["tests/reliability", "tests", "--collect-only", "-q", "-m", "reliability", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--reliability-report", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"collecting the reliability tests failed:\n{proc.stdout}"
    rows = parse(out.read_text(encoding="utf-8"))
    assert rows, "no reliability-marked tests were collected"
    return rows


def test_every_reliability_test_is_in_the_doc_and_nothing_stale_remains(
    expected: dict[str, tuple[Row, str]],
) -> None:
    assert DOC.is_file(), f"docs/RELIABILITY.md is missing; {REGENERATE}"
    committed = parse(DOC.read_text(encoding="utf-8"))
    missing = sorted(set(expected) - set(committed))
    stale = sorted(set(committed) - set(expected))
    changed = sorted(n for n, (row, _) in expected.items() if n in committed and committed[n][0] != row)
    problems = [
        f"{what}: {listing(nodeids)}"
        for what, nodeids in (
            ("reliability tests missing from it", missing),
            ("tests it lists that no longer exist", stale),
            ("tests whose area, tried, held or make target changed", changed),
        )
        if nodeids
    ]
    assert not problems, "docs/RELIABILITY.md is out of date; " + REGENERATE + "\n" + "\n".join(problems)


def test_the_doc_records_a_known_result_for_every_test() -> None:
    """The committed document comes from a full run (scripts/reliability-report), not from a partial one: every row
    holds one of pytest's outcomes, never "not run" or anything else."""
    committed = parse(DOC.read_text(encoding="utf-8"))
    unknown = sorted(f"{nodeid} ({result!r})" for nodeid, (_, result) in committed.items() if result not in RESULTS)
    assert not unknown, (
        f"docs/RELIABILITY.md records no result (one of {', '.join(sorted(RESULTS))}) for {listing(unknown)}; "
        f"{REGENERATE}"
    )


def test_every_row_ci_runs_records_a_pass() -> None:
    """A row that runs in `make test` is run by CI, which must pass: one recorded as failed, error or skipped is a run
    CI would have stopped, or a document not regenerated since. A `make test-long` row may record any outcome: a
    failure there is a fact the document reports (CI does not run those tests)."""
    committed = parse(DOC.read_text(encoding="utf-8"))
    not_passed = sorted(
        f"{nodeid} ({result})"
        for nodeid, ((*_, target), result) in committed.items()
        if target == "make test" and result != "passed"
    )
    assert not not_passed, (
        f"docs/RELIABILITY.md records rows of `make test` that did not pass: {listing(not_passed)}; fix them, then "
        f"{REGENERATE}"
    )


def test_the_summary_counts_the_rows() -> None:
    """The header's "N scenarios: a failed, b passed." is the tally of the rows below it."""
    text = DOC.read_text(encoding="utf-8")
    committed = parse(text)
    summaries = re.findall(r"^([0-9]+) scenarios: (.+)\.$", text, re.M)
    assert len(summaries) == 1, f"docs/RELIABILITY.md has {len(summaries)} summary lines, not one; {REGENERATE}"
    [(total, tally)] = summaries
    stated: dict[str, int] = {}
    for part in tally.split(", "):
        count, _, result = part.partition(" ")
        assert count.isdigit() and result, f"docs/RELIABILITY.md: unreadable summary {tally!r}; {REGENERATE}"
        stated[result] = int(count)
    counted = Counter(result for _, result in committed.values())
    assert (int(total), stated) == (len(committed), dict(counted)), (
        f"docs/RELIABILITY.md says {total} scenarios: {tally}, but its rows are {len(committed)}: "
        + ", ".join(f"{n} {result}" for result, n in sorted(counted.items()))
        + f"; {REGENERATE}"
    )
