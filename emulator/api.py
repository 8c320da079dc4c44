"""The API endpoint: ``POST /`` with ``X-TC-Action``/``X-TC-Version``, answered in Tencent's envelopes.

Each request goes through: body size cap -> signature-v1 requests refused (signature_v1.py) -> headers ->
signature (auth.py) -> action table -> JSON decoding -> injected fault -> rate limit -> parameter schema -> handler
inside a store transaction. Every stage raises ``ApiError``; this module alone turns it into
``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` (HTTP 200, as Tencent does).

Nothing a caller sends is decoded before the signature is checked (which needs only the raw bytes), and no body is
read past ``MAX_BODY_BYTES``: an unauthenticated client cannot make the emulator parse, hold or log what it likes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import Receive, Scope, Send

from emulator.auth import Identity
from emulator.calllog import redact
from emulator.context import Action, Context
from emulator.errors import ApiError, missing
from emulator.faults import Fault
from emulator.params import validate
from emulator.signature_v1 import unsupported_v1, v1_parameters
from emulator.state import EmulatorState

__all__ = ["MAX_BODY_BYTES", "MAX_JSON_DEPTH", "ApiEndpoint", "ConnectionDropped", "drop_connection"]

log = logging.getLogger("emulator")

# Tencent's limit for a TC3-HMAC-SHA256 request ("the request packet can be up to 10 MB"; 1 MB for signature v1);
# larger ones get RequestSizeLimitExceeded. The biggest real SSL request, an upload with a long chain, is ~100 KB.
MAX_BODY_BYTES = 10 * 1024 * 1024
# No SSL or Tag request nests more than a few levels; deeper JSON is refused before it is walked.
MAX_JSON_DEPTH = 32


class ConnectionDropped(RuntimeError):
    """Raised in place of closing the connection when the server gives no transport (in-process ASGI tests)."""


async def drop_connection(send: Send) -> None:
    """Close the TCP connection without any reply, so the client sees a transport error.

    ASGI has no "abort" message; uvicorn's ``send`` is a bound method of the request cycle, which holds the
    asyncio transport. Yielding twice lets uvicorn notice the loss before the app returns (else it would log
    "returned without starting response" and try a 500).
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDropped("connection dropped by an injected fault")
    transport.close()
    for _ in range(3):
        await asyncio.sleep(0)


class _TooLarge(Exception):
    """The body is longer than ``MAX_BODY_BYTES``."""


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, ``None`` if the client went away; raises ``_TooLarge`` for one longer than ``MAX_BODY_BYTES``.

    The rest of a body that is too large is read and dropped, never kept, so the client (which sends it all before it
    reads a reply) gets the error envelope rather than a reset connection.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        elif chunks:
            chunks.clear()  # drop what was kept; the rest is only counted
        if not message.get("more_body", False):
            if size > MAX_BODY_BYTES:
                raise _TooLarge
            return b"".join(chunks)


def _too_large() -> ApiError:
    return ApiError(
        "RequestSizeLimitExceeded",
        f"The request body exceeds the limit of {MAX_BODY_BYTES // (1024 * 1024)} MB.",
    )


def _decode(body: bytes) -> Any:
    """The JSON body, or ``None`` when it is not JSON or nests deeper than ``MAX_JSON_DEPTH``."""
    try:
        value = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if _depth_within(value, MAX_JSON_DEPTH) else None


def _depth_within(value: Any, limit: int) -> bool:
    # Iterative, so that checking a deep document cannot itself exhaust the stack.
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return False
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return True


