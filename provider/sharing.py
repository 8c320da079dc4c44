"""The calls one provider process shares between its concurrent operations (``provider.ssl.shared``), per service,
and ``Step``, what each operation's worker (a create, a delete) holds.

``waiting`` is the one listing of the stack's certificates marked as waiting to be deleted (``pulumi:waiting`` = the
stack part of their owner mark, written with ``pulumi:deploy``: ``provider.rotation``) that every ``diff`` of the run
asks about, read once per process: a preview or an ``up`` makes one such read (paged), not one per certificate. Its
diffs run before any delete of the same run can mark another. The filter is an exact key and value, the only tag
filter DescribeCertificates documents (its ``Tags`` "filter certificates with the given tags"; nothing says an empty
value matches any), so every waiting certificate of a stack carries the same value.

``Timing`` paces the deletion-task poller (one round every ``first_poll`` seconds, 1 s by default), so tests that
fake the clock drive it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .rules import CREATE_TAG, WAITING_TAG
from .ssl import TAG_READ_IDS, CertificateSummary, SslService
from .ssl.shared import ByIdReads, MarkDrops, OnceReads, TaskPoller
from .waiting import Timing

__all__ = ["Shared", "Step"]

#: Certificates a DescribeCertificates call asks for by id (CertIds has no documented limit; this keeps one page).
ROW_READ_IDS = 100


@dataclass(frozen=True)
class Shared:
    """The deletion-task poller, the reads by id (rows, tags), the in-flight mark drops and the listing of the
    certificates waiting to be deleted, by ``pulumi:waiting`` value (``provider.rules.waiting_mark``), of one
    service."""

    ssl: SslService
    tasks: TaskPoller
    rows: ByIdReads[CertificateSummary]
    tags: ByIdReads[dict[str, str]]
    marks: MarkDrops
    waiting: OnceReads[str, list[CertificateSummary]]

    @classmethod
    def over(cls, ssl: SslService, timing: Timing) -> Shared:
        """Fresh shared state for calls through ``ssl``."""
        return cls(
            ssl=ssl,
            tasks=TaskPoller(ssl.describe_delete_tasks, interval=timing.first_poll, sleep=timing.sleep),
            rows=ByIdReads(lambda ids: _rows_by_id(ssl, ids), batch=ROW_READ_IDS),
            tags=ByIdReads(ssl.get_tags_of, batch=TAG_READ_IDS),
            marks=MarkDrops(
                lambda ids: ssl.untag_certificates(ids, [CREATE_TAG]),
                failure=lambda cid, why: RuntimeError(f"removing the in-flight mark {CREATE_TAG} failed: {why}"),
            ),
            # One read per stack however many entries it has (the marked ones are few: each is a failed deletion).
            waiting=OnceReads(lambda stack: _waiting_of(ssl, stack)),
        )


def _waiting_of(ssl: SslService, stack: str) -> list[CertificateSummary]:
    # No value, no read: an empty TagValue is not a documented filter (and never a mark this stack wrote).
    return ssl.find_certificates(tags={WAITING_TAG: stack}) if stack else []


def _rows_by_id(ssl: SslService, certificate_ids: Sequence[str]) -> dict[str, CertificateSummary]:
    return {row.certificate_id: row for row in ssl.find_certificates(certificate_ids=certificate_ids)}


class Step:
    """One operation's worker: the service, its timing, where progress goes (``say``) and the process's shared calls
    (fresh ones when not given)."""

    def __init__(
        self, ssl: SslService, timing: Timing, say: Callable[[str], None], shared: Shared | None = None
    ) -> None:
        self._ssl = ssl
        self._timing = timing
        self._say = say
        self._shared = shared or Shared.over(ssl, timing)
