"""The calls one provider process shares between its concurrent operations (``provider.ssl.shared``), per service,
and ``Step``, what each operation's worker (a create, a delete) holds.

``waiting`` is the one listing of the certificates marked as waiting to be deleted (``pulumi:deploy``, any value:
``provider.rotation``) that every ``diff`` of the run asks about, read once per process: a preview or an ``up`` makes
one such read (paged), not one per certificate. Its diffs run before any delete of the same run can mark another.

``Timing`` paces the deletion-task poller (one round every ``first_poll`` seconds, 1 s by default), so tests that
fake the clock drive it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .rules import CREATE_TAG, DEPLOY_TAG
from .ssl import TAG_READ_IDS, CertificateSummary, SslService
from .ssl.shared import ByIdReads, MarkDrops, OnceRead, TaskPoller
from .waiting import Timing

__all__ = ["Shared", "Step"]

#: Certificates a DescribeCertificates call asks for by id (CertIds has no documented limit; this keeps one page).
ROW_READ_IDS = 100


@dataclass(frozen=True)
class Shared:
    """The deletion-task poller, the reads by id (rows, tags), the in-flight mark drops and the listing of the
    certificates waiting to be deleted, of one service."""

    ssl: SslService
    tasks: TaskPoller
    rows: ByIdReads[CertificateSummary]
    tags: ByIdReads[dict[str, str]]
    marks: MarkDrops
    waiting: OnceRead[list[CertificateSummary]]

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
            # An empty TagValue matches any value of the key: every marked certificate of the account, in one
            # read however many entries the stack has (the marked ones are few: each is a failed deletion).
            waiting=OnceRead(lambda: ssl.find_certificates(tags={DEPLOY_TAG: ""})),
        )


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
