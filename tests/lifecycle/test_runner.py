"""``LIFECYCLE_SEED`` reaches Hypothesis: two seeds draw different sequences, one seed the same ones again.

A small machine with the lifecycle machine's shape (an ``initialize``, rules with drawn arguments) records what it
runs; no emulator is needed to show what the seed does to the draws.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from .runner import machine_settings, run_machine


def _recording_machine(log: list[tuple[str, int]]) -> type[RuleBasedStateMachine]:
    class Recording(RuleBasedStateMachine):
        @initialize(n=st.integers(0, 1000))
        def start(self, n: int) -> None:
            log.append(("start", n))

        @rule(n=st.integers(0, 1000))
        def add(self, n: int) -> None:
            log.append(("add", n))

        @rule(n=st.integers(0, 1000))
        def remove(self, n: int) -> None:
            log.append(("remove", n))

    return Recording


def _sequences(run_seed: int | None, derandomize: bool = False) -> list[tuple[str, int]]:
    log: list[tuple[str, int]] = []
    run_machine(_recording_machine(log), machine_settings(5, 6, derandomize=derandomize), run_seed)
    return log


def test_two_seeds_explore_different_sequences() -> None:
    first, second = _sequences(1), _sequences(2)
    assert first and second
    assert first != second


def test_a_seed_replays_its_sequences() -> None:
    assert _sequences(7) == _sequences(7)


def test_a_seed_wins_over_derandomize() -> None:
    # The fast tier is derandomized unless LIFECYCLE_SEED is set: the seed must then change what runs.
    assert _sequences(3, derandomize=True) != _sequences(None, derandomize=True)
    assert _sequences(None, derandomize=True) == _sequences(None, derandomize=True)
