"""The CLI runs the end-to-end tests judge (support.project.CliRun) cannot be judged by their output alone."""

from __future__ import annotations

import pytest

from support.project import CliRun


def test_a_run_has_no_truth_value_and_no_in() -> None:
    run = CliRun(("up", "--yes"), 0, "error: still bound")
    with pytest.raises(TypeError, match="no truth value"):
        bool(run)
    with pytest.raises(TypeError, match="no `in`"):
        _ = "still bound" in run  # type: ignore[operator]


def test_expect_checks_the_exact_status() -> None:
    refused = CliRun(("up", "--yes"), 1, "error: still bound")
    assert refused.expect(1) == "error: still bound"
    with pytest.raises(AssertionError, match="pulumi up --yes exited 1, expected 7"):
        refused.expect(7)
    with pytest.raises(AssertionError, match="exited 0, expected 1"):
        CliRun(("up",), 0, "error: still bound").expect(1)  # the message printed, yet the run succeeded
