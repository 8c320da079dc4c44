"""Injected faults (``POST /_emulator/faults``): each matches an action (and, with ``Params``, only the calls whose
parameters include those) and fires ``Count`` times, then is gone."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Fault", "FaultError", "Faults", "KINDS"]

# error: answer with an error envelope; http_status: a non-200 reply that is not JSON; delay: wait, then answer;
# drop: close the connection without doing anything; lose_reply: do the work and commit it, then close;
# strip_reply: do the work and commit it, then answer without the reply fields named in Fields (a reply that breaks
# the documented model, e.g. UploadCertificate without CertificateId).
KINDS = ("error", "http_status", "delay", "drop", "lose_reply", "strip_reply")


class FaultError(ValueError):
    """Raised when a fault definition is malformed."""


@dataclass
class Fault:
    """One armed fault; ``Action`` ``"*"`` matches every action."""

    Action: str
    Kind: str
    Count: int = 1
    Code: str = "InternalError"
    Message: str = "An internal error occurred (injected by the emulator)."
    Status: int = 502
    Seconds: float = 5.0
    Fields: list[str] = field(default_factory=list)
    #: Only calls whose top-level parameters include these (equal values): one call among concurrent ones.
    Params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """As the admin API shows it."""
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Validate an admin request body."""
        if not isinstance(data, dict):
            raise FaultError("the body must be a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise FaultError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        kind = data.get("Kind")
        if kind not in KINDS:
            raise FaultError(f"Kind must be one of {', '.join(KINDS)}")
        action = data.get("Action", "*")
        if not isinstance(action, str) or not action:
            raise FaultError('Action must be an action name or "*"')
        fault = cls(Action=action, Kind=kind)
        for key, types in (("Count", int), ("Code", str), ("Message", str), ("Status", int), ("Seconds", float)):
            if key in data:
                value = data[key]
                ok = isinstance(value, int | float) if types is float else isinstance(value, types)
                if not ok or isinstance(value, bool):
                    raise FaultError(f"{key} has the wrong type")
                setattr(fault, key, value)
        if "Fields" in data:
            fields = data["Fields"]
            if not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields):
                raise FaultError("Fields must be a list of reply field names")
            fault.Fields = list(fields)
        if "Params" in data:
            if not isinstance(data["Params"], dict):
                raise FaultError("Params must be an object of request parameters")
            fault.Params = dict(data["Params"])
        if fault.Kind == "strip_reply" and not fault.Fields:
            raise FaultError("a strip_reply fault needs Fields: the reply fields to leave out")
        if fault.Count < 1:
            raise FaultError("Count must be >= 1")
        if not 100 <= fault.Status <= 599 or fault.Status == 200:
            raise FaultError("Status must be an HTTP status other than 200")
        if fault.Seconds < 0:
            raise FaultError("Seconds must be >= 0")
        return fault


class Faults:
    """The armed faults, first armed first fired; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Arm a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> int:
        """Disarm everything; returns how many were armed."""
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    def take(self, action: str, params: Any = None) -> Fault | None:
        """The first fault matching ``action`` (and ``params``), counting one use (and forgetting it when used up)."""
        given = params if isinstance(params, dict) else {}
        with self._lock:
            for fault in self._faults:
                if fault.Action in ("*", action) and all(
                    key in given and given[key] == value for key, value in fault.Params.items()
                ):
                    fault.Count -= 1
                    if fault.Count <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def list(self) -> list[dict[str, Any]]:
        """The armed faults as JSON objects."""
        with self._lock:
            return [f.to_json() for f in self._faults]
