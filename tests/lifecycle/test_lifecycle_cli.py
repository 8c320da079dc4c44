"""The CLI tier of the lifecycle state machine: the same rules and invariants as the fast tier (``machine.py``), each
``up`` and ``refresh`` run by the real ``pulumi`` on a project copy against the emulator (``cli_engine.py``).

One more invariant here, where the review runs for real:

- I9 REVIEW: the review's verdict matches what ``up`` then does: ``python -m provider.review`` exits 2 ("will be
  refused") only before an ``up`` that fails, and 0 only before one that succeeds (checked while no fault is
  injected; a killed run is not compared).

Fewer, longer sequences than the fast tier, in ``make test-long``: ``LIFECYCLE_CLI_EXAMPLES`` (default 4)
sequences of up to ``LIFECYCLE_CLI_STEPS`` (default 12) steps, drawn by ``LIFECYCLE_SEED`` (default 1; always
seeded here). ``LIFECYCLE_VERBOSE`` and ``LIFECYCLE_KNOWN_VIOLATIONS`` work as in the fast tier. A long search, e.g.
200 steps (each step runs ``pulumi``: count ten to twenty seconds a step)::

    LIFECYCLE_SEED=2 LIFECYCLE_CLI_EXAMPLES=10 LIFECYCLE_CLI_STEPS=20 \\
        .venv/bin/python -m pytest -m long tests/lifecycle/test_lifecycle_cli.py --timeout 5400

(``--timeout``: the suite otherwise stops any single test after 900 s.)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from support.emulator import RunningEmulator
from support.project import Project
from support.pulumi_cli import make_pulumi_env

from .cli_engine import CliEngine
from .engine import RunResult
from .machine import LifecycleMachine, machine_for, material
from .runner import machine_settings, run_machine

pytestmark = [pytest.mark.e2e, pytest.mark.long, pytest.mark.emulator]

EXAMPLES = int(os.environ.get("LIFECYCLE_CLI_EXAMPLES", "4"))
STEPS = int(os.environ.get("LIFECYCLE_CLI_STEPS", "12"))
# Seeded rather than derandomized: derandomized generation starts from the simplest sequences, and a handful of
# examples would then be mostly empty stack files.
SEED = int(os.environ.get("LIFECYCLE_SEED", "1"))


class CliLifecycleMachine(LifecycleMachine):
    """The machine with ``pulumi`` as its engine; ``root`` and ``bin_dir`` are set on the class by the test."""

    root: Path
    bin_dir: Path

    def make_engine(self) -> CliEngine:  # type: ignore[override]
        self.workdir = Path(tempfile.mkdtemp(dir=self.root))
        self.project = Project(self.workdir / "project", make_pulumi_env(self.workdir, self.bin_dir), self.emulator)
        return CliEngine(self.project, material)

    def teardown(self) -> None:
        super().teardown()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def up(self, kill_after: int | None = None) -> RunResult:
        if kill_after is not None or self.kill_next is not None or self.faulty:
            return super().up(kill_after)
        assert isinstance(self.engine, CliEngine)
        self.engine.write(self.program())
        review = self.project.review("--stack", self.project.stack, "--format", "json")
        run = super().up()
        verdict = review.returncode
        assert verdict in (0, 2), f"I9 REVIEW: the review exited {verdict}:\n{review.stdout}\n{review.stderr}"
        # Entries the review marks uncertain (what read calls cannot tell, e.g. a CLB's region) may go either way.
        uncertain = verdict == 0 and bool(json.loads(review.stdout).get("uncertain"))
        assert (verdict == 2) == (not run.ok) or (uncertain and not run.ok), (
            f"I9 REVIEW: the review exited {verdict} ({'refused' if verdict == 2 else 'fine'}) but up "
            f"{'succeeded' if run.ok else 'failed'}:\n{review.stdout}\n--- up:\n{run.text}"
        )
        return run


@pytest.mark.reliability(
    area="rotation",
    tried="the lifecycle machine's random sequences with the real pulumi CLI as the engine (kills as SIGKILL of the "
    "CLI's tree, then the documented recovery), the review run before every up",
    held="the fast tier's invariants, and the review's verdict (exit 0 or 2) matches whether up then succeeds",
)
def test_lifecycle_invariants_hold_through_the_cli(emulator: RunningEmulator, tmp_path: Path, pulumi_bin: Path) -> None:
    base = machine_for(emulator)
    attributes = {"emulator": emulator, "root": tmp_path, "bin_dir": pulumi_bin, "known": base.known}
    machine = type("CliMachine", (CliLifecycleMachine,), attributes)
    run_machine(machine, machine_settings(EXAMPLES, STEPS, derandomize=False), SEED)


def test_the_review_of_a_refused_rename_into_a_held_name_says_refused(
    emulator: RunningEmulator, tmp_path: Path, pulumi_bin: Path
) -> None:
    attributes = {"emulator": emulator, "root": tmp_path, "bin_dir": pulumi_bin, "known": frozenset()}
    machine = type("CliMachine", (CliLifecycleMachine,), attributes)()
    try:
        machine.start(domain="www.example.com", bound=None, retain=True)
        machine.add(domain="*.example.com", i=0, retain=True)
        machine.rename_into_a_removed_name(i=0, j=1)  # I9
    finally:
        machine.teardown()
