"""Certificates a killed run left behind: marked as an entry's, held by no state, found in reads already made.

A run killed after a create returned and before Pulumi recorded it leaves a certificate carrying the entry's
``pulumi:owner`` (and claim, and on a replacement ``pulumi:replaces``) that no state holds. While the entry uploads
the same files the next create finds it (``provider.creation``); once the entry is renewed or removed, nothing else
would ever mention it. So reads of the entry's certificates by owner name such certificates, with how to adopt or
delete them: the diff's, made anyway for pending deletions (no extra call; a rename's diff also reads the new name's
marks, which a killed replacement under the new name carries), and one read per removed entry after its delete (a
removal or destroy: the last call that concerns the entry). Nothing is deleted: a certificate the state does hold
can carry the same marks, and only the user can look at the state. The first create of an entry, killed, then the
entry no longer declared: no call of a later run concerns that entry, so that certificate is not named.

Which certificates count, from what the reading call knows the state holds for the entry (``held``: its certificate,
the ones it records replacing):

- not held, and not a failed deletion (``pulumi:deploy``: a certificate the state keeps pending deletion);
- and provably not an older certificate of the entry: it records replacing one the state holds (a replacement the
  state never recorded), it still carries the in-flight ``pulumi:create`` mark (a create that never completed), or
  it is newer than the state's certificate (made after it by a create the state never recorded). A certificate kept
  by ``retain: true`` is older and records no replacement of what the state holds: it is left alone.

Plain values and functions, and ``name_left_behind``, the one read both callers make: no Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from .rules import CREATE_TAG, DEPLOY_TAG, OWNER_TAG, REPLACES_TAG, split_replaced
from .ssl import CertificateSummary, SslService
from .tencentcloud.errors import TencentCloudError

__all__ = ["left_behind", "left_behind_message", "name_left_behind"]


def left_behind(rows: Iterable[CertificateSummary], owner: str, current: str, held: Collection[str]) -> list[str]:
    """The certificates among ``rows`` (the entry's, read by its ``owner`` mark) that a killed run left behind, given
    the state's certificate ``current`` and the other ids it holds for the entry, ``held``."""
    if not owner:
        return []
    rows = [row for row in rows if row.tags.get(OWNER_TAG) == owner]
    known = {current, *held}
    newest = next((row.inserted_at for row in rows if row.certificate_id == current), None)
    found = []
    for row in rows:
        if row.certificate_id in known or DEPLOY_TAG in row.tags:
            continue
        replaces = set(split_replaced(row.tags.get(REPLACES_TAG, "")))
        newer = newest is not None and row.inserted_at is not None and row.inserted_at > newest
        if replaces & known or CREATE_TAG in row.tags or newer:
            found.append(row.certificate_id)
    return sorted(found)


def left_behind_message(entry: str, certificate_id: str, current: str) -> str:
    """The warning naming ``certificate_id``: why it is there and the commands to adopt or delete it."""
    return (
        f"warning: {entry}: certificate {certificate_id} is marked as this entry's (tag {OWNER_TAG}) but is not the "
        f"certificate this stack's state holds for it ({current}): most likely a run was killed after creating it, "
        f"before Pulumi recorded it, and nothing else will mention it. If `pulumi stack export` does not list "
        f"{certificate_id}, it is in no stack: adopt it (`adopt: {certificate_id}` for an entry of the stack file, "
        f"then `pulumi up`) or delete it (`tccli ssl DeleteCertificate --CertificateId {certificate_id}`, or the SSL "
        "console); the provider does not delete it on its own"
    )


def name_left_behind(
    ssl: SslService, say: Callable[[str], None], entry: str, owner: str, current: str, held: Collection[str]
) -> None:
    """Read the certificates marked ``owner`` (one call) and say which a killed run left behind; best effort: a
    failed read says nothing, since the operation that asked matters more."""
    if not owner:
        return
    try:
        rows = ssl.find_certificates(tags={OWNER_TAG: owner})
    except TencentCloudError:
        return
    for other in left_behind(rows, owner, current, held):
        say(left_behind_message(entry, other, current))
