"""The Pulumi program's logic: declare one ``Certificate`` per entry of a stack file, and the stack's outputs.

``__main__.py`` only calls :func:`run`. Kept here, importable and free of import-time side effects, so tests can
run it under ``pulumi.runtime.set_mocks``. Private keys become Pulumi secrets the moment they are read.
"""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import is_config_secret

from .certificate import Certificate, CertificateArgs
from .fields import INPUTS, SOURCES
from .identity import StackIdentity
from .retention import RETAINED_NAME, RetainedCertificates
from .settings import SECRET_CONFIG_KEYS
from .stackfile import (
    AdoptSource,
    CertificateSpec,
    FreeSource,
    SecretError,
    SecretRef,
    StackFile,
    StackFileError,
    UploadSource,
    load_stack_file,
    resolve_secret,
)

__all__ = [
    "IDENTITY_NAME",
    "OUTPUTS_KEY",
    "OUTPUT_MODES",
    "PROGRAM_GC_THRESHOLDS",
    "SECRET_CONFIG_KEYS",
    "certificate_args",
    "declare",
    "inline_key_warnings",
    "plain_credentials",
    "run",
    "stack_file_path",
    "stack_outputs",
    "unnest_pickler",
    "tune_collector",
]

# pulumi's serialize_provider (pulumi/dynamic/dynamic.py), run for every dynamic resource, wraps pickle's
# _Pickler._batch_setitems in a sorting wrapper and never restores it: each resource nests one more wrapper, so the
# provider pickle of resource n runs n wrappers (quadratic) and past ~985 resources hits the recursion limit. Putting
# the original back before each resource leaves one wrapper: the same sorted, byte-identical pickle.
_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]


def unnest_pickler() -> None:
    """Undo the wrappers serialize_provider left on pickle's dict writer (see ``_BATCH_SETITEMS``)."""
    if _BATCH_SETITEMS.__qualname__ == "_Pickler._batch_setitems":  # pickle's own, not a wrapper caught at import
        pickle._Pickler._batch_setitems = _BATCH_SETITEMS  # type: ignore[attr-defined]


#: The name of the stack's ``StackIdentity`` resource (another type than the certificates, so no entry clashes).
IDENTITY_NAME = "stack-identity"


def stack_file_path(project_dir: Path, stack: str) -> Path:
    """``stacks/<stack>.yaml`` beside ``Pulumi.yaml``."""
    return project_dir / "stacks" / f"{stack}.yaml"


def _read_config(reference: str) -> tuple[str | None, bool]:
    """A ``[namespace:]key`` config value (secrets arrive decrypted) and whether it is stored in plain text."""
    namespace, _, key = reference.rpartition(":")
    value = pulumi.Config(namespace or None).get(key)
    return value, value is not None and not is_config_secret(f"{namespace or pulumi.get_project()}:{key}")


def _config_value(reference: str) -> str | None:
    """A ``{config: [namespace:]key}`` reference's value from the stack config (secrets arrive decrypted).

    Raises ``SecretError`` (the loader reports it with file, line and field) for a value set without ``--secret``:
    it sits in plain text in ``Pulumi.<stack>.yaml``, usually committed.
    """
    value, plain = _read_config(reference)
    if plain:
        raise SecretError(
            f"config key {reference!r} holds a private key but is not a secret, so it is stored in plain text in "
            f"Pulumi.{pulumi.get_stack()}.yaml; run `pulumi config rm {reference}` and then "
            f"`pulumi config set --secret {reference} < KEYFILE`"
        )
    return value


def _private_key(ref: SecretRef, stack: StackFile, environ: Mapping[str, str]) -> pulumi.Input[str]:
    if ref.kind == "config":
        namespace, _, key = ref.value.rpartition(":")
        return pulumi.Config(namespace or None).require_secret(key)
    return pulumi.Output.secret(resolve_secret(ref, stack.base_dir, environ))


#: The resource arguments every source has that the stack file writes (alias and the shared options).
COMMON_ARGUMENTS = tuple(f.name for f in INPUTS if f.key and f.sources == SOURCES)


