"""Driving ``CertificateProvider`` in-process against the emulator: a fake clock, upload inputs, call-log readers.

The fixtures that build a provider from these live in ``tests/provider/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from provider.certificate import CertificateProvider, Timing, names_identity, owner_token
from support.certs import make_cert
from support.emulator import RunningEmulator

__all__ = [
    "OWNER",
    "FakeTime",
    "actions",
    "bound",
    "called",
    "checked",
    "create",
    "ids",
    "records",
    "renewal",
    "upload_inputs",
    "write_actions",
]

#: The name of the provider's shared deletion-task poller thread (provider.ssl.shared.TaskPoller).
POLLER_THREAD = "delete-task-poller"
OWNER = owner_token(names_identity("proj", "dev"), "www")


class FakeTime:
    """A fake clock all the way down: a monotonic clock and a wall clock (``now``) that only move when the provider
    sleeps, and the emulator's clock frozen and moved by the same sleeps, so no real time reaches what a test counts.
    """

    def __init__(self, emu: RunningEmulator) -> None:
        self.now = 1000.0
        self.emu = emu
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[FakeTime], None] | None = None
        # The emulator's time when this clock read 1000 (emu.reset() unfreezes it again).
        self._emulator_start = float(emu.admin("POST", "/_emulator/clock", {"Freeze": True})["Now"])

    def clock(self) -> float:
        return self.now

    def wall(self) -> dt.datetime:
        """The emulator's time, which only these sleeps move (the provider's ``Timing.now``)."""
        return dt.datetime.fromtimestamp(self._emulator_start + self.now - 1000.0, dt.UTC)

    def timing(self, **changes: Any) -> Timing:
        """The provider's ``Timing`` on this clock (``changes`` override its fields)."""
        return Timing(**{"sleep": self.sleep, "clock": self.clock, "now": self.wall, **changes})

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if seconds > 0:
            self.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": seconds})
        if self.on_sleep is not None:
            self.on_sleep(self)

    def close(self) -> None:
        """Wait for the provider's task poller to go idle: it sleeps once more after its last round, and that sleep
        must move this test's emulator clock, never the next test's."""
        for thread in threading.enumerate():
            if thread.name == POLLER_THREAD:
                thread.join(timeout=30)
                assert not thread.is_alive(), "the delete-task poller did not go idle"


def upload_inputs(cert: str, key: str | None, **extra: Any) -> dict[str, Any]:
    """The properties of entry ``www`` uploading ``cert`` (with ``key`` unless None), as the engine sends them."""
    props: dict[str, Any] = {
        "entry": "www",
        "owner": OWNER,
        "source": "upload",
        "certificate": cert,
        "certificate_type": "SVR",
        "alias": "www",
        "project_id": 0.0,  # numbers cross gRPC as floats
        "tags": {"env": "prod"},
        "check_resources": True,
        "delete_timeout": 600.0,
        "create_timeout": 600.0,
        "allow_expired": False,
    }
    if key is not None:
        props["private_key"] = key
    props.update(extra)
    return props


def checked(provider: CertificateProvider, props: dict[str, Any]) -> dict[str, Any]:
    """``props`` through ``check()`` (which must accept them), with ``__provider`` as the engine adds it."""
    result = provider.check({}, {**props, "__provider": "pickled"})
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return {**result.inputs, "__provider": "pickled"}


def create(provider: CertificateProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Check then create ``props``; returns the id and the outputs."""
    result = provider.create(checked(provider, props))
    assert result.outs is not None
    return result.id, result.outs


def actions(emu: RunningEmulator) -> list[str]:
    """The actions of the emulator's call log, in order."""
    return [c["Action"] for c in emu.calls()]


def write_actions(emu: RunningEmulator) -> list[str]:
    """The call log's actions that change something (neither ``Describe*`` nor ``Get*``)."""
    return [a for a in actions(emu) if not a.startswith(("Describe", "Get"))]


def renewal(
    provider: CertificateProvider, old: str, old_outs: dict[str, Any], **extra: Any
) -> tuple[str, dict[str, Any]]:
    """A new body for entry ``www``, as the engine runs it: check, diff (replace), then the replacement's create.

    Returns the new id and its state as the host hands it back: the inputs beneath the outputs.
    """
    cert, key = make_cert("www.example.com")
    news = checked(provider, upload_inputs(cert, key, **extra))
    assert provider.diff(old, old_outs, news).replaces
    result = provider.create(news)
    assert result.outs is not None
    return str(result.id), {**news, **result.outs}


def bound(emu: RunningEmulator, certificate_id: str) -> set[str]:
    """The resource types the emulator has ``certificate_id`` bound to."""
    rows = emu.admin("GET", "/_emulator/bindings")["Bindings"]
    return {row["ResourceType"] for row in rows if row["CertificateId"] == certificate_id}


def ids(emu: RunningEmulator) -> set[str]:
    """The ids of the emulator's certificates."""
    return {str(c["CertificateId"]) for c in emu.certificates()}


def records(emu: RunningEmulator) -> list[dict[str, Any]]:
    """The emulator's deploy records, newest first."""
    return list(emu.admin("GET", "/_emulator/deploys")["Records"])


def called(emu: RunningEmulator, action: str) -> list[dict[str, Any]]:
    """The logged calls of ``action``."""
    return [c for c in emu.calls() if c["Action"] == action]
