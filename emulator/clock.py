"""The emulator clock: real time plus an offset that the admin API can move (and that the store persists); tests can
freeze it, so that it moves only when they move it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

__all__ = ["Clock", "gmt8"]

_GMT8 = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """``now()`` = ``base()`` + offset seconds, or while frozen the base time of the freeze + offset; thread-safe."""

    def __init__(self, base: Callable[[], float] = time.time, offset: float = 0.0) -> None:
        self._base = base
        self._offset = float(offset)
        self._frozen_at: float | None = None  # the base time the clock stopped at
        self._lock = threading.Lock()

    @property
    def frozen(self) -> bool:
        """Whether the clock moves only when advanced (a test's fake clock), not with real time."""
        with self._lock:
            return self._frozen_at is not None

    def freeze(self, frozen: bool) -> None:
        """Stop the clock where it is, or let it run on with real time from where it stopped (no jump either way)."""
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self._base()
            elif not frozen and self._frozen_at is not None:
                self._offset += self._frozen_at - self._base()
                self._frozen_at = None

    @property
    def offset(self) -> float:
        """Seconds the emulator clock runs ahead of the base clock."""
        with self._lock:
            return self._offset

    def now(self) -> float:
        """Emulator time as Unix seconds."""
        with self._lock:
            return (self._base() if self._frozen_at is None else self._frozen_at) + self._offset

    def real_now(self) -> float:
        """The base clock, without the admin offset."""
        return self._base()

    def advance(self, seconds: float) -> float:
        """Move the clock forward (or back, if negative); returns the new offset."""
        with self._lock:
            self._offset += float(seconds)
            return self._offset

    def set_offset(self, offset: float) -> None:
        """Set the offset outright, running with real time again (used when state is reset or reloaded)."""
        with self._lock:
            self._offset = float(offset)
            self._frozen_at = None


def gmt8(timestamp: float | None) -> str | None:
    """Tencent's response time format: GMT+8 ``YYYY-MM-DD HH:MM:SS``; ``None`` stays ``None``."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, tz=_GMT8).strftime("%Y-%m-%d %H:%M:%S")
