"""Renames the engine would not make: refused in ``diff``, before any change.

``renamed_from`` becomes Pulumi resource aliases, and the engine looks a resource up by its own name first: only
when that name is not in the state are the aliases tried (pkg/resource/deploy/step_generator.go, getOldResource).
So when the new name is already in the state, the former name is no rename at all: its resource is deleted, and an
entry that now uploads the former entry's files uploads that certificate a second time under a new id. When a new
name takes one former name's state, any other former name still in the state is deleted the same way.

Where this can be refused before any change: the stack-file loader cannot see the state; nor can the program (the
SDK reads no state: a ``StackReference`` to the stack itself reads only its outputs, which ``stackOutputs: none``
leaves empty, and the engine's ``getResource`` invoke only what this run registered). ``diff`` runs in the preview
that ``pulumi up`` makes first, sees the resource's old state, and can ask Tencent Cloud: a certificate that carries
a former name's owner mark (``provider.ownership``), other than the ones this resource holds, replaces or adopts, is
that entry's, still in the state. It is looked up by that mark (DescribeCertificates filtered by the tag): one call
per former name that the resource did not take its state from, only for entries with ``renamed_from``, whatever the
size of the account.
A certificate a retained entry left behind carries that mark too, so the message says how to go on either way.
After a rename was applied, the renamed certificate keeps its former name's mark but is this resource's own, so
``renamed_from`` left in the file refuses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import UNCHECKED, CertificateError
from .inputs import CertificateInputs, is_unknown, recorded_predecessors
from .rules import OWNER_TAG
from .ssl import SslService
from .tencentcloud.errors import TencentCloudError

__all__ = ["moved_mark", "refuse_unmade_renames"]


def refuse_unmade_renames(
    ssl: SslService, certificate_id: str, olds: Mapping[str, Any], new: CertificateInputs
) -> None:
    """Raise ``CertificateError`` when a former name of ``new``'s entry still holds a certificate of its own.

    ``certificate_id`` and ``olds`` are the resource's id and old state, as ``diff`` gets them.
    """
    former = {name: token for name, token in new.renamed_from.items() if token and not is_unknown(token)}
    if not former or is_unknown(new.owner):
        return
    # Found through an alias: the old state is that former name's, its certificate this resource's.
    taken_from = str(olds.get("owner") or "")
    ours = {certificate_id, *recorded_predecessors(olds), new.adopt_id} - {""}
    stranded: dict[str, list[str]] = {}
    for name, token in sorted(former.items()):
        if token in (new.owner, taken_from):
            continue
        try:
            rows = ssl.find_certificates(tags={OWNER_TAG: token})
        except TencentCloudError as error:
            raise CertificateError(
                f"{_where(new)}: could not check whether the former name {name!r} still has a certificate of its own: "
                f"{error}. {UNCHECKED}"
            ) from None
        # The filter is Tencent's; the mark is checked again here, as every other reader of it does.
        held = sorted(r.certificate_id for r in rows if r.tags.get(OWNER_TAG) == token and r.certificate_id not in ours)
        if held:
            stranded[name] = held
    if stranded:
        raise CertificateError(_message(new, certificate_id, stranded))


def moved_mark(
    ssl: SslService, certificate_id: str, old_owner: str, new_owner: str
) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """For an update: the certificate's current tags and the owner mark to set when the entry was renamed, or Nones.

    A rename carries the state over but not the mark, which still names the former entry; the state the update
    writes names the new one, so the delete rule (``provider.ownership.verdict``) would leave the certificate in
    place for good. The mark moves only while it still names the former entry: one another entry or stack has
    taken since stays theirs.
    """
    if not old_owner or old_owner == new_owner or not new_owner or is_unknown(new_owner):
        return None, None
    current = ssl.get_tags(certificate_id)
    if current.get(OWNER_TAG) != old_owner:
        return current, None
    return current, {OWNER_TAG: new_owner}


def _where(new: CertificateInputs) -> str:
    """The stack file and field the messages name (``stacks/<stack>.yaml: certificates.<entry>.renamed_from``)."""
    field = f"certificates.{new.entry}.renamed_from"
    return f"{new.stack_file}: {field}" if new.stack_file else field


def _message(new: CertificateInputs, certificate_id: str, stranded: Mapping[str, list[str]]) -> str:
    entry = new.entry
    held = "; ".join(f"{name!r} holds certificate {', '.join(ids)}" for name, ids in stranded.items())
    first_name, first_ids = next(iter(stranded.items()))
    return (
        f"{_where(new)}: {', '.join(repr(n) for n in stranded)} cannot be renamed into {entry!r}: "
        f"{entry!r} already has its own certificate ({certificate_id}) in the stack, and Pulumi then ignores "
        f"renamed_from, so {held} that this run would delete (an upload of the same files would upload it again "
        f"under a new id). Nothing was changed. To move that certificate to {entry!r} in one run, write "
        f"`adopt: {first_ids[0]}` for {entry!r} instead of its source ({first_name!r}'s removal then leaves it in "
        f"place); to give up {entry!r}'s current certificate first, remove {entry!r} in "
        f"one run and rename {first_name!r} in the next; if {first_name!r} was removed with retain: true and its "
        f"certificate is no longer in the stack, drop {first_name!r} from renamed_from"
    )
