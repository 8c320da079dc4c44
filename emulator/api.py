"""The API endpoint: ``POST /`` with ``X-TC-Action``/``X-TC-Version``, answered in Tencent's envelopes.

Each request goes through: signature-v1 requests refused (signature_v1.py) -> headers -> signature (auth.py) ->
action table -> injected fault -> rate limit -> parameter schema -> handler inside a store transaction. Every stage
raises ``ApiError``; this module alone turns it into ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``
(HTTP 200, as Tencent does).
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

__all__ = ["ApiEndpoint", "ConnectionDropped", "drop_connection"]

log = logging.getLogger("emulator")


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


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return None


class ApiEndpoint:
    """The ASGI app behind ``POST /``; ``actions`` is the action table."""

    def __init__(self, state: EmulatorState, actions: Iterable[Action]) -> None:
        self._state = state
        self._actions = {a.name: a for a in actions}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if body is None:
            return
        state = self._state
        headers = Headers(scope=scope)
        params = _decode(body)
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
            "Params": redact(params),
            "ErrorCode": None,
            "Fault": None,
            "RequestId": request_id,
        }
        fault: Fault | None = None
        try:
            action, identity = self._admit(scope, headers, body, record)
            fault = state.faults.take(action.name)
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
            raise ApiError("InvalidParameter", "The request body is not valid JSON.")
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
