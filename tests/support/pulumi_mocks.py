"""Running program code under ``pulumi.runtime.set_mocks``: a ``Mocks`` base whose calls answer nothing, and
``use_mocks``, which installs one."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import pulumi

__all__ = ["NoCalls", "use_mocks"]

_M = TypeVar("_M", bound=pulumi.runtime.Mocks)


class NoCalls(pulumi.runtime.Mocks):
    """Mocks for programs that invoke no function: subclasses say what a new resource gets."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def use_mocks(mocks: _M, *, preview: bool) -> _M:
    """Install ``mocks`` for stack ``organization/proj/dev``; returns them."""
    # set_mocks and @pulumi.runtime.test use the main thread's current event loop; an earlier test that ran
    # asyncio.run() leaves none (or a closed one), so make one when needed.
    try:
        if asyncio.get_event_loop().is_closed():
            raise RuntimeError("closed")
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
    # The organisation a DIY (file or S3) backend reports, as in every real run; left out, the mocks report None.
    pulumi.runtime.set_mocks(mocks, project="proj", stack="dev", preview=preview, organization="organization")
    return mocks
