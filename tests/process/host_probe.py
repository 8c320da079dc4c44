"""A test-only dynamic provider for provider.host's Cancel: ``create`` waits until the host passes on a Cancel.

Pickled by reference (``host_probe.WaitingProvider``): the harness puts this folder on the provider process's path.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from pulumi.dynamic import CreateResult, ResourceProvider

from provider.errors import CertificateError


class WaitingProvider(ResourceProvider):
    """``create`` writes ``props["marker"]``, then waits for ``cancel()`` (at most a minute)."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def create(self, props: dict[str, Any]) -> CreateResult:
        Path(props["marker"]).write_text("waiting", encoding="utf-8")
        if self._cancelled.wait(60):
            raise CertificateError("stopped waiting: the engine cancelled the operation")
        raise RuntimeError("no Cancel reached the provider")

    def cancel(self) -> None:
        self._cancelled.set()
