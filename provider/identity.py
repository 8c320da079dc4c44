"""``StackIdentity``: a random value made once per stack state, the stack half of every certificate's owner mark.

Pulumi gives a program its organisation, project and stack names but nothing that tells two backends apart: two
file or S3 backends (or two organisations' DIY states) can hold a stack ``prod`` of project ``certs`` each. A value
kept in the stack's own state does: it is made by the first ``up`` and read back by every later run, it moves with
the state (``pulumi stack export``/``import``, ``pulumi stack rename``), and a new state gets a new one.

Like ``CertificateProvider``, the provider is pickled by reference (``provider.identity.StackIdentityProvider``):
the module path and class name are a compatibility promise.
"""

from __future__ import annotations

import secrets
from typing import Any

import pulumi
import pulumi.dynamic as dyn

__all__ = ["StackIdentity", "StackIdentityProvider"]


class StackIdentityProvider(dyn.ResourceProvider):
    """Makes the identity at create; never changes it, never calls an API."""

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        pass

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        identity = f"stk-{secrets.token_hex(16)}"
        return dyn.CreateResult(identity, {**_plain(props), "identity": identity})

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dyn.DiffResult:
        # Organisation, project and stack names are informative only: a rename keeps the identity.
        return dyn.DiffResult(changes=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult({**_plain(news), "identity": _identity_of(olds, _id)})

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        return dyn.ReadResult(id_, {**props, "identity": _identity_of(props, id_)})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing in the cloud: the identity lives only in the state."""


def _identity_of(props: dict[str, Any], fallback: str) -> str:
    # The one raw lookup of this resource: its state has no schema beyond this one generated value.
    return str(props.get("identity") or fallback)


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


class StackIdentity(dyn.Resource, module="tencentcloud", name="StackIdentity"):
    """The stack state's identity; ``identity`` is the value certificates' owner marks are derived from."""

    identity: pulumi.Output[str]

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "organization": pulumi.get_organization(),
            "project": pulumi.get_project(),
            "stack": pulumi.get_stack(),
            "identity": None,
        }
        super().__init__(StackIdentityProvider(), resource_name, props, opts)
