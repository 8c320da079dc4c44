"""Everything one emulator instance holds, shared by the API endpoint and the admin API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.auth import SignatureVerifier
from emulator.calllog import CallLog
from emulator.clock import Clock
from emulator.faults import Faults
from emulator.lifecycle import tick
from emulator.ratelimit import RateLimiter
from emulator.settings import DEFAULT_SETTINGS, Settings
from emulator.store import Store

__all__ = ["EmulatorState"]

_SETTINGS_KEY = "settings"
_CLOCK_KEY = "clock_offset"


@dataclass
class EmulatorState:
    """Store, clock, credentials, settings, faults, rate limiter and call log of one emulator."""

    store: Store
    clock: Clock
    verifier: SignatureVerifier
    owner_uin: str
    region: str
    limiter: RateLimiter
    faults: Faults = field(default_factory=Faults)
    calls: CallLog = field(default_factory=CallLog)
    settings: Settings = DEFAULT_SETTINGS

    def load(self) -> None:
        """Pick up settings and the clock offset persisted by an earlier run on the same database."""
        with self.store.transaction() as store:
            self.settings = Settings.from_json(store.get_meta(_SETTINGS_KEY, {}))
            self.clock.set_offset(float(store.get_meta(_CLOCK_KEY, 0.0)))

    def update_settings(self, changes: Any) -> Settings:
        """Apply and persist admin changes (raises ``SettingsError``)."""
        with self.store.transaction() as store:
            self.settings = self.settings.merged(changes)
            store.set_meta(_SETTINGS_KEY, self.settings.to_json())
        return self.settings

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator clock and persist the offset; returns the new offset."""
        with self.store.transaction() as store:
            offset = self.clock.advance(seconds)
            store.set_meta(_CLOCK_KEY, offset)
        return offset

    def tick(self) -> float:
        """Issue due certificates and settle due deletion tasks; returns the emulator time used."""
        with self.store.transaction() as store:
            now = self.clock.now()
            tick(store, now, self.settings)
        return now

    def reset(self) -> None:
        """Back to a fresh emulator: no state, default settings, no faults, clock offset 0, empty call log."""
        with self.store.transaction() as store:
            store.reset()
            self.settings = DEFAULT_SETTINGS
            self.clock.set_offset(0.0)
        self.faults.clear()
        self.calls.clear()
        self.limiter.reset()
