"""Behaviour knobs the admin API can change (``PUT /_emulator/settings``), validated once, persisted in the store."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from emulator.cloud_resources import DEPLOY_TYPES

__all__ = ["DEFAULT_SETTINGS", "Settings", "SettingsError"]

_OUTCOMES = ("auto", 1, 2, 3, 4, 5)


class SettingsError(ValueError):
    """Raised when an admin request names an unknown setting or gives a value of the wrong kind."""


@dataclass(frozen=True)
class Settings:
    """Emulator behaviour; field names are the admin API's JSON keys."""

    # Emulator-clock seconds an IsCheckResource deletion task stays at Status 0.
    DeleteTaskSeconds: float = 1.0
    # "auto": decide from bindings and RoleAuthorized; 1..5 forces that task Status.
    DeleteTaskOutcome: str | int = "auto"
    RateLimit: bool = True
    RateLimitPerSecond: float = 10.0
    # Emulator-clock seconds before an ApplyCertificate order is issued (Status 1).
    FreeCertIssueSeconds: float = 2.0
    # Whether the SSL_QCSLinkedRoleInReplaceLoadCertificate service role is authorised (else task Status 3).
    RoleAuthorized: bool = True
    # "emulator": X-TC-Timestamp is checked against the emulator clock (moves with POST /_emulator/clock);
    # "real": against the host clock, so tests can move the emulator clock and keep signing with real time.
    SignatureClock: str = "emulator"
    # Emulator-clock seconds one resource of a one-click update (or rollback) takes: pending (detail Status 0) for
    # the first half, deploying (3) for the second, then done.
    DeploySeconds: float = 2.0
    # How many UpdateCertificateInstance calls with the same parameters answer DeployRecordId 0 ("still creating,
    # call again") before the record exists; 0 creates it on the first call.
    DeployCreateCalls: int = 1
    # Resource type -> ErrorMsg: deploys (and rollbacks) of that type fail (detail Status 2, or 5 for a rollback)
    # and the binding stays where it was; "" uses a default message.
    DeployFailures: dict[str, str] = field(default_factory=dict)
    # Resource types whose deploys hang at Status 3 until the type is taken off the list again.
    DeployHangs: list[str] = field(default_factory=list)
    # Whether the account completed identity verification (else DeleteCertificate: FailedOperation.NoRealNameAuth).
    RealNameVerified: bool = True
    # Projects the API key may not use: the certificates in them answer FailedOperation.NoProjectPermission.
    ForbiddenProjects: list[int] = field(default_factory=list)
    # SSL actions the key's CAM policy does not allow: they answer FailedOperation.AuthError.
    DeniedActions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The settings as the admin API shows them."""
        return dataclasses.asdict(self)

    def merged(self, changes: Any) -> Settings:
        """A copy with ``changes`` (a JSON object) applied; raise ``SettingsError`` on any bad key or value."""
        if not isinstance(changes, dict):
            raise SettingsError("the body must be a JSON object")
        known = {f.name for f in dataclasses.fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise SettingsError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
            _check(key, value)
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        """Settings persisted by an earlier run (unknown keys ignored)."""
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        return cls().merged({k: v for k, v in data.items() if k in known})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(key: str, value: Any) -> None:
    if key in ("DeleteTaskSeconds", "FreeCertIssueSeconds"):
        if not _is_number(value) or value < 0:
            raise SettingsError(f"{key} must be a number of seconds >= 0")
    elif key == "RateLimitPerSecond":
        if not _is_number(value) or value <= 0:
            raise SettingsError(f"{key} must be a number > 0")
    elif key in ("RateLimit", "RoleAuthorized", "RealNameVerified"):
        if not isinstance(value, bool):
            raise SettingsError(f"{key} must be true or false")
    elif key == "DeleteTaskOutcome":
        if isinstance(value, bool) or value not in _OUTCOMES:
            raise SettingsError(f'{key} must be "auto" or one of 1, 2, 3, 4, 5')
    elif key == "SignatureClock" and value not in ("emulator", "real"):
        raise SettingsError(f'{key} must be "emulator" or "real"')
    elif key == "DeploySeconds":
        if not _is_number(value) or value < 0:
            raise SettingsError(f"{key} must be a number of seconds >= 0")
    elif key == "DeployCreateCalls":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SettingsError(f"{key} must be an integer >= 0")
    elif key == "DeployFailures":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise SettingsError(f"{key} must map resource types to error messages")
        _check_types(key, list(value))
    elif key == "ForbiddenProjects":
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise SettingsError(f"{key} must be a list of project ids")
    elif key == "DeniedActions":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise SettingsError(f"{key} must be a list of action names")
    elif key == "DeployHangs":
        if not isinstance(value, list):
            raise SettingsError(f"{key} must be a list of resource types")
        _check_types(key, value)


def _check_types(key: str, types: list[Any]) -> None:
    for kind in types:
        if kind not in DEPLOY_TYPES:
            raise SettingsError(f"{key}: {kind!r} is not a resource type of UpdateCertificateInstance")


DEFAULT_SETTINGS = Settings()
