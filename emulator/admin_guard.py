"""Who may call the admin API: loopback clients, addressed by a loopback name, and never on a web page's behalf.

The admin API resets state and injects faults, so it must not be reachable from a browser tab: a page on any site
can make the browser send "simple" cross-origin requests (``text/plain`` or form POSTs, no preflight) to
``127.0.0.1``, and DNS rebinding can even make them same-origin. ``AdminGuard`` refuses, in this order and before
anything is read or changed:

- a client that is not on a loopback address (403);
- a ``Host`` that is not a loopback name or the address the server listens on (403: DNS rebinding);
- an ``Origin`` that is not this emulator's own loopback origin, or a ``Sec-Fetch-Site`` other than
  ``same-origin``/``none`` (403: a request made by a page of another site, whatever the method);
- a state-changing method (anything but GET, HEAD, OPTIONS) without ``Content-Type: application/json``, even with
  an empty body (415): browsers cannot send that type cross-origin without a CORS preflight, which the admin API
  never grants (it sends no ``Access-Control-*`` header at all);
- a GET, HEAD or OPTIONS request with a body (400): those are let through without the JSON check because they
  only read, so one carrying what looks like a write's arguments is refused rather than trusted to be harmless
  (Starlette answers HEAD with the GET route's handler).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AdminGuard", "Refusal", "check_admin_request", "is_loopback_address"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site values a browser sends for the emulator's own pages or a typed URL / bookmark.
_FETCH_SITES_ALLOWED = frozenset({"same-origin", "none"})


class Refusal(Exception):
    """Raised by ``check_admin_request`` when a request must be refused; carries the HTTP status and reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def is_loopback_address(host: str) -> bool:
    """True for a loopback IP literal, IPv4-mapped IPv6 (``::ffff:127.0.0.1``) included; false for names."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # A dual-stack listener reports IPv4 loopback clients this way; Python < 3.13 does not call it loopback.
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _is_own_name(hostname: str, server_host: str | None) -> bool:
    hostname = hostname.lower().strip("[]")
    if hostname == "localhost" or is_loopback_address(hostname):
        return True
    # The address the socket is bound to (e.g. 0.0.0.0 with --host 0.0.0.0), never a DNS name an attacker controls.
    return server_host is not None and hostname == server_host.lower().strip("[]")


def _split_host(value: str) -> tuple[str, int | None]:
    """``host[:port]`` (``[v6]:port`` too) -> (host, port); raises ``ValueError`` on garbage."""
    parts = urlsplit("//" + value)
    if parts.hostname is None or parts.username is not None or parts.path or parts.query or parts.fragment:
        raise ValueError(value)
    return parts.hostname, parts.port


def _is_own_origin(origin: str, server_host: str | None, server_port: int) -> bool:
    try:
        parts = urlsplit(origin)
        port = parts.port if parts.port is not None else {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return False
    # The emulator serves plain HTTP only; an https:// or "null" (sandboxed, file://) Origin is never its own.
    return (
        parts.scheme == "http"
        and parts.hostname is not None
        and port == server_port
        and _is_own_name(parts.hostname, server_host)
    )


def check_admin_request(scope: Scope) -> None:
    """Raise ``Refusal`` unless the HTTP ``scope`` may reach the admin API (see the module docstring)."""
    client = scope.get("client")
    if not client or not is_loopback_address(str(client[0])):
        raise Refusal(403, "the admin API answers loopback clients only")
    headers = Headers(scope=scope)
    server = scope.get("server") or (None, None)
    server_host = None if server[0] is None else str(server[0])
    server_port = server[1] if server[1] is not None else 80
    host = headers.get("host")
    if host is not None:
        try:
            hostname, _ = _split_host(host)
        except ValueError:
            hostname = ""
        if not _is_own_name(hostname, server_host):
            raise Refusal(
                403,
                f"the admin API answers requests addressed to 127.0.0.1, [::1] or localhost only, not Host `{host}` "
                "(a DNS name pointing at loopback is how a web page reaches it)",
            )
    # A browser sends several Origin headers never; any one that is foreign is enough to refuse.
    for origin in headers.getlist("origin"):
        if not _is_own_origin(origin, server_host, int(server_port)):
            raise Refusal(
                403, f"cross-origin admin requests are refused: Origin `{origin}` is not this emulator's own origin"
            )
    for site in headers.getlist("sec-fetch-site"):
        if site.strip().lower() not in _FETCH_SITES_ALLOWED:
            raise Refusal(
                403, f"admin requests made by a web page of another site are refused (Sec-Fetch-Site: {site})"
            )
    if scope["method"] in SAFE_METHODS:
        length = headers.get("content-length", "0").strip()
        if headers.get("transfer-encoding") is not None or length not in ("", "0"):
            raise Refusal(400, f"{scope['method']} admin requests take no body; writes use POST, PUT or DELETE")
    else:
        types = headers.getlist("content-type")
        media = types[0].split(";")[0].strip().lower() if len(types) == 1 else ""
        if media != "application/json":
            shown = ", ".join(types) if types else "none"
            raise Refusal(
                415,
                f"{scope['method']} admin requests must carry Content-Type: application/json (got {shown}), "
                "even with an empty body",
            )


class AdminGuard:
    """ASGI middleware answering a JSON ``{"Error": reason}`` with 400/403/415 to any request that must be refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_admin_request(scope)
            except Refusal as refusal:
                await JSONResponse({"Error": refusal.reason}, refusal.status)(scope, receive, send)
                return
        await self.app(scope, receive, send)
