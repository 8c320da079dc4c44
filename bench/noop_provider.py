"""A dynamic provider that does nothing, for ``bench_stack.py``'s ``noop`` setup: the engine's own cost.

Its resources take the same inputs as an uploaded certificate (the certificate PEM, the private key as a Pulumi
secret, alias and tags) so the engine, the language host and the state carry the same bytes; create, read, diff and
delete do no work and return the smallest outputs. The program of that setup is two lines: ``declare(certs_dir)``.

It lives in an importable module (``bench.noop_provider``, with the repository root on ``PYTHONPATH``) so the
provider is pickled by reference, as ours is, not by value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

__all__ = ["NoopCertificate", "NoopProvider", "declare"]


class NoopProvider(ResourceProvider):
    """Creates nothing: the id is the resource's name and the only output is the alias."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=str(props["alias"]), outs={"alias": props["alias"]})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class NoopCertificate(Resource, module="bench", name="NoopCertificate"):
    """One certificate's inputs, managed by :class:`NoopProvider`."""

    def __init__(self, name: str, certificate: str, private_key: pulumi.Input[str]) -> None:
        props = {
            "certificate": certificate,
            "private_key": pulumi.Output.secret(private_key),
            "alias": name,
            "tags": {"bench": "stack"},
        }
        super().__init__(NoopProvider(), name, props)


def declare(certs_dir: Path) -> None:
    """One resource per ``<name>.pem`` in ``certs_dir``, with ``<name>.key`` as its secret key, as the stack file of
    the certificate setups declares them."""
    names = sorted(p.stem for p in certs_dir.glob("*.pem"))
    for name in names:
        NoopCertificate(
            name,
            (certs_dir / f"{name}.pem").read_text(encoding="utf-8"),
            (certs_dir / f"{name}.key").read_text(encoding="utf-8"),
        )
    pulumi.export("certificates", len(names))
