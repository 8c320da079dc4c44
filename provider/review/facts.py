"""What a reviewer is told about a certificate: its names, expiry and fingerprint, never its PEM or key.

The certificate a step starts from is described by the state's outputs (``domain``, ``subject_alt_names``,
``not_after``, ``fingerprint``: the outputs keep these even without the PEM). The planned one is read from the
planned input: the PEM of an upload (parsed here, only these facts kept), the domain of a free certificate, the id
of an adopted one (Tencent's facts about it are known only after ``up``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from ..inputs import iso
from ..pem import common_name, dns_names, parse_chain, sha1_fingerprint

__all__ = ["CertificateFacts", "facts_of_inputs", "facts_of_outputs"]

_SECRET = "[secret]"


@dataclass(frozen=True)
class CertificateFacts:
    """Names, expiry (ISO 8601 UTC, ``Z``) and SHA-1 fingerprint; empty where they are not known."""

    domain: str = ""
    subject_alt_names: tuple[str, ...] = ()
    not_after: str = ""
    fingerprint: str = ""
    note: str = ""  # why the facts are partial, e.g. "known after up"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name covered, main domain first, without duplicates."""
        return tuple(dict.fromkeys(n for n in (self.domain, *self.subject_alt_names) if n))


def _text(value: Any) -> str:
    return value if isinstance(value, str) and value != _SECRET else ""


def facts_of_outputs(outputs: Mapping[str, Any]) -> CertificateFacts:
    """The facts a certificate's outputs in the state record."""
    sans = outputs.get("subject_alt_names")
    names = tuple(str(n) for n in sans) if isinstance(sans, list) else ()
    fingerprint = _text(outputs.get("fingerprint"))
    if not fingerprint and _text(outputs.get("certificate")):
        fingerprint = sha1_fingerprint(_text(outputs.get("certificate")))
    return CertificateFacts(
        domain=_text(outputs.get("domain")),
        subject_alt_names=names,
        not_after=_text(outputs.get("not_after")),
        fingerprint=fingerprint,
    )


def facts_of_inputs(inputs: Mapping[str, Any]) -> CertificateFacts:
    """The facts of the certificate the planned inputs describe."""
    source = _text(inputs.get("source")) or "upload"
    if source == "free":
        domain = _text(inputs.get("free_domain"))
        return CertificateFacts(domain=domain, subject_alt_names=(domain,) if domain else (), note="issued by up")
    if source == "adopt":
        return CertificateFacts(note=f"adopted {_text(inputs.get('adopt_id'))}, known after up")
    pem = _text(inputs.get("certificate"))
    if not pem:
        return CertificateFacts(note="known after up")
    try:
        _, chain = parse_chain(pem)
        leaf = chain[0]
        return CertificateFacts(
            domain=common_name(leaf),
            subject_alt_names=dns_names(leaf),
            not_after=iso(leaf.not_valid_after_utc) or "",
            fingerprint=sha1_fingerprint(pem),
        )
    # cryptography parses a certificate's subject and extensions lazily: a damaged one fails here, not in parse_chain.
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return CertificateFacts(note="the planned PEM is not readable")