def _argument(value: Any) -> Any:
    """A spec's value as a resource argument: mappings as dicts, and lists for the tuples a frozen spec holds."""
    if isinstance(value, Mapping):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
    return value


def certificate_args(spec: CertificateSpec, stack: StackFile, environ: Mapping[str, str]) -> CertificateArgs:
    """The resource arguments of one stack-file entry."""
    # The registry's inputs every source has that the stack file writes, under the spec's attribute of the same name
    # (retain is also a resource option, below; as an input it tells the provider a replaced certificate is kept).
    common: dict[str, Any] = {name: _argument(getattr(spec, name)) for name in COMMON_ARGUMENTS}
    source = spec.source
    if isinstance(source, UploadSource):
        return CertificateArgs(
            certificate=source.certificate_pem,
            private_key=_private_key(source.private_key, stack, environ) if source.private_key else None,
            # Where the key comes from, never the key: policy packs see inputs only (policy/).
            private_key_from=source.private_key.kind if source.private_key else None,
            certificate_type=spec.cert_type,
            allow_expired=spec.allow_expired,
            **common,
        )
    if isinstance(source, AdoptSource):
        return CertificateArgs(adopt_id=source.certificate_id, take_over=source.take_over, **common)
    if isinstance(source, FreeSource):
        return CertificateArgs(free_domain=source.domain, free_validation=source.validation, **common)
    raise TypeError(f"unknown certificate source {source!r}")


def options(spec: CertificateSpec) -> pulumi.ResourceOptions:
    """retain, protect and former names (Pulumi aliases, so a rename is not a delete and re-upload)."""
    return pulumi.ResourceOptions(
        protect=spec.protect,
        retain_on_delete=spec.retain,
        aliases=[pulumi.Alias(name=old) for old in spec.renamed_from],
    )


def inline_key_warnings(stack: StackFile) -> list[str]:
    """One warning per entry whose private key is written in the stack file itself."""
    return [
        f"{stack.path}:{spec.line}: {spec.name}: upload.private_key is an inline PEM key in the stack file: it stays "
        "a secret in the state, but anyone who can read the file (the repository) has it. Move it to "
        "{config: KEY} (`pulumi config set --secret KEY < KEYFILE`) or {env: VAR}"
        for spec in stack.certificates
        if isinstance(spec.source, UploadSource)
        and spec.source.private_key is not None
        and spec.source.private_key.kind == "inline"
    ]


#: The stack config key choosing the stack outputs, and its values: ``full`` (default) exports id, domain, SANs,
#: expiry and alias per entry; ``ids`` only each entry's id (a big stack's output map stays short in every ``up``);
#: ``none`` exports nothing.
OUTPUTS_KEY = "tencentcloud:stackOutputs"
OUTPUT_MODES = ("full", "ids", "none")


def declare(stack: StackFile, environ: Mapping[str, str], outputs: str = "full") -> dict[str, Certificate]:
    """Declare every certificate of ``stack`` and export what ``outputs`` (``OUTPUT_MODES``) says per entry."""
    # One identity per stack state: the stack half of every certificate's owner mark (provider.ownership).
    identity = StackIdentity(IDENTITY_NAME)
    resources = {}
    for spec in stack.certificates:
        unnest_pickler()
        resources[spec.name] = Certificate(
            spec.name,
            certificate_args(spec, stack, environ),
            options(spec),
            identity=identity,
            renamed_from=spec.renamed_from,
            stack_file=_stack_file(stack) if spec.renamed_from else "",
        )
    for name in stack.released:
        unnest_pickler()
        Certificate.released(name)  # kept as the state has it, retained: not exported, no longer the stack's
    # The next run tells a removed retain: true entry, which the engine drops without a provider call, by this record.
    unnest_pickler()
    RetainedCertificates(
        RETAINED_NAME,
        retained={spec.name: resources[spec.name].certificate_id for spec in stack.certificates if spec.retain},
        declared=[
            *(spec.name for spec in stack.certificates),
            *(old for spec in stack.certificates for old in spec.renamed_from),
            *stack.released,
        ],
    )
    exported = stack_outputs(resources, outputs)
    if exported is not None:
        pulumi.export("certificates", exported)
    return resources


