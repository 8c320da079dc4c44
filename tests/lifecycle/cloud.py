"""What the machines read from and do to the emulator: snapshots for the invariants, outside changes, faults.

Outside changes go through the emulator's admin API (bindings) or plain API calls with the project's own client
(tags, rollbacks, deletes), as a person with the console or tccli would make them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provider.rules import OWNER_TAG
from provider.ssl import SslService
from provider.tencentcloud import Client, ClientSettings, Credentials
from support.emulator import RunningEmulator

__all__ = ["Binding", "Cloud", "Snapshot", "covers"]

#: The stack's region (the emulator's default) and another one, for ``deploy_regions``.
HOME_REGION = "ap-guangzhou"
OTHER_REGION = "ap-shanghai"


@dataclass(frozen=True)
class Binding:
    """A cloud resource using a certificate: (type, id, region)."""

    kind: str
    resource: str
    region: str | None


@dataclass(frozen=True)
class Snapshot:
    """The emulator's certificates (by id: domains, tags) and which certificate each bound resource uses."""

    #: in the emulator's order (newest first), never by id: ids are random, and a rule that picks "the i-th
    #: certificate" must pick the same one when Hypothesis replays the sequence
    certs: dict[str, dict[str, Any]]
    bound: dict[Binding, str]

    def bindings_of(self, certificate_id: str) -> list[Binding]:
        return [b for b, cid in self.bound.items() if cid == certificate_id]

    def marked_by(self, stack_key: str) -> set[str]:
        """Certificates whose owner mark names the stack ``stack_key`` (the first half of the token)."""
        return {
            cid
            for cid, row in self.certs.items()
            if str((row.get("Tags") or {}).get(OWNER_TAG, "")).partition(".")[0] == stack_key
        }


def covers(names: list[str], domain: str) -> bool:
    """Whether a certificate for ``names`` serves ``domain`` in TLS (a wildcard covers one label)."""
    domain = domain.lower()
    for name in (n.lower() for n in names):
        if name == domain:
            return True
        if name.startswith("*.") and "." in domain and domain.split(".", 1)[1] == name[2:]:
            return True
    return False


class Cloud:
    """The emulator, read and changed from outside the stack."""

    def __init__(self, emu: RunningEmulator) -> None:
        self.emu = emu
        settings = ClientSettings(endpoint=emu.url, rate_per_action=None)
        self._client = Client(Credentials(emu.secret_id, emu.secret_key), settings, sleep=lambda _s: None)
        self.ssl = SslService(self._client)

    def close(self) -> None:
        self._client.close()

    def snapshot(self) -> Snapshot:
        certs = {c["CertificateId"]: c for c in self.emu.certificates()}
        bound = {
            Binding(b["ResourceType"], b["ResourceId"], b.get("Region")): cid
            for cid, row in certs.items()
            for b in row["Bindings"]
        }
        return Snapshot(certs, bound)

    def deploys(self) -> list[dict[str, Any]]:
        return list(self.emu.admin("GET", "/_emulator/deploys")["Records"])

    def bind(self, certificate_id: str, binding: Binding) -> None:
        body: dict[str, Any] = {"CertificateId": certificate_id, "ResourceType": binding.kind}
        body["ResourceId"] = binding.resource
        if binding.region:
            body["Region"] = binding.region
        self.emu.admin("POST", "/_emulator/bindings", body)

    def unbind(self, certificate_id: str, binding: Binding) -> None:
        body = {"CertificateId": certificate_id, "ResourceType": binding.kind, "ResourceId": binding.resource}
        self.emu.admin("DELETE", "/_emulator/bindings", body)

    def settings(self, **values: Any) -> None:
        self.emu.admin("PUT", "/_emulator/settings", values)

    def fault(self, action: str, code: str, count: int = 1) -> None:
        self.emu.admin("POST", "/_emulator/faults", {"Action": action, "Kind": "error", "Code": code, "Count": count})

    def clear_faults(self) -> None:
        self.emu.admin("DELETE", "/_emulator/faults")
        self.settings(DeployFailures={}, DeployHangs=[], DeleteTaskOutcome="auto")
