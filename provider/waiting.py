"""How the provider waits for Tencent: the injectable clock and sleep, and the one backoff every poll uses."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Timing"]


@dataclass(frozen=True)
class Timing:
    """How the provider waits: injectable for tests (the production values are the defaults)."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    first_poll: float = 1.0
    max_poll: float = 10.0
    progress_every: float = 15.0

    def pause(self, delay: float, deadline: float) -> float:
        """Sleep ``delay`` (never past ``deadline``) and return the next delay: doubled, up to ``max_poll``."""
        self.sleep(max(0.0, min(delay, deadline - self.clock())))
        return min(delay * 2, self.max_poll)
