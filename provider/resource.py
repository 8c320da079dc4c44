"""The ``Certificate`` resource and its arguments, ``CertificateArgs`` (both re-exported by ``provider.certificate``).

``CertificateArgs`` keeps a typed field per user property (for editors and type checkers); which of them a source
sends, which are secret and what an unset one defaults to all come from the schema, ``provider.inputs``. The
resource's provider, ``provider.certificate.CertificateProvider``, is imported when a resource is made: that module
re-exports this one, and its path is the pickle's (see there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic as dyn

from .identity import StackIdentity
from .inputs import REQUIRED_INPUTS, SECRET_FIELDS, default_of, defaults_of, input_names, sparse_inputs
from .outputs import OUTPUT_NAMES
from .ownership import names_identity, owner_token

__all__ = ["RELEASED", "Certificate", "CertificateArgs"]

#: The one input of an entry listed under ``release:``: the provider's check keeps the inputs the state recorded.
RELEASED = "released"


@dataclass
class CertificateArgs:
    """What one certificate is: exactly one of ``certificate`` (upload), ``adopt_id`` or ``free_domain``.

    ``private_key`` is always sent as a Pulumi secret. Durations are seconds or text such as ``10m``. ``None``
    (``tags``, ``deploy_regions``) stands for the schema's default.
    """

    certificate: pulumi.Input[str] | None = None
    private_key: pulumi.Input[str] | None = None
    private_key_from: pulumi.Input[str] | None = None
    certificate_type: pulumi.Input[str] = default_of("certificate_type")
    adopt_id: pulumi.Input[str] | None = None
    take_over: pulumi.Input[bool] = default_of("take_over")
    free_domain: pulumi.Input[str] | None = None
    free_validation: pulumi.Input[str] = default_of("free_validation")
    alias: pulumi.Input[str] = default_of("alias")
    project_id: pulumi.Input[int] = default_of("project_id")
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    check_resources: pulumi.Input[bool] = default_of("check_resources")
    rotate: pulumi.Input[bool] = default_of("rotate")
    retain: pulumi.Input[bool] = default_of("retain")
    renew_before: pulumi.Input[str] = default_of("renew_before")
    deploy_regions: pulumi.Input[Mapping[str, Sequence[str]]] | None = None
    delete_timeout: pulumi.Input[float | str] = default_of("delete_timeout")
    create_timeout: pulumi.Input[float | str] = default_of("create_timeout")
    allow_expired: pulumi.Input[bool] = default_of("allow_expired")

    @property
    def source(self) -> str:
        """``"upload"``, ``"adopt"`` or ``"free"``: the source whose required field is set."""
        kinds = [k for k, names in REQUIRED_INPUTS.items() if all(getattr(self, n) is not None for n in names)]
        if len(kinds) != 1:
            raise ValueError("CertificateArgs needs exactly one of certificate, adopt_id or free_domain")
        return kinds[0]

    def to_inputs(self) -> dict[str, Any]:
        """The resource's input properties: the source's, as the schema lists them (without entry/owner)."""
        source = self.source
        defaults = defaults_of(source)
        props: dict[str, Any] = {"source": source}
        for name in input_names(source):
            if name not in _ARG_NAMES:
                continue  # set by the resource itself: source, entry, owner
            value = getattr(self, name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif value is None:
                if name not in defaults:
                    continue  # a value without a default left out, e.g. the private key of a CA certificate
                value = defaults[name]
            props[name] = pulumi.Output.secret(value) if name in SECRET_FIELDS else value
        return props


_ARG_NAMES = frozenset(f.name for f in dataclasses.fields(CertificateArgs))


class Certificate(dyn.Resource, module="tencentcloud", name="Certificate"):
    """A Tencent Cloud SSL certificate: uploaded, applied for (free DV) or adopted; type token
    ``pulumi-python:dynamic/tencentcloud:Certificate``."""

    # For type checkers only: at run time the SDK resolves a resource class's annotations again for every resource
    # it registers (pulumi._types.resource_types), about 1 ms each, a tenth of a 500-entry program's CPU; a dynamic
    # resource's outputs need no type to translate them. The attributes are the inputs and ``OUTPUT_NAMES``; the
    # provider's other outputs are in the state only (see provider.outputs).
    if TYPE_CHECKING:
        certificate_id: pulumi.Output[str]
        domain: pulumi.Output[str]
        subject_alt_names: pulumi.Output[list[str]]
        not_after: pulumi.Output[str]
        alias: pulumi.Output[str]
        project_id: pulumi.Output[int]
        tags: pulumi.Output[dict[str, str]]
        source: pulumi.Output[str]
        check_resources: pulumi.Output[bool]
        delete_timeout: pulumi.Output[float]

    def __init__(
        self,
        resource_name: str,
        args: CertificateArgs | None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        identity: StackIdentity | None = None,
        renamed_from: Sequence[str] = (),
        stack_file: str = "",
    ) -> None:
        """``identity`` (one per stack) tells this stack's certificates from those of a same-named stack elsewhere;
        without it the owner mark derives from the organisation, project and stack names alone. ``args`` None: a
        released entry (see ``released``). ``renamed_from`` (the former names, also given as aliases in ``opts``)
        lets the provider refuse a rename the engine would not make (``provider.renames``); ``stack_file`` (the
        stack file's path, ``stacks/<stack>.yaml``) is the file its messages name."""
        from .certificate import CertificateProvider  # that module imports this one (it re-exports it)

        if args is not None:
            props: dict[str, Any] = sparse_inputs(args.to_inputs())
        else:
            # The provider's check returns the recorded inputs; the engine (which sends this provider no secrets)
            # marks a returned field secret only when the same field arrived secret: hence a secret per key field.
            props = {RELEASED: True, **{name: pulumi.Output.secret(RELEASED) for name in sorted(SECRET_FIELDS)}}
        props["entry"] = resource_name
        if args is not None:  # a released entry keeps the owner mark its state recorded
            props["owner"] = _owner(resource_name, identity)
            if renamed_from:
                props["renamed_from"] = {old: _owner(old, identity) for old in renamed_from}
            if stack_file:
                props["stack_file"] = stack_file
        for name in OUTPUT_NAMES:
            props.setdefault(name, None)
        # The outputs no longer echo the key (provider.outputs), but a state written before may: kept secret too.
        secret = pulumi.ResourceOptions(additional_secret_outputs=["private_key"])
        super().__init__(CertificateProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret, opts))

    @classmethod
    def released(cls, resource_name: str, opts: pulumi.ResourceOptions | None = None) -> Certificate:
        """An entry listed under ``release:``: the certificate the state records, unchanged and now retained, so
        that taking the name out of ``release:`` drops it from the stack and leaves it in Tencent Cloud."""
        retained = pulumi.ResourceOptions(retain_on_delete=True)
        return cls(resource_name, None, pulumi.ResourceOptions.merge(opts, retained))


def _owner(resource_name: str, identity: StackIdentity | None) -> pulumi.Input[str]:
    if identity is not None:
        return identity.identity.apply(lambda value: owner_token(value, resource_name))
    names = names_identity(pulumi.get_project(), pulumi.get_stack(), pulumi.get_organization())
    return owner_token(names, resource_name)
