"""The calls one provider process shares between its concurrent operations (``provider.ssl.shared``), per service.

``Timing`` paces the deletion-task poller (one round every ``first_poll`` seconds, 1 s by default), so tests that
fake the clock drive it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import CREATE_TAG
from .ssl import SslService
from .ssl.shared import Listing, MarkDrops, TaskPoller
from .waiting import Timing

__all__ = ["CREATE_LISTING_AGE", "Shared"]

#: How old a listing may be for a create to find the certificate it replaces there: that one dates from an earlier
#: run, and a miss costs only the courtesy of the ``predecessor`` output, never a duplicate or a wrong deletion.
CREATE_LISTING_AGE = 10.0


@dataclass(frozen=True)
class Shared:
    """The deletion-task poller, the account's certificate listing and the in-flight mark drops of one service."""

    ssl: SslService
    tasks: TaskPoller
    listing: Listing
    marks: MarkDrops

    @classmethod
    def over(cls, ssl: SslService, timing: Timing) -> Shared:
        """Fresh shared state for calls through ``ssl``."""
        return cls(
            ssl=ssl,
            tasks=TaskPoller(ssl.describe_delete_tasks, interval=timing.first_poll, sleep=timing.sleep),
            listing=Listing(lambda: ssl.find_certificates()),
            marks=MarkDrops(
                lambda ids: ssl.untag_certificates(ids, [CREATE_TAG]),
                failure=lambda cid, why: RuntimeError(f"removing the in-flight mark {CREATE_TAG} failed: {why}"),
            ),
        )
