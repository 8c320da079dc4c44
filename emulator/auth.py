"""TC3-HMAC-SHA256 verification as Tencent does it, over the signed headers (Host, Content-Type and whatever else
SignedHeaders lists, such as X-TC-Action) and the body bytes actually received.

The signature is recomputed with ``provider.tencentcloud.signer`` (the same pure functions the client signs with)
from what arrived on the wire, never from a re-serialised body. Codes: ``AuthFailure.InvalidAuthorization`` (no or
malformed header), ``AuthFailure.SecretIdNotFound``, ``AuthFailure.SignatureExpire`` (more than 5 minutes of skew),
``AuthFailure.TokenFailure`` (when a token is configured), ``AuthFailure.SignatureFailure``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from emulator.errors import ApiError, invalid_value, missing
from provider.tencentcloud import signer

__all__ = ["Identity", "MAX_SKEW_SECONDS", "SignatureVerifier"]

MAX_SKEW_SECONDS = 300
_AUTHORIZATION = re.compile(
    r"^(?P<algorithm>\S+) Credential=(?P<secret_id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9_-]+)"
    r"/tc3_request,\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_UNSIGNED = b"UNSIGNED-PAYLOAD"


@dataclass(frozen=True)
class Identity:
    """Who signed a request and for which signing service (the credential scope's ``ssl`` or ``tag``)."""

    secret_id: str
    service: str


@dataclass(frozen=True)
class SignatureVerifier:
    """Checks requests against the configured key pairs (SecretId -> SecretKey); the keys never leave it."""

    credentials: Mapping[str, str] = field(repr=False)
    token: str | None = field(default=None, repr=False)

    def verify(
        self, headers: Mapping[str, str], body: bytes, now: float, method: str = "POST", query: str = ""
    ) -> Identity:
        """Return the caller's identity or raise ``ApiError`` with Tencent's AuthFailure code.

        ``headers`` must be a case-insensitive mapping (Starlette's ``Headers``).
        """
        match = _AUTHORIZATION.match(headers.get("authorization", "").strip())
        if match is None or match["algorithm"] != signer.ALGORITHM:
            raise ApiError(
                "AuthFailure.InvalidAuthorization",
                "The Authorization header is missing or malformed; expected "
                "`TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, "
                "SignedHeaders=content-type;host, Signature=<hex>`.",
            )
        signed = match["signed"].split(";")
        if "content-type" not in signed or "host" not in signed or signed != sorted(set(signed)):
            raise ApiError(
                "AuthFailure.InvalidAuthorization",
                "SignedHeaders must list content-type and host (lower case, sorted, each once).",
            )
        raw_timestamp = headers.get("x-tc-timestamp")
        if raw_timestamp is None:
            raise missing("X-TC-Timestamp")
        if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):  # isdigit alone takes "²", which int() refuses
            raise invalid_value("X-TC-Timestamp", "expected Unix seconds")
        timestamp = int(raw_timestamp)
        secret_id = match["secret_id"]
        secret_key = self.credentials.get(secret_id)
        if secret_key is None:
            raise ApiError(
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
            )
        if abs(now - timestamp) > MAX_SKEW_SECONDS:
            raise ApiError(
                "AuthFailure.SignatureExpire",
                f"Signature expired. Timestamp is {timestamp}, current server time is {int(now)}; "
                f"the request must be signed within {MAX_SKEW_SECONDS} seconds of the server time.",
            )
        if self.token is not None and not hmac.compare_digest(headers.get("x-tc-token", ""), self.token):
            raise ApiError("AuthFailure.TokenFailure", "The X-TC-Token is missing or invalid.")
        service = match["service"]
        payload = _UNSIGNED if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD" else body
        canonical = _canonical_request(headers, signed, payload, method, query)
        expected_scope = signer.credential_scope(timestamp, service)
        expected = signer.signature(
            secret_key, signer.string_to_sign(canonical, timestamp, service), timestamp, service
        )
        scope_ok = f"{match['date']}/{service}/tc3_request" == expected_scope
        if not (scope_ok and hmac.compare_digest(expected, match["signature"])):
            raise ApiError(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )
        return Identity(secret_id=secret_id, service=service)


def _canonical_request(headers: Mapping[str, str], signed: list[str], payload: bytes, method: str, query: str) -> str:
    # Whatever SignedHeaders lists is signed, each value as received (a header signed but absent counts as empty):
    # the SDKs' content-type;host, or more, such as our client's x-tc-action.
    return signer.canonical_request_over({name: headers.get(name, "") for name in signed}, payload, method, query)
