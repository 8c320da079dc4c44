"""provider.host's concurrency setting: where the limit comes from, what a bad value says, and the gate."""

from __future__ import annotations

import threading

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


def test_gate_admits_up_to_its_limit_and_more_when_resized() -> None:
    gate = Gate(2)
    inside = threading.Semaphore(0)
    release = threading.Event()

    def hold() -> None:
        with gate:
            inside.release()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(2):
        assert inside.acquire(timeout=30)
    # Two are inside and hold the gate until released; a third can only enter once the gate grows.
    assert not inside.acquire(blocking=False)
    gate.resize(3)
    assert inside.acquire(timeout=30)
    release.set()
    assert inside.acquire(timeout=30)  # the fourth, once one left
    for thread in threads:
        thread.join(30)
    assert gate.limit == 3
