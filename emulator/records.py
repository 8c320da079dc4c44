"""The emulator's persistent records: a certificate and a deletion task (stored as JSON rows)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Certificate", "DeleteTask", "FREE_SOURCE", "UPLOAD_SOURCE"]

UPLOAD_SOURCE = "upload"
# Tencent reports the CA brand as the source of a free DV certificate.
FREE_SOURCE = "trustasia"


@dataclass
class Certificate:
    """One certificate as the service keeps it; ``status`` is the stored one (expiry is applied when rendered)."""

    id: str
    seq: int
    source: str
    certificate_type: str
    project_id: int
    alias: str
    insert_time: float
    status: int
    domain: str | None = None
    sans: list[str] = field(default_factory=list)
    public_key: str | None = None
    private_key: str | None = field(default=None, repr=False)
    fingerprint: str | None = None
    not_before: float | None = None
    not_after: float | None = None
    issuer_cn: str | None = None
    algorithm: str | None = None
    chain: list[dict[str, Any]] = field(default_factory=list)
    certificate_use: str | None = None
    status_msg: str | None = None
    verify_type: str | None = None
    package_type: str | None = None
    validity_period: str | None = None
    issue_at: float | None = None
    dv_auths: list[dict[str, Any]] = field(default_factory=list)
    order_id: str | None = None
    csr_algorithm: str | None = None
    old_certificate_id: str | None = None

    @property
    def is_free(self) -> bool:
        """A free DV certificate applied for through ApplyCertificate (subject to the one-hour rule)."""
        return self.source == FREE_SOURCE

    def all_domains(self) -> list[str]:
        """The main domain followed by the other SANs, without duplicates."""
        names = ([self.domain] if self.domain else []) + list(self.sans)
        return list(dict.fromkeys(names))

    def to_json(self) -> str:
        """Serialise for the ``certificates`` table."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Certificate:
        """Inverse of ``to_json``; unknown keys (from a newer emulator) are ignored."""
        data = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class DeleteTask:
    """An asynchronous deletion (``IsCheckResource``/``IsSync``); ``status`` stays ``None`` while it runs."""

    id: str
    cert_id: str
    domains: list[str]
    created_at: float
    due_at: float
    status: int | None = None
    error: str = ""
    resolved_at: float | None = None

    def to_json(self) -> str:
        """Serialise for the ``tasks`` table."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DeleteTask:
        """Inverse of ``to_json``."""
        data = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
