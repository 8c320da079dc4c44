"""Calls shared by the concurrent operations of one provider process, so that N certificates cost far fewer calls.

- ``TaskPoller``: every deletion task in flight polled together, up to 100 ids per
  DescribeDeleteCertificatesTaskResult call, one round about every ``interval`` seconds, by one daemon thread that
  stops when no task is watched.
- ``ByIdReads``: what a call reads for many certificates by id (their tags, DescribeResourceTagsByResourceIds; their
  rows, DescribeCertificates with CertIds); a caller's certificate goes into the next call that starts after it
  asked, and the callers that ask while one runs share the following one.
- ``MarkDrops``: UnTagResources for up to 10 certificates per call; a caller waits until its certificate's call
  returned, and a call leaves once every expected caller is waiting, ten are, or the oldest has lingered a second.
- ``OnceRead``: one read made for the life of the process, by its first caller, whose answer (or error) every caller
  shares; for what a run asks many times and may read once (e.g. the certificates marked as waiting to be deleted,
  which every ``diff`` of a preview asks about); ``OnceReads``, one such read per key.

Each is thread-safe; the calls themselves go through the client, whose rate limiter keeps every action under its
limit whatever the number of callers.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

from .models import DeleteTask

T = TypeVar("T")
K = TypeVar("K")

__all__ = ["ByIdReads", "MarkDrops", "OnceRead", "OnceReads", "TaskPoller", "TaskWatch"]


class TaskPoller:
    """Polls the deletion tasks of every watcher together; ``watching(task_id)`` yields a ``TaskWatch``."""

    def __init__(
        self,
        fetch: Callable[[Sequence[str]], Mapping[str, DeleteTask]],
        *,
        interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._fetch = fetch
        self._interval = interval
        self._sleep = sleep
        self._cond = threading.Condition()
        self._watched: dict[str, int] = {}  # task id -> number of watchers
        self._started = 0  # rounds started
        self._done = 0  # rounds finished; the last one's outcome:
        self._tasks: Mapping[str, DeleteTask] = {}
        self._error: Exception | None = None
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watching(self, task_id: str) -> Iterator[TaskWatch]:
        """Keep ``task_id`` in every round while the block runs."""
        with self._cond:
            self._watched[task_id] = self._watched.get(task_id, 0) + 1
            watch = TaskWatch(self, task_id, self._started)  # the next round to start includes it
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="delete-task-poller", daemon=True)
                self._thread.start()
        try:
            yield watch
        finally:
            with self._cond:
                left = self._watched[task_id] - 1
                if left:
                    self._watched[task_id] = left
                else:
                    del self._watched[task_id]

    def next_state(self, task_id: str, after: int) -> tuple[DeleteTask | None, int]:
        """The task as the latest round started after round ``after`` sees it (``None``: Tencent does not know the
        id), and that round's number. Raises what that round's call raised."""
        with self._cond:
            while self._done <= after:
                self._cond.wait()
            if self._error is not None:
                raise self._error
            return self._tasks.get(task_id), self._done

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._watched:
                    self._thread = None  # idle: a later watcher starts a new thread
                    return
                self._started += 1
                ids = sorted(self._watched)
            tasks: Mapping[str, DeleteTask] = {}
            error: Exception | None = None
            try:
                tasks = self._fetch(ids)
            except Exception as caught:  # noqa: BLE001 - handed to every waiter of the round, never lost
                error = caught
            with self._cond:
                self._tasks, self._error = tasks, error
                self._done = self._started
                self._cond.notify_all()
            self._sleep(self._interval)


class TaskWatch:
    """One watcher's view of one task: ``next()`` waits for the next round's state of it."""

    def __init__(self, poller: TaskPoller, task_id: str, seen: int) -> None:
        self._poller = poller
        self._seen = seen
        self.task_id = task_id

    def next(self) -> DeleteTask | None:
        """The task's state in the next poll round (``None`` while Tencent does not know the id)."""
        task, self._seen = self._poller.next_state(self.task_id, self._seen)
        return task


class _Ask:
    """One caller's certificate in a shared call, and the call's answer for it."""

    def __init__(self, certificate_id: str) -> None:
        self.certificate_id = certificate_id
        self.done = False
        self.answer: Any = None
        self.error: Exception | None = None


def _answer_each(
    cond: threading.Condition,
    batch: list[_Ask],
    call: Callable[[list[str]], Any],
    judge: Callable[[Any, str], tuple[Any, Exception | None]],
) -> None:
    """With ``cond`` held: make ``call`` for the batch's certificates with it released, give each caller what
    ``judge(reply, id)`` makes of the reply (or the call's own error), and wake every waiter."""
    reply: Any = None
    error: Exception | None = None
    cond.release()
    try:
        reply = call(list(dict.fromkeys(ask.certificate_id for ask in batch)))
    except Exception as caught:  # noqa: BLE001 - raised to each caller of the batch
        error = caught
    finally:
        cond.acquire()
        cond.notify_all()
    for ask in batch:
        ask.answer, ask.error = (None, error) if error is not None else judge(reply, ask.certificate_id)
        ask.done = True


