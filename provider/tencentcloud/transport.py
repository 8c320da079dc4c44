"""HTTP transport: the only module that imports httpx.

One ``httpx.Client`` per ``Transport``: a keep-alive connection pool shared by every thread. httpx exceptions are
translated here, once, into the client's ``TransportError`` tree (most specific class first, ``from exc``);
nothing above this module sees an httpx type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from .errors import (
    ConnectError,
    ConnectionLost,
    ConnectTimeout,
    ReadTimeout,
    RequestTimeout,
    TransportError,
)

__all__ = ["HttpReply", "Transport", "map_httpx_exceptions"]

# Most specific first: the first matching row wins.
_EXCEPTION_MAP: tuple[tuple[type[Exception], type[TransportError], str], ...] = (
    (httpx.ConnectTimeout, ConnectTimeout, "timed out connecting to {host}"),
    (httpx.ReadTimeout, ReadTimeout, "timed out waiting for the reply from {host}"),
    (httpx.WriteTimeout, ReadTimeout, "timed out sending the request to {host}"),
    (httpx.PoolTimeout, RequestTimeout, "timed out waiting for a free connection to {host}"),
    (httpx.TimeoutException, RequestTimeout, "timed out talking to {host}"),
    (httpx.ConnectError, ConnectError, "could not connect to {host}"),
    # A server that closes the connection without (a complete) reply surfaces as one of these.
    (httpx.RemoteProtocolError, ConnectionLost, "connection to {host} dropped"),
    (httpx.ReadError, ConnectionLost, "connection to {host} dropped while reading the reply"),
    (httpx.WriteError, ConnectionLost, "connection to {host} dropped while sending the request"),
    (httpx.TransportError, TransportError, "HTTP transport error talking to {host}"),
)


@contextmanager
def map_httpx_exceptions(host: str) -> Iterator[None]:
    """Re-raise any httpx transport exception as the matching ``TransportError`` subclass."""
    try:
        yield
    except httpx.TransportError as exc:
        for httpx_class, our_class, template in _EXCEPTION_MAP:
            if isinstance(exc, httpx_class):
                # httpx's message names the low-level cause (e.g. "[Errno 111] Connection refused"); it never holds
                # the request body or headers.
                reason = str(exc) or type(exc).__name__
                raise our_class(f"{template.format(host=host)}: {reason}") from exc
        raise  # unreachable: the last row matches every httpx.TransportError


@dataclass(frozen=True, slots=True)
class HttpReply:
    """What the client needs of an HTTP reply."""

    status_code: int
    content_type: str
    body: bytes


class Transport:
    """POSTs request bodies over one pooled, keep-alive ``httpx.Client``; can be shared between threads.

    ``transport`` replaces the network (tests pass ``httpx.MockTransport``).
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        max_connections: int = 10,
        keepalive_expiry: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=keepalive_expiry,
            ),
            transport=transport,
            # Proxy variables still apply in production; an injected transport must see every request.
            trust_env=transport is None,
            follow_redirects=False,
        )

    def post(
        self, url: str, host: str, headers: Mapping[str, str], body: bytes, *, timeout: float | None = None
    ) -> HttpReply:
        """POST ``body`` to ``url`` (``host`` names it in errors); raises a ``TransportError`` when no reply arrives.

        ``timeout`` overrides the client's timeout for this request.
        """
        with map_httpx_exceptions(host):
            if timeout is None:
                response = self._client.post(url, content=body, headers=headers)
            else:
                response = self._client.post(url, content=body, headers=headers, timeout=httpx.Timeout(timeout))
        return HttpReply(
            status_code=response.status_code,
            content_type=response.headers.get("content-type", ""),
            body=response.content,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self._client.close()
