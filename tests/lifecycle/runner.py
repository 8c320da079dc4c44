"""Running a lifecycle state machine: bounded and derandomized by default, or seeded for a longer search.

``run_state_machine_as_test`` builds its own ``@given`` test inside, so ``hypothesis.seed`` applied to the machine or
its ``TestCase`` never reaches it (the seed was silently ignored). Here the seed is applied to that inner test
itself (``get_state_machine_test``, the documented hook for running a machine's test directly), where Hypothesis
reads it: the same seed replays the same sequences, another seed explores others.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Verbosity, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test

__all__ = ["machine_settings", "run_machine"]


def machine_settings(examples: int, steps: int, *, derandomize: bool) -> settings:
    """The settings every tier uses: ``examples`` sequences of up to ``steps`` steps, no deadline, no database."""
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=derandomize,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.verbose if os.environ.get("LIFECYCLE_VERBOSE") else Verbosity.normal,
    )


def run_machine(machine: type[RuleBasedStateMachine], config: settings, run_seed: int | None = None) -> None:
    """Run ``machine`` under ``config``; with ``run_seed``, the sequences that seed draws (derandomize is then off:
    Hypothesis ignores a seed on a derandomized test)."""
    if run_seed is not None:
        config = settings(config, derandomize=False)
    test = get_state_machine_test(machine, settings=config)
    if run_seed is not None:
        test = seed(run_seed)(test)
    test()