class ByIdReads(Generic[T]):
    """Reads certificates by id in shared calls: one call runs at a time, with every certificate asked for until then
    (up to ``batch``), so a caller's answer always comes from a call that started after it asked."""

    def __init__(self, fetch: Callable[[Sequence[str]], Mapping[str, T]], *, batch: int = 50) -> None:
        self._fetch = fetch
        self._batch = batch
        self._cond = threading.Condition()
        self._pending: list[_Ask] = []
        self._reading = False

    def get(self, certificate_id: str) -> T | None:
        """What the call read for ``certificate_id`` (``None``: nothing, e.g. gone); raises what its call raised."""
        item = _Ask(certificate_id)
        with self._cond:
            self._pending.append(item)
            while not item.done:
                if self._reading:
                    self._cond.wait()
                    continue
                # This caller reads, for itself and the others waiting (first asked, first read).
                self._reading = True
                batch, self._pending = self._pending[: self._batch], self._pending[self._batch :]
                try:
                    _answer_each(self._cond, batch, self._fetch, lambda found, cid: (found.get(cid), None))
                finally:
                    self._reading = False
        if item.error is not None:
            raise item.error
        found: T | None = item.answer
        return found


class MarkDrops:
    """Removes one tag key from many certificates per call: ``expecting()`` around a create, ``drop(id)`` in it."""

    def __init__(
        self,
        untag: Callable[[Sequence[str]], Mapping[str, str]],
        *,
        batch: int = 10,
        linger: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        failure: Callable[[str, str], Exception] = lambda cid, why: RuntimeError(f"{cid}: {why}"),
    ) -> None:
        self._untag = untag
        self._batch = batch
        self._linger = linger
        self._clock = clock
        self._failure = failure
        self._cond = threading.Condition()
        self._expected = 0  # callers inside expecting(): each may drop once
        self._pending: list[_Ask] = []

    @contextlib.contextmanager
    def expecting(self) -> Iterator[None]:
        """Count a caller that will probably ``drop``: a call waits for it (up to the linger) to fill its batch."""
        with self._cond:
            self._expected += 1
        try:
            yield
        finally:
            with self._cond:
                self._expected -= 1
                self._cond.notify_all()  # one fewer to wait for

    def drop(self, certificate_id: str) -> None:
        """Remove the key from ``certificate_id``, in a call shared with other callers; raises when that failed."""
        item = _Ask(certificate_id)
        with self._cond:
            self._pending.append(item)
            self._cond.notify_all()
            give_up_waiting = self._clock() + self._linger
            while not item.done:
                pending = self._pending
                ready = len(pending) >= self._batch or len(pending) >= self._expected
                if item in pending and (ready or self._clock() >= give_up_waiting):
                    batch, self._pending = pending[: self._batch], pending[self._batch :]
                    self._send(batch)
                else:
                    self._cond.wait(max(0.0, give_up_waiting - self._clock()) if item in pending else None)
        if item.error is not None:
            raise item.error

    def _send(self, batch: list[_Ask]) -> None:
        def judge(failed: Mapping[str, str], certificate_id: str) -> tuple[None, Exception | None]:
            why = failed.get(certificate_id)
            return None, (self._failure(certificate_id, why) if why else None)

        _answer_each(self._cond, batch, self._untag, judge)


class OnceRead(Generic[T]):
    """``read`` called once, by the first caller of ``get``; callers that ask meanwhile wait for that call, and every
    caller gets its answer, or its error raised again (a failure is not retried: the run goes on without the answer,
    as each caller decides)."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._cond = threading.Condition()
        self._reading = False
        self._outcome: tuple[T | None, Exception | None] | None = None  # (answer, error) once read

    def get(self) -> T:
        """The read's answer; raises what the read raised."""
        with self._cond:
            while self._outcome is None:
                if self._reading:
                    self._cond.wait()
                    continue
                self._reading = True
                self._cond.release()
                outcome: tuple[T | None, Exception | None] | None = None
                try:
                    outcome = (self._read(), None)
                except Exception as caught:  # noqa: BLE001 - raised to every caller, now and later
                    outcome = (None, caught)
                finally:
                    # Interrupted (outcome still None): the next caller reads instead.
                    self._cond.acquire()
                    self._reading = False
                    self._outcome = outcome
                    self._cond.notify_all()
            answer, error = self._outcome
        if error is not None:
            raise error
        return cast(T, answer)

    def forget(self) -> None:
        """Drop the answer: the next ``get`` reads again (a read under way still answers its callers)."""
        with self._cond:
            if not self._reading:
                self._outcome = None


class OnceReads(Generic[K, T]):
    """A ``OnceRead`` of ``read(key)`` per key asked for: the first caller of each key reads, every caller of that key
    shares its answer (the certificates waiting to be deleted, per stack: one key per provider process)."""

    def __init__(self, read: Callable[[K], T]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._reads: dict[K, OnceRead[T]] = {}

    def get(self, key: K) -> T:
        """The answer of ``read(key)``; raises what it raised."""
        with self._lock:
            once = self._reads.get(key)
            if once is None:
                once = self._reads[key] = OnceRead(lambda: self._read(key))
        return once.get()

    def forget(self) -> None:
        """Drop every key's answer: the next ``get`` of each reads again."""
        with self._lock:
            reads = list(self._reads.values())
        for once in reads:
            once.forget()
