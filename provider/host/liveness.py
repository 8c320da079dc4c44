"""Stop the host when the engine that started it is gone (``pulumi`` killed with SIGKILL, a cancelled CI job).

The engine normally ends a plugin with SIGINT/SIGKILL when it is done. Killed itself, it sends nothing: the plugin
is re-parented and would go on running its operations (deletion tasks polled for minutes, uploads, deploys), making
API calls for a run nobody will record. Pulumi's own Go plugins poll the engine's gRPC health service
(``rpcutil.Healthcheck``, every five minutes) and stop when it fails; this host does the same every second, and also
notices at once that its parent process (the engine, which the launcher ``exec``s into) went away. Either ends the
process at once: a killed run's operations are what the next ``up`` resumes, so none is worth finishing.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence

import grpc  # type: ignore[import-untyped]

__all__ = ["CHECK_SECONDS", "EngineWatch", "engine_address", "exit_now"]

#: How often the engine is checked.
CHECK_SECONDS = 1.0
# Misses in a row before the engine counts as gone: a refused connection to a loopback port is definite, but the
# channel reports one transient failure while it (re)connects.
_MISSES = 2
_HEALTH_CHECK = "/grpc.health.v1.Health/Check"


def engine_address(argv: Sequence[str]) -> str | None:
    """The engine's address among a plugin's arguments (``[flags...] host:port``): the first that is not a flag."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


class EngineWatch:
    """A daemon thread that calls ``on_gone(reason)`` once the engine stops answering or the parent process exits.

    ``address`` (the engine's gRPC address) is checked with the standard health ``Check``; ``UNIMPLEMENTED`` or any
    reply counts as alive, as in Pulumi's ``rpcutil.Healthcheck``, and only ``UNAVAILABLE`` (nothing listens) as
    gone, so a slow engine on a busy machine never stops the host. ``parent`` is the process id that must remain
    this process's parent.
    """

    def __init__(
        self,
        address: str | None,
        parent: int | None,
        on_gone: Callable[[str], None],
        *,
        interval: float = CHECK_SECONDS,
    ) -> None:
        self._address = address
        self._parent = parent
        self._on_gone = on_gone
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="engine-watch", daemon=True)

    def start(self) -> EngineWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        channel = None if self._address is None else grpc.insecure_channel(self._address)
        check = None
        if channel is not None:
            # An empty HealthCheckRequest is zero bytes; the reply's content does not matter.
            check = channel.unary_unary(
                _HEALTH_CHECK, request_serializer=lambda _: b"", response_deserializer=lambda data: data
            )
        misses = 0
        while not self._stopped.wait(self._interval):
            if self._parent is not None and os.getppid() != self._parent:
                self._on_gone(f"its parent process {self._parent} (the engine) exited")
                return
            if check is None:
                continue
            try:
                check(None, timeout=max(self._interval, 1.0))
                misses = 0
            except grpc.RpcError as error:
                code = error.code() if callable(getattr(error, "code", None)) else None
                misses = misses + 1 if code == grpc.StatusCode.UNAVAILABLE else 0
            except Exception:  # noqa: BLE001 - inconclusive; the watch must outlive any surprise in one check
                misses = 0
            if misses >= _MISSES:
                self._on_gone(f"the engine at {self._address} no longer answers")
                return


def exit_now(reason: str) -> None:
    """End the process at once (other threads may be mid-operation: there is no one left to report to)."""
    try:
        sys.stderr.write(f"provider host: stopping, {reason}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr was a pipe to the engine that is gone
    finally:
        os._exit(1)
