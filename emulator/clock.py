"""The emulator clock: real time plus an offset that the admin API can move (and that the store persists)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

__all__ = ["Clock", "gmt8"]

_GMT8 = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """``now()`` = ``base()`` + offset seconds; thread-safe."""

    def __init__(self, base: Callable[[], float] = time.time, offset: float = 0.0) -> None:
        self._base = base
        self._offset = float(offset)
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds the emulator clock runs ahead of the base clock."""
        with self._lock:
            return self._offset

    def now(self) -> float:
        """Emulator time as Unix seconds."""
        with self._lock:
            return self._base() + self._offset

    def real_now(self) -> float:
        """The base clock, without the admin offset."""
        return self._base()

    def advance(self, seconds: float) -> float:
        """Move the clock forward (or back, if negative); returns the new offset."""
        with self._lock:
            self._offset += float(seconds)
            return self._offset

    def set_offset(self, offset: float) -> None:
        """Set the offset outright (used when state is reset or reloaded)."""
        with self._lock:
            self._offset = float(offset)


def gmt8(timestamp: float | None) -> str | None:
    """Tencent's response time format: GMT+8 ``YYYY-MM-DD HH:MM:SS``; ``None`` stays ``None``."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, tz=_GMT8).strftime("%Y-%m-%d %H:%M:%S")
