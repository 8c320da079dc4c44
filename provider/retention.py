"""``RetainedCertificates``: what the stack's ``retain: true`` entries hold, so their removal can be told.

When an entry with ``retain: true`` leaves the stack file, the engine drops its resource from the state without
calling the provider (``retainOnDelete``): nothing of this project runs for it, and the certificate would stay in
Tencent Cloud, unmanaged, without a word. The program cannot see the state, and the certificates' own resources are
gone from the run; so the program declares this one resource after them, with two inputs: ``retained`` (each
``retain: true`` entry's certificate id) and ``declared`` (every name the stack file still holds: entries, their
``renamed_from`` names, ``release:`` names). Its ``diff`` sees the last run's ``retained`` (the host passes old inputs
beneath old outputs, ``provider.host``) beside the current ``declared``: a retained name no longer declared is a
retained removal, said with its id and how to adopt it again. No API call; the diff never reports a change, and the
engine still records the new inputs (a ``same`` step keeps only the outputs). With Pulumi's stock host, which gives
``diff`` the old outputs only, nothing is said.

Like ``CertificateProvider``, the provider is pickled by reference (``provider.retention.RetainedProvider``): the
module path and class name are a compatibility promise.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from .inputs import is_unknown
from .ownership import adopt_again

__all__ = ["RETAINED_NAME", "RetainedCertificates", "RetainedProvider", "retained_removals", "retained_removal_note"]

#: The resource's name in the stack (its own type: no entry clashes).
RETAINED_NAME = "retained-certificates"
_INPUTS = ("retained", "declared")


def retained_removals(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str]:
    """Entry name -> certificate id of the ``retain: true`` entries the last run held and the stack file no longer
    names (an unknown value, as a preview may give, counts as nothing known)."""
    retained = olds.get("retained")
    declared = news.get("declared")
    if not isinstance(retained, dict) or not isinstance(declared, list):
        return {}
    names = {str(name) for name in declared}
    return {
        str(name): certificate_id
        for name, certificate_id in sorted(retained.items())
        if str(name) not in names
        and isinstance(certificate_id, str)
        and certificate_id
        and not is_unknown(certificate_id)
    }


def retained_removal_note(entry: str, certificate_id: str) -> str:
    """What a run says of a removed ``retain: true`` entry."""
    return (
        f"{entry}: removed from the stack file with retain: true: certificate {certificate_id} stays in Tencent Cloud, "
        f"deployed where it is, and this stack no longer manages it (it keeps the entry's ownership tags). "
        f"{adopt_again(certificate_id)}"
    )


class RetainedProvider(dyn.ResourceProvider):
    """Records the inputs; says, in ``diff``, which retained entries the stack file let go of."""

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        pass

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        # No outputs: the inputs the engine records are what the next diff reads (outputs would shadow them).
        return dyn.CreateResult(RETAINED_NAME, {})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        for entry, certificate_id in retained_removals(olds, news).items():
            # The engine shows a dynamic provider's stderr (stdout carries the gRPC port line).
            print(retained_removal_note(entry, certificate_id), file=sys.stderr, flush=True)
        return dyn.DiffResult(changes=False)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult({})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing in the cloud: the record lives only in the state."""


class RetainedCertificates(dyn.Resource, module="tencentcloud", name="RetainedCertificates"):
    """The stack's retained entries (name -> certificate id) and the names its stack file declares."""

    def __init__(
        self,
        resource_name: str,
        retained: Mapping[str, pulumi.Input[str]],
        declared: list[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"retained": dict(retained), "declared": sorted(set(declared))}
        super().__init__(RetainedProvider(), resource_name, props, opts)