class ApiEndpoint:
    """The ASGI app behind ``POST /``; ``actions`` is the action table."""

    def __init__(self, state: EmulatorState, actions: Iterable[Action]) -> None:
        self._state = state
        self._actions = {a.name: a for a in actions}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self._state
        headers = Headers(scope=scope)
        try:
            body = await _read_body(receive)
        except _TooLarge:
            body = b""
            oversized = True
        else:
            if body is None:
                return
            oversized = False
        params: Any = None
        client = scope.get("client")
        request_id = str(uuid.uuid4())
        record: dict[str, Any] = {
            "Time": state.clock.now(),
            "Service": None,
            "Host": headers.get("host"),  # which service host the client addressed (root-domain settings)
            "Action": headers.get("x-tc-action"),
            "Version": headers.get("x-tc-version"),
            "SecretId": None,
            "ClientPort": client[1] if client else None,
            "Params": None,  # set once the request is authenticated: nobody else's bytes are decoded or kept
            "ErrorCode": None,
            "Fault": None,
            "RequestId": request_id,
        }
        fault: Fault | None = None
        try:
            if oversized:
                raise _too_large()
            action, identity = self._admit(scope, headers, body, record)
            params = _decode(body)
            record["Params"] = redact(params)
            fault = state.faults.take(action.name, params)
            if fault is not None:
                record["Fault"] = fault.Kind
                if fault.Kind == "delay":
                    await asyncio.sleep(fault.Seconds)
                elif fault.Kind in ("drop", "http_status"):
                    state.calls.add(record)
                    if fault.Kind == "drop":
                        await drop_connection(send)
                    else:
                        reply = PlainTextResponse(f"HTTP {fault.Status} (injected by the emulator)", fault.Status)
                        await reply(scope, receive, send)
                    return
                elif fault.Kind == "error":
                    raise ApiError(fault.Code, fault.Message)
            self._rate_limit(identity, action)
            result = self._execute(action, identity, params)
            if fault is not None and fault.Kind == "strip_reply":
                result = {k: v for k, v in result.items() if k not in fault.Fields}
            payload: dict[str, Any] = {"Response": {**result, "RequestId": request_id}}
        except ApiError as exc:
            record["ErrorCode"] = exc.code
            payload = {"Response": {"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": request_id}}
        state.calls.add(record)
        if fault is not None and fault.Kind == "lose_reply":
            await drop_connection(send)
            return
        await JSONResponse(payload)(scope, receive, send)

    def _admit(self, scope: Scope, headers: Headers, body: bytes, record: dict[str, Any]) -> tuple[Action, Identity]:
        """Method, headers, signature and action lookup: everything before the action may run."""
        legacy = v1_parameters(headers, scope.get("query_string", b""), body)
        if legacy is not None:
            # Logged under the action it names, never with its Signature (the form body is not JSON, so no Params).
            record["Action"] = record["Action"] or legacy.get("Action")
            record["Version"] = record["Version"] or legacy.get("Version")
            raise unsupported_v1(legacy)
        if scope["method"] != "POST":
            raise ApiError("UnsupportedProtocol", "The emulator accepts POST requests with a JSON body only.")
        name = headers.get("x-tc-action")
        if not name:
            raise missing("Action")
        version = headers.get("x-tc-version")
        if not version:
            raise missing("Version")
        identity = self._state.verifier.verify(headers, body, self._signature_now(), method="POST")
        record["SecretId"] = identity.secret_id
        record["Service"] = identity.service
        action = self._actions.get(name)
        if action is None:
            raise ApiError("InvalidAction", f"The requested action `{name}` does not exist.")
        if action.service != identity.service:
            # One endpoint serves both services; Tencent's per-service hosts would fail this signature.
            raise ApiError(
                "AuthFailure.SignatureFailure",
                f"The request was signed for service `{identity.service}` but `{name}` belongs to `{action.service}`.",
            )
        if version != action.version:
            raise ApiError(
                "NoSuchVersion", f"The requested version `{version}` of service `{action.service}` does not exist."
            )
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise ApiError("InvalidParameter", "The Content-Type of a POST request must be application/json.")
        return action, identity

    def _signature_now(self) -> float:
        clock = self._state.clock
        return clock.real_now() if self._state.settings.SignatureClock == "real" else clock.now()

    def _rate_limit(self, identity: Identity, action: Action) -> None:
        settings = self._state.settings
        if settings.RateLimit and not self._state.limiter.allow(
            identity.secret_id, action.name, settings.RateLimitPerSecond
        ):
            raise ApiError(
                "LimitExceeded.RateLimitExceeded",
                f"Request rate limit exceeded: {action.name} allows {settings.RateLimitPerSecond:g} requests "
                "per second.",
            )

    def _execute(self, action: Action, identity: Identity, params: Any) -> dict[str, Any]:
        """Validate parameters and run the handler in one store transaction (rolled back on error)."""
        if params is None:
            raise ApiError(
                "InvalidParameter",
                f"The request body is not valid JSON (or nests deeper than {MAX_JSON_DEPTH} levels).",
            )
        checked = validate(action.schema, params)
        state = self._state
        now = state.tick()
        try:
            with state.store.transaction() as store:
                ctx = Context(store, now, state.settings, checked, identity.secret_id, state.owner_uin, state.region)
                return action.handler(ctx)
        except ApiError:
            raise
        except Exception:
            # A bug in the emulator: report it like Tencent reports its own, keep the traceback on stderr.
            log.exception("%s failed", action.name)
            raise ApiError("InternalError", "An internal error occurred in the emulator.") from None
