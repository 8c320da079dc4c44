"""A certificate's outputs: the inputs echoed (all but the PEM and the key), plus what Tencent reports (ids, names,
dates, status, live tags), and what a refresh hands back to the engine as inputs.

The certificate and its key stay in the inputs only: echoing them doubled the state (the engine rewrites the whole
state after every step, so a big stack paid for it quadratically) and put a second copy of the secret in it. The
outputs record instead a digest of the certificate chain and whether a key came with it, which is all ``diff``
needs when it is handed the old outputs alone (Pulumi's stock dynamic-provider host): a key cannot change without
the certificate changing, since it must match the certificate's public key (``check``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import INPUTS
from .inputs import (
    CERTIFICATE_DIGEST,
    HAS_PRIVATE_KEY,
    CertificateInputs,
    certificate_digest,
    field_changed,
    input_names,
    iso,
)
from .pem import sha1_fingerprint
from .ssl import CertificateDetail, CertificateStatus

__all__ = ["OUTPUT_NAMES", "PEM_INPUTS", "STALE_INPUTS", "outputs", "refreshed_inputs", "status_name"]

#: The inputs the outputs do not echo.
PEM_INPUTS = tuple(f.name for f in INPUTS if f.kind == "pem")
#: The output naming the in-place fields a refresh found changed in Tencent Cloud but could not hand back as inputs.
STALE_INPUTS = "stale_inputs"
_IN_PLACE = tuple(f.name for f in INPUTS if f.in_place)

#: Computed outputs the ``Certificate`` resource exposes as attributes: those the program reads for the stack
#: outputs (``provider.program``), besides the inputs, which are echoed (alias, project_id and tags hold the live
#: values). Every other output (not_before, status, fingerprint, the bookkeeping ``claim``, ``STALE_INPUTS``, ...) is
#: stored in the state all the same but not registered: the SDK keeps an Output per registered name, and its
#: end-of-program wait re-scans every pending Output each time one resolves (O(Outputs²) over the stack), so each
#: registered name costs per resource on every preview and up.
OUTPUT_NAMES = ("certificate_id", "domain", "subject_alt_names", "not_after")


def outputs(
    spec: CertificateInputs,
    detail: CertificateDetail,
    tags: Mapping[str, str],
    claim: str | None = None,
    predecessor: str = "",
    recorded: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The complete outputs of a certificate from its inputs, its detail, its user tags and its claim.

    ``claim`` is the ``pulumi:claim`` of the create that took the certificate (``provider.ownership``); the delete
    compares it with the certificate's. ``predecessor`` is the certificate a replacement recorded replacing (output
    ``replaces``): preview checks whether it is still waiting to be deleted. ``recorded`` (read) is the state being
    refreshed: when ``spec`` lacks the PEM (old outputs alone), its record of the PEM is kept.
    """
    outs = {k: v for k, v in spec.to_props().items() if k not in PEM_INPUTS}
    if spec.source == "upload":
        if spec.certificate:
            outs[CERTIFICATE_DIGEST] = certificate_digest(spec.certificate)
            outs[HAS_PRIVATE_KEY] = bool(spec.private_key)
        elif recorded is not None:
            outs.update({k: recorded[k] for k in (CERTIFICATE_DIGEST, HAS_PRIVATE_KEY) if k in recorded})
    fingerprint = detail.fingerprint or (sha1_fingerprint(spec.certificate) if spec.certificate else "")
    outs.update(
        certificate_id=detail.certificate_id,
        domain=detail.domain,
        subject_alt_names=list(detail.domains),
        not_before=iso(detail.not_before),
        not_after=iso(detail.not_after),
        status=int(detail.status),
        status_name=detail.status_name or status_name(detail.status),
        fingerprint=fingerprint or str((recorded or {}).get("fingerprint") or ""),
        certificate_type=detail.certificate_type or spec.certificate_type,
        alias=detail.alias,
        project_id=detail.project_id,
        tags=dict(tags),
    )
    if claim:
        outs["claim"] = claim
    if predecessor:
        outs["replaces"] = predecessor
    return outs


def refreshed_inputs(props: Mapping[str, Any], outs: dict[str, Any]) -> dict[str, Any] | None:
    """The inputs a refresh hands back (the live alias, project and tags, so the next diff corrects drift), or None.

    None when ``props`` (the old state) lacks the certificate it must hand back: the engine then keeps the inputs it
    stored (pkg/v3/resource/deploy/step.go, RefreshStep: "Otherwise, retain the current inputs"), PEM and key
    included; answering inputs without them would drop them from the state. The engine's own diff of old and new
    inputs would then miss drift, so ``outs`` records the drifted fields (``STALE_INPUTS``) and ``diff`` reports a
    change itself. Fields drifted earlier stay recorded until an update writes fresh outputs.
    """
    source = str(outs["source"])
    if source == "upload" and not props.get("certificate"):
        stale = set(props.get(STALE_INPUTS) or ()) | {n for n in _IN_PLACE if field_changed(n, props, outs)}
        if stale:
            outs[STALE_INPUTS] = sorted(stale)
        return None
    inputs = {k: outs[k] for k in input_names(source) if k in outs and outs[k] is not None}
    inputs.update({k: props[k] for k in PEM_INPUTS if source == "upload" and props.get(k)})
    return inputs


def status_name(status: int) -> str:
    """A readable name for a certificate status Tencent gave no name for."""
    try:
        return CertificateStatus(status).name.lower().replace("_", " ")
    except ValueError:
        return f"status {status}"
