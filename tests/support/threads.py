"""Run work in several threads at once, for tests of thread safety."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

__all__ = ["run_together"]


def run_together(workers: Sequence[Callable[[], object]], timeout: float = 60) -> list[BaseException]:
    """Run each worker in a thread of its own, all released at once; return what they raised once all have ended.

    A worker still running after ``timeout`` seconds fails the test.
    """
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), f"a worker was still running after {timeout} s"
    return errors
