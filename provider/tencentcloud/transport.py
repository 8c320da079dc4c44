"""HTTP transport: the only module that imports httpx.

One ``httpx.Client`` per ``Transport``: a keep-alive connection pool shared by every thread. httpx exceptions are
translated here, once, into the client's ``TransportError`` tree (most specific class first, ``from exc``);
nothing above this module sees an httpx type.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
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


class _CoalescingStream(httpcore.NetworkStream):
    """Holds written bytes until the first read, so request headers and body leave in one ``send``."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._pending: list[bytes] = []

    def _flush(self, timeout: float | None) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._inner.write(data, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._pending.append(buffer)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._flush(timeout)
        return self._inner.read(max_bytes, timeout)

    def close(self) -> None:
        self._pending.clear()
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self._flush(timeout)
        return _CoalescingStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CoalescingBackend(httpcore.NetworkBackend):
    """Wraps every stream of a network backend in ``_CoalescingStream``."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _CoalescingStream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _CoalescingStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _network_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's own transport, its writes coalesced into one ``send`` per request.

    Implementation note: httpcore writes the request head and body separately and sets TCP_NODELAY, so each
    request costs two segments and two syscalls; on loopback the second ``send`` was the largest single CPU cost in
    bench/bench_client.py. httpx gives no public hook for httpcore's network backend, so we wrap the pool's
    (httpx 0.28 / httpcore 1.0, pinned); if that attribute ever moves, requests still work, merely uncoalesced.
    """
    transport = httpx.HTTPTransport(limits=limits, retries=0)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(pool, httpcore.ConnectionPool) and isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _CoalescingBackend(backend)
    return transport


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
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
        )
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=limits,
            transport=transport if transport is not None else _network_transport(limits),
            # Proxy variables still apply in production; an injected transport must see every request.
            trust_env=transport is None,
            follow_redirects=False,
        )
        self._urls: dict[str, httpx.URL] = {}

    def post(
        self,
        url: str,
        host: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout: float | None = None,
        server_name: str | None = None,
    ) -> HttpReply:
        """POST ``body`` to ``url`` (``host`` names it in errors); raises a ``TransportError`` when no reply arrives.

        ``timeout`` overrides the client's timeout for this request; ``server_name`` is the TLS name to ask for and
        verify when it is not the URL's host.
        """
        parsed = self._urls.get(url)
        if parsed is None:  # parsing a URL is a measurable share of httpx's per-request work: do it once
            parsed = self._urls[url] = httpx.URL(url)
        with map_httpx_exceptions(host):
            extensions = None if server_name is None else {"sni_hostname": server_name}
            if timeout is None:
                response = self._client.post(parsed, content=body, headers=headers, extensions=extensions)
            else:
                response = self._client.post(
                    parsed, content=body, headers=headers, timeout=httpx.Timeout(timeout), extensions=extensions
                )
        return HttpReply(
            status_code=response.status_code,
            content_type=response.headers.get("content-type", ""),
            body=response.content,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self._client.close()
