"""provider.host's concurrency setting: where the limit comes from, what a bad value says, and the gate."""

from __future__ import annotations

import threading
import time

import pytest

from provider.host.parallel import (
    CONFIG_KEY,
    DEFAULT_PARALLEL,
    ENV_VAR,
    MAX_PARALLEL,
    Gate,
    HostSettingError,
    operation_limit,
    startup_limit,
)


def test_default_when_nothing_is_set() -> None:
    assert operation_limit({}, {}) == DEFAULT_PARALLEL == 64


def test_config_over_environment_over_default() -> None:
    assert operation_limit({}, {ENV_VAR: "12"}) == 12
    assert operation_limit({CONFIG_KEY: "5"}, {ENV_VAR: "12"}) == 5
    assert operation_limit({CONFIG_KEY: 7.0}, {}) == 7  # a number in the stack config arrives as a double


def test_a_larger_engine_parallel_raises_the_limit_and_a_smaller_one_does_not_lower_it() -> None:
    assert operation_limit({CONFIG_KEY: "5"}, {"PULUMI_PARALLEL": "100"}) == 100
    assert operation_limit({}, {"PULUMI_PARALLEL": "16"}) == DEFAULT_PARALLEL
    assert operation_limit({}, {"PULUMI_PARALLEL": str(MAX_PARALLEL * 10)}) == MAX_PARALLEL
    assert operation_limit({}, {"PULUMI_PARALLEL": "many"}) == DEFAULT_PARALLEL  # the engine's to judge
    assert operation_limit({}, {"PULUMI_PARALLEL": "²"}) == DEFAULT_PARALLEL  # a digit to str.isdigit, not to int()


@pytest.mark.parametrize("value", ["0", "-3", "lots", "2.5", True, 2.5, str(MAX_PARALLEL + 1), "²", "①", "٣", "4²"])
def test_a_bad_config_value_names_the_key(value: object) -> None:
    with pytest.raises(HostSettingError, match=f"stack config's {CONFIG_KEY}.*from 1 to {MAX_PARALLEL}"):
        operation_limit({CONFIG_KEY: value}, {})


def test_a_bad_environment_value_names_the_variable_and_does_not_stop_the_server() -> None:
    with pytest.raises(HostSettingError, match=f"environment variable {ENV_VAR}.*'none'"):
        operation_limit({}, {ENV_VAR: "none"})
    assert startup_limit({ENV_VAR: "none"}) == DEFAULT_PARALLEL  # the server still starts; operations report it
    with pytest.raises(HostSettingError, match=f"environment variable {ENV_VAR}.*'²'"):
        operation_limit({}, {ENV_VAR: "²"})
    assert startup_limit({ENV_VAR: "²"}) == DEFAULT_PARALLEL
    assert startup_limit({ENV_VAR: "9"}) == 9


class _CountingCondition(threading.Condition):
    """A condition that counts the threads blocked in ``wait``: the test then knows who waits at the gate, instead of
    hoping a thread has got that far."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0  # changed only with the lock held (wait is entered and left holding it)

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting += 1
        try:
            return super().wait(timeout)
        finally:
            self.waiting -= 1

    def until_waiting(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while True:
            with self:
                if self.waiting == count:
                    return
            assert time.monotonic() < deadline, f"{count} thread(s) never waited at the gate"
            time.sleep(0.01)


def test_gate_admits_up_to_its_limit_and_more_when_resized() -> None:
    gate = Gate(2)
    changed = gate._changed = _CountingCondition()  # noqa: SLF001 - watched, not replaced in behaviour
    inside = threading.Semaphore(0)
    release = threading.Event()

    def hold() -> None:
        with gate:
            inside.release()
            release.wait()

    # Daemon threads, released whatever happens: a broken gate fails the test instead of hanging the run.
    threads = [threading.Thread(target=hold, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(2):
            assert inside.acquire(timeout=30)
        # Two are inside and hold the gate; the other two have reached it and wait (a gate that let them in would
        # have them inside instead, and never two waiting).
        changed.until_waiting(2)
        assert not inside.acquire(blocking=False)
        gate.resize(3)
        assert inside.acquire(timeout=30)  # the third, once the gate grew
        changed.until_waiting(1)
        assert not inside.acquire(blocking=False)  # the fourth still waits: three are inside
    finally:
        release.set()
    assert inside.acquire(timeout=30)  # the fourth, once one left
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    assert gate.limit == 3 and changed.waiting == 0
