"""``Client.call``: one signed, rate-limited, retried Tencent Cloud API 3.0 request.

Each attempt takes a rate-limiter slot, is signed afresh with the current timestamp over the exact body bytes it
sends, and its outcome (reply or exception) is judged by the ``RetryPolicy``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import signer
from .config import ClientSettings, loopback_name
from .credentials import Credentials
from .errors import ApiError, HttpStatusError, InvalidResponse, TencentCloudError, TransportError
from .ratelimit import RateLimiter
from .retry import RetryPolicy

if TYPE_CHECKING:
    import httpx

    from .transport import HttpReply

__all__ = ["CONTENT_TYPE", "Client", "parse_reply"]

logger = logging.getLogger(__name__)

# Sent and signed exactly like this (no charset), as both official SDKs do.
CONTENT_TYPE = "application/json"
# Below this, shortening an attempt's timeout to fit the deadline would only turn slow replies into failures.
_MIN_ATTEMPT_TIMEOUT = 1.0


class Client:
    """A Tencent Cloud API 3.0 client: TC3 signing, one keep-alive connection pool, retries, per-action rate limit.

    Thread-safe: share one instance between threads (and close it when done)::

        with Client(Credentials.from_env(os.environ), ClientSettings.from_env(os.environ)) as client:
            reply = client.call("ssl", "2019-12-05", "DescribeCertificates", {"Limit": 10})

    ``transport`` replaces the network (tests pass ``httpx.MockTransport``). ``clock`` gives the signing timestamp;
    ``monotonic`` measures deadlines and rate limits (default ``time.monotonic``, or ``clock`` when a clock is
    injected, so one fake clock drives both); ``sleep`` and ``rng`` drive backoff and throttling waits.
    """

    def __init__(
        self,
        credentials: Credentials,
        settings: ClientSettings = ClientSettings(),  # noqa: B008 - frozen value object, safe as a default
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise TypeError("Client needs a Credentials instance")
        self._credentials = credentials
        self.settings = settings
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic if monotonic is not None else (time.monotonic if clock is time.time else clock)
        self.retry_policy = RetryPolicy(
            max_attempts=settings.max_attempts,
            deadline=settings.retry_deadline,
            base=settings.backoff_base,
            cap=settings.backoff_cap,
            rng=rng,
        )
        self._limiter = (
            RateLimiter(settings.rate_per_action, clock=self._monotonic, sleep=sleep)
            if settings.rate_per_action is not None
            else None
        )
        self._targets: dict[str, tuple[str, str, str | None]] = {}
        # httpx loads with the first client: the program and a preview's provider never make one, and its import is
        # a fifth of theirs.
        from .transport import Transport

        self._http = Transport(
            timeout=settings.timeout,
            max_connections=settings.max_connections,
            keepalive_expiry=settings.keepalive_expiry,
            transport=transport,
        )

    def __repr__(self) -> str:
        settings = self.settings
        return f"Client(endpoint={settings.endpoint!r}, domain={settings.domain!r}, region={settings.region!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def target(self, service: str) -> tuple[str, str]:
        """``(url, host)`` for a service: the URL requests go to and the Host header sent (and signed) with them."""
        url, host, _ = self._target(service)
        return url, host

    def _target(self, service: str) -> tuple[str, str, str | None]:
        """``target`` plus the TLS server name when the URL is not the host's own (a name under ``localhost``)."""
        target = self._targets.get(service)
        if target is None:
            base = self.settings.endpoint_for(service)
            parts = urlsplit(base)
            host = parts.netloc
            name = parts.hostname or ""
            if loopback_name(name) and name != "localhost":
                # RFC 6761: names under localhost are this machine, but the system resolver may not know them
                # (glibc does not); connect to loopback and still send, sign and verify TLS for the name itself.
                port = "" if parts.port is None else f":{parts.port}"
                target = (f"{parts.scheme}://127.0.0.1{port}/", host, name if parts.scheme == "https" else None)
            else:
                target = (base + "/", host, None)
            self._targets[service] = target
        return target

    def call(
        self,
        service: str,
        version: str,
        action: str,
        params: Mapping[str, Any],
        *,
        failed_attempts: list[TencentCloudError] | None = None,
    ) -> dict[str, Any]:
        """Call ``action`` and return its ``Response`` object (``RequestId`` included).

        Raises ``ApiError`` or ``TransportError`` once the retry policy gives up; ``.attempts`` says how many were made.
        ``failed_attempts`` receives the failure of each attempt that was retried, so a caller can tell whether an
        earlier attempt of a successful write may have been carried out too (a lost reply).
        """
        # Serialised once: every attempt sends, and signs, exactly these bytes.
        body = json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        url, host, server_name = self._target(service)
        debug = logger.isEnabledFor(logging.DEBUG)
        start = self._monotonic()
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                self._limiter.acquire(f"{service}.{action}")
            remaining = self.settings.retry_deadline - (self._monotonic() - start)
            timeout = None if remaining >= self.settings.timeout else max(remaining, _MIN_ATTEMPT_TIMEOUT)
            headers = self._signed_headers(service, version, action, host, body)
            try:
                reply = self._http.post(url, host, headers, body, timeout=timeout, server_name=server_name)
                result = parse_reply(action, reply)
            except TencentCloudError as exc:
                if isinstance(exc, TransportError) and exc.action is None:
                    exc.action = action
                wait = self.retry_policy.backoff(exc, attempt, self._monotonic() - start)
                if wait is None:
                    exc.attempts = attempt
                    if debug:
                        logger.debug("%s %s attempt %d: %s; giving up", service, action, attempt, _outcome(exc))
                    raise
                if debug:
                    logger.debug(
                        "%s %s attempt %d: %s; retrying in %.3fs", service, action, attempt, _outcome(exc), wait
                    )
                if failed_attempts is not None:
                    failed_attempts.append(exc)
                self._sleep(wait)
                continue
            if debug:
                logger.debug("%s %s attempt %d: ok (RequestId %s)", service, action, attempt, result.get("RequestId"))
            return result

    def _signed_headers(self, service: str, version: str, action: str, host: str, body: bytes) -> dict[str, str]:
        timestamp = int(self._clock())
        credentials = self._credentials
        signed = signer.sign(
            secret_id=credentials.secret_id,
            secret_key=credentials.secret_key,
            service=service,
            host=host,
            content_type=CONTENT_TYPE,
            payload=body,
            timestamp=timestamp,
            action=action,
        )
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "Authorization": signed.authorization,
            "X-TC-Action": action,
            "X-TC-Version": version,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Language": self.settings.language,
        }
        if self.settings.region is not None:
            headers["X-TC-Region"] = self.settings.region
        if credentials.token is not None:
            headers["X-TC-Token"] = credentials.token
        return headers


