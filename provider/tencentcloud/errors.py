"""The one exception tree of the Tencent Cloud client.

Callers catch at the level they need::

    TencentCloudError                 anything this client raises about a call
    ├── ApiError                      the service answered with Response.Error (code, message, request id)
    └── TransportError                no usable answer (``retry.py`` says which ones are retried)
        ├── ConnectError              the TCP/TLS connection could not be opened
        ├── RequestTimeout            a timeout expired
        │   ├── ConnectTimeout        ... while connecting
        │   └── ReadTimeout           ... while waiting for or reading the reply (also write and pool timeouts)
        ├── ConnectionLost            the connection dropped before a complete reply arrived
        ├── HttpStatusError           the reply had an HTTP status other than 200
        └── InvalidResponse           a 200 reply that is not JSON or not a Tencent ``{"Response": ...}`` envelope

Messages name the action and the failure, never the request parameters or credentials. The provider process may
ship errors across a process boundary, so every class pickles with all its attributes through ``reduce_error``,
which the exceptions of the layers above use too.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionLost",
    "HttpStatusError",
    "InvalidResponse",
    "ReadTimeout",
    "RequestTimeout",
    "TencentCloudError",
    "TransportError",
    "reduce_error",
]


def reduce_error(error: BaseException) -> tuple[Any, ...]:
    """``__reduce__`` for exceptions whose constructor differs from ``args``: rebuild without calling it.

    Pickle's default rebuilds through ``cls(*error.args)``, which fails or mis-assigns as soon as ``__init__`` takes
    other parameters than it passes to ``Exception.__init__``. This restores ``args`` and every instance attribute
    (``attempts`` set after raising and notes included), so fields and ``str()`` read the same after the trip.
    """
    return (_rebuild_error, (type(error), error.args, dict(vars(error))))


def _rebuild_error(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    error = cls.__new__(cls, *args)  # BaseException.__new__ sets .args; __init__ is deliberately skipped
    error.__dict__.update(state)
    return error


class TencentCloudError(Exception):
    """Base class of every error the client raises about a call."""

    #: The API action (``X-TC-Action``) the error belongs to, once known.
    action: str | None
    #: How many attempts were made before this error surfaced (set by the client when it gives up).
    attempts: int

    def _suffix(self) -> str:
        return f" after {self.attempts} attempts" if self.attempts > 1 else ""

    def __reduce__(self) -> tuple[Any, ...]:
        return reduce_error(self)


class ApiError(TencentCloudError):
    """Raised when Tencent Cloud answers with ``Response.Error``: a business, auth, parameter or limit error."""

    def __init__(
        self, action: str, code: str, message: str, request_id: str | None = None, *, attempts: int = 1
    ) -> None:
        super().__init__(action, code, message, request_id)
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id
        self.attempts = attempts

    def __str__(self) -> str:
        details = [f"RequestId {self.request_id}"] if self.request_id else []
        if self.attempts > 1:
            details.append(f"after {self.attempts} attempts")
        tail = f" ({', '.join(details)})" if details else ""
        return f"{self.action} failed: {self.code}: {self.message}{tail}"

    def __repr__(self) -> str:
        return f"ApiError(action={self.action!r}, code={self.code!r}, request_id={self.request_id!r})"


class TransportError(TencentCloudError):
    """Raised when no usable answer arrived: network failure, timeout, non-200 status or malformed reply."""

    def __init__(self, detail: str, *, action: str | None = None, attempts: int = 1) -> None:
        super().__init__(detail)
        self.detail = detail
        self.action = action
        self.attempts = attempts

    def __str__(self) -> str:
        prefix = f"{self.action} failed: " if self.action else ""
        return f"{prefix}{self.detail}{self._suffix()}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r}, action={self.action!r})"


class ConnectError(TransportError):
    """Raised when the connection to the endpoint could not be opened (refused, unreachable, TLS failure)."""


class RequestTimeout(TransportError):
    """Raised when a timeout expired before the reply was complete."""


class ConnectTimeout(RequestTimeout):
    """Raised when opening the connection took longer than the timeout."""


class ReadTimeout(RequestTimeout):
    """Raised when sending the request or waiting for the reply took longer than the timeout."""


class ConnectionLost(TransportError):
    """Raised when the server closed the connection before a complete reply (the request may have run)."""


class HttpStatusError(TransportError):
    """Raised when the reply's HTTP status is not 200 (Tencent reports API errors inside a 200 reply)."""

    def __init__(self, status_code: int, *, action: str | None = None, attempts: int = 1) -> None:
        super().__init__(f"HTTP status {status_code}", action=action, attempts=attempts)
        self.status_code = status_code


class InvalidResponse(TransportError):
    """Raised when a 200 reply is not JSON or lacks the ``{"Response": {...}}`` envelope."""
