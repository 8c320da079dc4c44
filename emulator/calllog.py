"""The log of API calls (``GET /_emulator/calls``), with secrets replaced by ``"***"``."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

__all__ = ["CallLog", "redact"]

# Parameter names whose values are secrets wherever they appear (the SecretKey never reaches the log at all).
SECRET_FIELDS = frozenset({"CertificatePrivateKey", "KeyPassword", "CsrKeyPassword", "EncryptPrivateKey"})


def redact(value: Any) -> Any:
    """A copy of decoded JSON with every secret field's value replaced by ``"***"``."""
    if isinstance(value, dict):
        return {k: ("***" if k in SECRET_FIELDS and v is not None else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class CallLog:
    """A bounded, thread-safe list of call records."""

    def __init__(self, limit: int = 20000) -> None:
        self._calls: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = 0
        self._lock = threading.Lock()

    def add(self, record: dict[str, Any]) -> None:
        """Append a record, numbering it (``Seq``)."""
        with self._lock:
            self._seq += 1
            self._calls.append({"Seq": self._seq, **record})

    def list(self) -> list[dict[str, Any]]:
        """Every kept record, oldest first."""
        with self._lock:
            return list(self._calls)

    def clear(self) -> int:
        """Forget every record; returns how many there were."""
        with self._lock:
            count = len(self._calls)
            self._calls.clear()
            return count