def parse_reply(action: str, reply: HttpReply) -> dict[str, Any]:
    """The ``Response`` object of a reply; raises ``ApiError`` for ``Response.Error``, else ``TransportError``."""
    # Tencent reports API errors inside HTTP 200; any other status is a gateway or server fault.
    if reply.status_code != 200:
        raise HttpStatusError(reply.status_code, action=action)
    try:
        document = json.loads(reply.body)
    except ValueError:
        raise InvalidResponse(
            f"reply is not JSON (Content-Type {reply.content_type!r}, {len(reply.body)} bytes)", action=action
        ) from None
    response = document.get("Response") if isinstance(document, dict) else None
    if not isinstance(response, dict):
        raise InvalidResponse("reply has no Response object", action=action)
    error = response.get("Error")
    if error is not None:
        request_id = response.get("RequestId")
        if not isinstance(error, dict) or not isinstance(error.get("Code"), str) or not error["Code"]:
            raise InvalidResponse("reply has a malformed Response.Error", action=action)
        message = error.get("Message")
        raise ApiError(
            action,
            error["Code"],
            message if isinstance(message, str) else "",
            request_id if isinstance(request_id, str) else None,
        )
    return response


def _outcome(exc: TencentCloudError) -> str:
    # Codes and classes only: the server's message is left to the exception itself.
    if isinstance(exc, ApiError):
        return f"{exc.code} (RequestId {exc.request_id})"
    return f"{type(exc).__name__}: {exc.detail}" if isinstance(exc, TransportError) else type(exc).__name__