def _stack_file(stack: StackFile) -> str:
    """``stacks/<stack>.yaml``, the file the provider's messages about a renamed entry name (the same on every
    machine). No line: an input that changed whenever lines moved would show in every diff of the entry."""
    return f"{stack.path.parent.name}/{stack.path.name}"


def stack_outputs(resources: Mapping[str, Certificate], mode: str) -> dict[str, Any] | None:
    """The ``certificates`` stack output in ``mode`` (``OUTPUT_MODES``); None exports nothing."""
    if mode == "none":
        return None
    if mode == "ids":
        return {name: res.certificate_id for name, res in resources.items()}
    return {
        name: {
            "id": res.certificate_id,
            "domain": res.domain,
            "subject_alt_names": res.subject_alt_names,
            "not_after": res.not_after,
            "alias": res.alias,
        }
        for name, res in resources.items()
    }


def output_mode() -> str:
    """The stack config's ``OUTPUTS_KEY`` (default ``full``); any other value than ``OUTPUT_MODES`` stops the run."""
    value, _plain = _read_config(OUTPUTS_KEY)  # not a secret: plain text is expected
    mode = (value or "full").strip()
    if mode not in OUTPUT_MODES:
        raise pulumi.RunError(
            f"Pulumi.{pulumi.get_stack()}.yaml: {OUTPUTS_KEY} is {mode!r}; use one of {', '.join(OUTPUT_MODES)}"
        )
    return mode


# SECRET_CONFIG_KEYS (provider.settings): set without ``--secret`` they sit in plain text in Pulumi.<stack>.yaml.


def plain_credentials() -> list[str]:
    """The credential config keys this stack sets without ``--secret``."""
    return [key for key in SECRET_CONFIG_KEYS if _read_config(key)[1]]


#: The collector's thresholds for a program run: a young collection every 50,000 new objects instead of 700.
PROGRAM_GC_THRESHOLDS = (50_000, 20, 100)


def tune_collector() -> None:
    """Set the garbage collector for a program run, a short batch process that ends with the run.

    Declaring a stack builds a large live heap (an Output and its task per property of every resource), which the
    default thresholds re-scan hundreds of times: a fifth to a third of a 500-entry program's CPU. The modules
    loaded so far are frozen out of every scan; cycles are still collected, only less often.
    """
    gc.freeze()
    gc.set_threshold(*PROGRAM_GC_THRESHOLDS)


def run(project_dir: Path) -> None:
    """The program: load ``stacks/<current stack>.yaml`` and declare it; a bad file stops before any resource."""
    exposed = plain_credentials()
    if exposed:
        raise pulumi.RunError(
            f"Pulumi.{pulumi.get_stack()}.yaml holds {', '.join(exposed)} in plain text (set without --secret), "
            "where anyone who can read the file has it; run `pulumi config rm KEY` and then "
            "`pulumi config set --secret KEY` (or export TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_SECURITY_TOKEN)"
        )
    path = stack_file_path(project_dir, pulumi.get_stack())
    try:
        # With the stack config, {config: ...} keys are checked like the others: present, a key, matching its
        # certificate, each problem with file, line and field (the provider's check would only name the resource).
        stack = load_stack_file(path, config=_config_value)
    except FileNotFoundError:
        raise pulumi.RunError(
            f"{path}: no stack file for stack {pulumi.get_stack()!r}; create it (see docs/stack-file.md)"
        ) from None
    except StackFileError as err:
        # Every problem at once, with file, line and field; nothing has been declared, so nothing changes.
        raise pulumi.RunError(str(err)) from None
    for warning in inline_key_warnings(stack):
        pulumi.log.warn(warning)
    declare(stack, os.environ, output_mode())
