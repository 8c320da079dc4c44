"""Who manages a certificate: one rule for upload, apply, adopt and delete.

Every certificate a stack creates or adopts carries two tags the provider keeps for itself:

- ``pulumi:owner`` = ``<stack key>.<entry key>``: which stack state and which entry manage it. The stack key hashes
  the stack's identity (a random value made once per stack state by ``provider.identity.StackIdentity``), so two
  backends or organisations whose projects, stacks and entries have the same names never share a key; renaming the
  stack or moving its state keeps it.
- ``pulumi:claim`` = a random value written by the create (upload, application or adoption) that last took the
  certificate, and kept in that resource's state.

A delete removes the certificate only while both still say "this resource": when another stack or entry has adopted
it since (``owner`` differs) or a later create of the same entry took it over (``claim`` differs: a forced replace
of an adoption, a switch from upload to adopting the same id), the certificate is left in place and the resource
only leaves the state. Plain values and functions: no Pulumi, no HTTP.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .rules import CLAIM_TAG, CREATE_TAG, OWNER_TAG, REPLACES_TAG, split_replaced
from .ssl import CertificateSummary

__all__ = [
    "Holder",
    "Verdict",
    "adopt_again",
    "holder_of",
    "marks",
    "names_identity",
    "new_claim",
    "owner_token",
    "stack_key",
    "successor_of",
    "verdict",
]

_KEY_CHARS = 12  # hex characters of each half of the owner token: 48 bits, no accidental collision in an account


def stack_key(identity: str) -> str:
    """The stack half of an owner token: a hash of the stack's identity."""
    return hashlib.sha256(f"stack\0{identity}".encode()).hexdigest()[:_KEY_CHARS]


def names_identity(project: str, stack: str, organization: str = "organization") -> str:
    """The identity of a stack known only by its names (a ``Certificate`` declared without a ``StackIdentity``)."""
    return f"names:{organization}/{project}/{stack}"


def owner_token(identity: str, entry: str) -> str:
    """The ``pulumi:owner`` value of entry ``entry`` of the stack whose identity is ``identity``."""
    entry_key = hashlib.sha256(f"entry\0{identity}\0{entry}".encode()).hexdigest()[:_KEY_CHARS]
    return f"{stack_key(identity)}.{entry_key}"


def new_claim() -> str:
    """A fresh ``pulumi:claim`` value, one per create."""
    return secrets.token_hex(8)


def marks(owner: str, claim: str, replaces: str = "") -> dict[str, str]:
    """The provider's tags for a certificate that ``owner`` takes with ``claim``, replacing ``replaces`` (empty values
    left out)."""
    return {k: v for k, v in ((OWNER_TAG, owner), (CLAIM_TAG, claim), (REPLACES_TAG, replaces)) if v}


class Holder(enum.Enum):
    """Who holds a certificate, from the point of view of one entry of one stack."""

    NOBODY = "nobody"  # no owner mark: never managed, released, or marked by an older version
    THIS_ENTRY = "this entry"
    OTHER_ENTRY = "another entry of this stack"
    OTHER_STACK = "another stack"


def holder_of(tags: Mapping[str, str], owner: str) -> Holder:
    """Who ``tags`` say manages the certificate, seen from the entry whose owner token is ``owner``."""
    mark = tags.get(OWNER_TAG, "")
    if not mark:
        return Holder.NOBODY
    if mark == owner:
        return Holder.THIS_ENTRY
    mine, _, _ = owner.partition(".")
    theirs, dot, _ = mark.partition(".")
    # Tokens of older versions have no dot and no stack half: whoever wrote them, it is not this entry now.
    return Holder.OTHER_ENTRY if dot and mine and theirs == mine else Holder.OTHER_STACK


