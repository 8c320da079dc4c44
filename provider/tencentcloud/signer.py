"""TC3-HMAC-SHA256 request signing, one function per step of Tencent's "Signature v3" specification.

Pure functions: no clock, no I/O. The caller passes the timestamp, so every retry is signed afresh. The signing
``service`` (``ssl``, ``tag``) is independent of the host the request is sent to; only the host is signed.

The official SDKs sign ``content-type;host`` only, so a captured request stays valid for any action with the same
body for five minutes (a ``DescribeCertificate`` body ``{"CertificateId": ...}`` is also a valid
``DeleteCertificate`` body). The specification lets a client sign more headers; this client signs ``x-tc-action``
too, so a signature is good for the one action it was made for.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "ALGORITHM",
    "SDK_SIGNED_HEADERS",
    "SIGNED_HEADERS",
    "SignedRequest",
    "canonical_headers",
    "canonical_request",
    "canonical_request_over",
    "credential_scope",
    "derive_signing_key",
    "sha256_hex",
    "sign",
    "signature",
    "string_to_sign",
]

ALGORITHM = "TC3-HMAC-SHA256"
# Both official SDKs sign exactly these two headers.
SDK_SIGNED_HEADERS = "content-type;host"
# What this client signs: the action as well, so a signed read cannot be replayed as a write.
SIGNED_HEADERS = "content-type;host;x-tc-action"


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def utc_date(timestamp: int) -> str:
    """The UTC date of a Unix timestamp; Tencent warns that a local (UTC+8) date breaks at midnight."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """``(CanonicalHeaders, SignedHeaders)``: every ``name:value`` lower-cased and trimmed, sorted by name, each line
    ending in ``\n``; the names joined by ``;``. The specification lower-cases values too (``x-tc-action``'s
    ``DescribeInstances`` is signed as ``describeinstances``)."""
    lines = sorted((name.strip().lower(), value.strip().lower()) for name, value in headers.items())
    return "".join(f"{name}:{value}\n" for name, value in lines), ";".join(name for name, _ in lines)


def canonical_request_over(headers: Mapping[str, str], payload: bytes, method: str = "POST", query: str = "") -> str:
    """Step 1 over any set of signed headers (name -> value as sent)."""
    block, names = canonical_headers(headers)
    return "\n".join([method, "/", query, block, names, sha256_hex(payload)])


def canonical_request(
    host: str, content_type: str, payload: bytes, method: str = "POST", query: str = "", action: str | None = None
) -> str:
    """Step 1: the canonical request over the method, the signed headers and the payload hash; ``action`` given,
    ``x-tc-action`` is signed as well (``SIGNED_HEADERS``), else only the SDKs' two (``SDK_SIGNED_HEADERS``)."""
    headers = {"content-type": content_type, "host": host}
    if action is not None:
        headers["x-tc-action"] = action
    return canonical_request_over(headers, payload, method, query)


def credential_scope(timestamp: int, service: str) -> str:
    """``<UTC date>/<service>/tc3_request``."""
    return f"{utc_date(timestamp)}/{service}/tc3_request"


def string_to_sign(canonical: str, timestamp: int, service: str) -> str:
    """Step 2: algorithm, timestamp, credential scope and the hash of the canonical request."""
    return "\n".join(
        [ALGORITHM, str(timestamp), credential_scope(timestamp, service), sha256_hex(canonical.encode("utf-8"))]
    )


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def derive_signing_key(secret_key: str, timestamp: int, service: str) -> bytes:
    """Step 3: kDate -> kService -> kSigning; raw digests are chained."""
    k_date = _hmac(("TC3" + secret_key).encode("utf-8"), utc_date(timestamp))
    k_service = _hmac(k_date, service)
    return _hmac(k_service, "tc3_request")


def signature(secret_key: str, to_sign: str, timestamp: int, service: str) -> str:
    """Step 4: lower-case hex HMAC-SHA256 of the string to sign."""
    return hmac.new(
        derive_signing_key(secret_key, timestamp, service), to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def authorization(secret_id: str, scope: str, sig: str, signed_headers: str = SDK_SIGNED_HEADERS) -> str:
    """Step 5: the ``Authorization`` header value."""
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={sig}"


@dataclass(frozen=True)
class SignedRequest:
    """The outcome of signing one request: the header value and the intermediates, for tests and debugging."""

    authorization: str
    signature: str
    canonical_request: str
    string_to_sign: str


def sign(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    content_type: str,
    payload: bytes,
    timestamp: int,
    method: str = "POST",
    query: str = "",
    action: str | None = None,
) -> SignedRequest:
    """Sign one request exactly as Tencent Cloud verifies it; with ``action``, its ``X-TC-Action`` is signed too."""
    canonical = canonical_request(host, content_type, payload, method, query, action)
    to_sign = string_to_sign(canonical, timestamp, service)
    sig = signature(secret_key, to_sign, timestamp, service)
    signed_headers = SDK_SIGNED_HEADERS if action is None else SIGNED_HEADERS
    return SignedRequest(
        authorization=authorization(secret_id, credential_scope(timestamp, service), sig, signed_headers),
        signature=sig,
        canonical_request=canonical,
        string_to_sign=to_sign,
    )
