"""What one provider process learns from the engine's calls of a run for the calls that follow in the same run.

The engine hands a create no old id, and a pending delete only the inputs its resource had when it was created. Both
facts exist earlier in the same run, on this same provider process (one instance per pickle, ``provider.host``):

- ``diff(id, olds, news)`` runs for every resource of the state that the program still declares, before the create
  of its replacement (create-before-delete, Pulumi's default). A diff that answers "replace" is remembered as "entry
  ``owner``'s certificate ``id`` is being replaced", and the create of that entry takes it (once) as the certificate
  it replaces. When ``id`` itself recorded replacing certificates whose deletion is still pending (a replacement
  replaced again before its predecessor could be deleted), the create takes those over too, after ``id``: its
  ``pulumi:replaces`` names them all, so each pending deletion rotates onto the entry's current certificate. A diff
  that does not replace forgets any earlier answer for the entry, so a preview's answer, or one from a run's
  preview pass, never reaches a later create. An entry with ``retain: true`` (an input as well as the
  resource option) replaces nothing: the engine drops the old certificate from the state without deleting it.
- The same diff sees the current stack file's values (``news``). The settings that only steer a deletion
  (``deploy_regions``, ``delete_timeout``) are remembered for the certificate being replaced and for the ones the
  resource recorded replacing earlier (``replaces``, whose deletion may still be pending), with the owner token of
  the entry replacing it: the one its successor carries. That is the old resource's own token, except after a rename
  (``renamed_from``): the engine diffs the former name's state against the new name's inputs, so the replacement
  carries the new name's token while the old certificate's state still holds the former one. Deletes run after every
  registration (pending deletes of replaced certificates included: pkg/resource/deploy/step_generator.go,
  ``GenerateDeletes``), so such a delete uses them instead of the inputs its resource recorded. A removed entry is
  not declared, so its delete keeps its recorded settings.
- ``retain: true`` in the replacing entry's current inputs lets go of the certificate it replaced: that pending
  delete only leaves the state (Tencent will not delete an issued paid certificate, and a ``release:`` name cannot
  also be an entry). The fact comes from the current stack file, through this diff, never from the old inputs.
- Whether the program ran (``check`` was called): a delete with no program is a ``pulumi destroy``.

Nothing outlives the process: a killed run's next run diffs and checks again. ``pulumi up --replace <urn>`` makes
the engine replace without calling diff, so that replacement's create learns no predecessor; the delete of the old
certificate that follows in the same run does: the one certificate this run created for the same entry replaces it
(``replaced_in_run``), and the delete records the link on it (``provider.deletion``) before rotating.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .inputs import as_bool, is_unknown, regions_of, seconds
from .rules import REPLACES_SEPARATOR

__all__ = ["Handover", "Steering"]


@dataclass(frozen=True)
class Steering:
    """The settings of an entry that steer the deletion of its earlier certificate, from the current stack file,
    and the entry's owner token (``owner``, "" while unknown): the mark the certificate replacing it carries."""

    deploy_regions: dict[str, list[str]]
    delete_timeout: float
    owner: str = ""
    retain: bool = False  # the entry now says retain: true: the replaced certificate leaves the state, undeleted


class Handover:
    """Thread-safe notes kept between the engine's calls of one run, per entry (its ``pulumi:owner`` token)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replacing: dict[str, str] = {}  # owner -> what its next create replaces (a pulumi:replaces value)
        self._steering: dict[str, Steering] = {}  # certificate id -> its entry's current steering settings
        self._program_ran = False
        self._created: dict[str, set[str]] = {}  # owner -> the certificates this run's creates made for it

    def checked(self) -> None:
        """Note that the engine checked a declared resource: the program runs (an ``up`` or ``preview``)."""
        self._program_ran = True

    def created(self, owner: str, certificate_id: str) -> None:
        """Note that this run's create made ``certificate_id`` for the entry ``owner``."""
        with self._lock:
            if owner:
                self._created.setdefault(owner, set()).add(certificate_id)

    def replaced_in_run(self, owner: str, certificate_id: str) -> str:
        """The certificate this run created for the entry ``owner`` other than ``certificate_id`` ("" if none): a
        delete of ``certificate_id`` that no diff announced is then a replacement the engine made without a diff
        (``pulumi up --replace``), and that certificate is its successor (one create per resource and run)."""
        with self._lock:
            others = sorted(self._created.get(owner, set()) - {certificate_id})
            return others[0] if len(others) == 1 else ""

    def made_in_run(self, owner: str, certificate_id: str) -> bool:
        """Whether this run's create made (adopted) ``certificate_id`` itself for the entry ``owner``."""
        with self._lock:
            return certificate_id in self._created.get(owner, set())

    @property
    def program_ran(self) -> bool:
        """Whether this run declared any certificate: a delete without it belongs to a ``pulumi destroy``."""
        return self._program_ran

    def diffed(
        self,
        certificate_id: str,
        news: Mapping[str, Any],
        *,
        replaced: bool,
        predecessors: Sequence[str] = (),
        pending: Sequence[str] = (),
    ) -> None:
        """Note diff's answer for certificate ``certificate_id`` (replaced or not) with its entry's current inputs
        ``news``; ``predecessors``, the certificates it recorded replacing, and ``pending``, those of them still
        waiting to be deleted."""
        owner = news.get("owner")
        steering = _steering(news)
        with self._lock:
            if isinstance(owner, str) and owner:
                if replaced and certificate_id:
                    taken = [certificate_id, *(p for p in pending if p and p != certificate_id)]
                    self._replacing[owner] = REPLACES_SEPARATOR.join(dict.fromkeys(taken))
                else:
                    self._replacing.pop(owner, None)
            if steering is not None:
                for doomed in (certificate_id if replaced else "", *predecessors):
                    if doomed:
                        self._steering[doomed] = steering

    def replaced_by_create(self, owner: str) -> str:
        """What the entry's create now replaces, as its ``pulumi:replaces`` value ("" for a plain create): the
        certificate replaced, then the pending deletions it takes over. Each note is used once."""
        with self._lock:
            return self._replacing.pop(owner, "") if owner else ""

    def steering(self, certificate_id: str) -> Steering | None:
        """The steering settings of the entry that replaced ``certificate_id``, from the current stack file, when
        this run diffed it."""
        with self._lock:
            return self._steering.get(certificate_id)


def _steering(inputs: Mapping[str, Any]) -> Steering | None:
    """The steering settings among checked inputs (None while one is unknown, during a preview)."""
    raw_regions, raw_timeout = inputs.get("deploy_regions"), inputs.get("delete_timeout")
    if is_unknown(raw_regions) or is_unknown(raw_timeout):
        return None
    try:
        timeout = seconds(raw_timeout, 0.0)
    except ValueError:
        return None  # check() refuses it
    if timeout <= 0:
        return None
    owner = inputs.get("owner")
    known = owner if isinstance(owner, str) and not is_unknown(owner) else ""
    retain = inputs.get("retain")
    kept = not is_unknown(retain) and as_bool(retain, False)
    return Steering({k: list(v) for k, v in regions_of(raw_regions).items()}, timeout, known, kept)
