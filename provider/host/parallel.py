"""How many provider operations the host runs at once: the setting, where it comes from, and the gate.

The stock host serves 4 calls at a time, so a teardown whose deletions each wait seconds for Tencent's task runs
4 by 4 whatever ``pulumi --parallel`` says. This host runs up to ``limit`` operations at once, the limit being
``tencentcloud:providerParallel`` (stack config) over ``TENCENTCLOUD_PROVIDER_PARALLEL`` over 64, raised to the
engine's ``PULUMI_PARALLEL`` when that is larger, so that the engine's own setting is what limits. The config
arrives only with Configure, after the gRPC server exists, so the server's thread pool is large (threads are made
only when calls are waiting) and a resizable gate holds operations to the limit.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

__all__ = [
    "CONFIG_KEY",
    "DEFAULT_PARALLEL",
    "ENGINE_ENV_VAR",
    "ENV_VAR",
    "MAX_PARALLEL",
    "POOL_THREADS",
    "Gate",
    "HostSettingError",
    "operation_limit",
    "startup_limit",
]

CONFIG_KEY = "tencentcloud:providerParallel"
ENV_VAR = "TENCENTCLOUD_PROVIDER_PARALLEL"
ENGINE_ENV_VAR = "PULUMI_PARALLEL"  # the engine's default for --parallel; inherited by the provider process
DEFAULT_PARALLEL = 64
MAX_PARALLEL = 1024
# Threads for the gRPC server: every gated operation plus calls that must never wait behind them (Cancel).
POOL_THREADS = MAX_PARALLEL + 16


class HostSettingError(ValueError):
    """A bad value for the host's own settings; its message names the config key or variable."""


def _decimal(text: str) -> bool:
    """Plain ASCII digits: ``str.isdigit`` also takes ``²`` or ``①``, which ``int()`` then rejects with a traceback."""
    return text.isascii() and text.isdigit()


def _parse(value: Any, origin: str) -> int:
    """A whole number 1..MAX_PARALLEL from config (string or number) or the environment (string)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _decimal(value.strip()):
        number = int(value.strip())
    if number is None or not 1 <= number <= MAX_PARALLEL:
        raise HostSettingError(
            f"{origin} must be a whole number of concurrent provider operations from 1 to {MAX_PARALLEL}, not {value!r}"
        )
    return number


def operation_limit(config: Mapping[str, Any], environ: Mapping[str, str]) -> int:
    """The limit for this stack config and environment; ``HostSettingError`` for a bad config or env value."""
    if config.get(CONFIG_KEY) not in (None, ""):
        limit = _parse(config[CONFIG_KEY], f"the stack config's {CONFIG_KEY} (Pulumi.<stack>.yaml)")
    elif environ.get(ENV_VAR, "").strip():
        limit = _parse(environ[ENV_VAR], f"the environment variable {ENV_VAR}")
    else:
        limit = DEFAULT_PARALLEL
    engine = environ.get(ENGINE_ENV_VAR, "").strip()
    # The engine's own variable is the engine's to judge; a value it would reject does not stop the provider.
    if _decimal(engine) and int(engine) > limit:
        limit = min(int(engine), MAX_PARALLEL)
    return limit


def startup_limit(environ: Mapping[str, str]) -> int:
    """The limit before Configure: from the environment, or the default if that is bad (operations report it)."""
    try:
        return operation_limit({}, environ)
    except HostSettingError:
        return DEFAULT_PARALLEL


class Gate:
    """A counting semaphore whose size can change while operations hold it (``with gate: ...``)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._active = 0
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return self._limit

    def resize(self, limit: int) -> None:
        """Admit up to ``limit`` at once from now on (holders above a lowered limit finish undisturbed)."""
        with self._changed:
            self._limit = limit
            self._changed.notify_all()

    def __enter__(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._active < self._limit)
            self._active += 1

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        with self._changed:
            self._active -= 1
            self._changed.notify()