@dataclass(frozen=True)
class Verdict:
    """Whether the resource whose state holds ``owner``/``claim`` may delete the certificate, and if not why: which
    mark (``tag``) names someone else now (``value``), and whether no create of this stack explains it (``outside``:
    an edit in the console or another tool, or a take-over the stack cannot see)."""

    may_delete: bool
    reason: str = ""
    tag: str = ""
    value: str = ""
    outside: bool = False

    def advice(self, certificate_id: str) -> str:
        """The ways out for a certificate the stack lets go of because a mark changed outside it ("" otherwise)."""
        if not self.outside:
            return ""
        when = (
            "If no stack of yours took it over (the mark was edited by hand) and this stack should still manage it"
            if self.tag == OWNER_TAG
            else "If this stack should still manage it"
        )
        return (
            f"{when}, adopt it again in an entry: `adopt: {{id: {certificate_id}, take_over: true}}` (take_over: its "
            f"{self.tag} mark no longer names this entry); if nothing needs it, delete it in the Tencent Cloud "
            f"console or with `tccli ssl DeleteCertificate --CertificateId {certificate_id}`"
        )


def adopt_again(certificate_id: str) -> str:
    """How to manage again a certificate a ``retain: true`` entry left in Tencent Cloud (it keeps that entry's marks,
    which an entry of the same stack may adopt without ``take_over``)."""
    return (
        f"To manage it again, adopt it in an entry of this stack (`adopt: {certificate_id}`; from another stack "
        f"`adopt: {{id: {certificate_id}, take_over: true}}`); if nothing needs it, delete it in the Tencent Cloud "
        "console"
    )


def verdict(tags: Mapping[str, str], owner: str, claim: str, taken_in_run: bool = False) -> Verdict:
    """The delete rule: the certificate's marks must still name this resource (see the module docstring).

    ``taken_in_run``: a create of this run made (adopted) the certificate for the same entry, which explains a claim
    that differs from the state's; without it the claim was changed outside the stack.
    """
    holder = holder_of(tags, owner) if owner else Holder.NOBODY
    if holder in (Holder.OTHER_ENTRY, Holder.OTHER_STACK):
        mark = tags.get(OWNER_TAG, "")
        if holder is Holder.OTHER_ENTRY:  # an entry of this stack adopted it: the stack still manages it
            return Verdict(False, f"it is now managed by {holder.value} (tag {OWNER_TAG}={mark})", OWNER_TAG, mark)
        return Verdict(
            False,
            f"it is now managed by {holder.value} (tag {OWNER_TAG}={mark}: an adoption with take_over, or the mark "
            "was changed outside this stack)",
            tag=OWNER_TAG,
            value=mark,
            outside=True,
        )
    current = tags.get(CLAIM_TAG, "")
    # A state without a claim predates claims; a claim on the certificate then came from a later create.
    if current and current != claim:
        if taken_in_run or not claim:
            return Verdict(
                False,
                "a later create of this entry took it over (a forced replacement or a switch to adopt)",
                tag=CLAIM_TAG,
                value=current,
            )
        return Verdict(
            False,
            f"its ownership mark {CLAIM_TAG} was changed outside this stack: it is now {current!r}, not the value this "
            "entry's create wrote and the stack recorded",
            tag=CLAIM_TAG,
            value=current,
            outside=True,
        )
    return Verdict(True)


def successor_of(rows: Iterable[CertificateSummary], certificate_id: str, owner: str) -> str | None:
    """The certificate that replaced ``certificate_id``, as the replacement recorded it at its create, or ``None``.

    Only a certificate of the entry that replaced it (``owner``: the old resource's own entry, or the new name a
    rename gave it, as this run's diff of the replacing resource said: ``provider.handover``) whose
    ``pulumi:replaces`` tag names ``certificate_id`` and whose create completed (no ``pulumi:create``) qualifies; the
    newest: the entry's current certificate when a replacement was itself replaced while ``certificate_id`` was still
    pending (its create then took the pending link over, ``pulumi:replaces=<replaced>,<pending>``), or should a
    killed run have left a second one. Never an older certificate of the entry, nor one another stack or entry holds.
    """
    named = [
        row
        for row in rows
        if row.certificate_id != certificate_id
        and owner
        and row.tags.get(OWNER_TAG) == owner
        and certificate_id in split_replaced(row.tags.get(REPLACES_TAG, ""))
        and CREATE_TAG not in row.tags
    ]
    named.sort(key=lambda row: (row.inserted_at is not None, row.inserted_at), reverse=True)
    return named[0].certificate_id if named else None
