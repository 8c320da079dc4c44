"""Recognise a signature-v1 request (the API 2.0 style), which the emulator does not serve.

Tencent's API 3.0 also accepts the older signature method: the common parameters ``Action``, ``Version``,
``SecretId``, ``Timestamp``, ``Nonce``, ``SignatureMethod`` (``HmacSHA1``/``HmacSHA256``) and ``Signature`` travel as
query parameters (GET) or an ``application/x-www-form-urlencoded`` body (POST), with no ``Authorization`` header;
the official SDKs send that when given ``ClientProfile(signMethod="HmacSHA256")``. The emulator verifies
TC3-HMAC-SHA256 only, so such a request must be told so (``UnsupportedProtocol``) rather than be answered
``MissingParameter: Action`` because the action is not in an ``X-TC-Action`` header.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import Headers

from emulator.errors import ApiError

__all__ = ["V1_MARKERS", "unsupported_v1", "v1_parameters"]

# Parameters only a v1 request carries: without a TC3 Authorization header, either one marks it.
V1_MARKERS = ("Signature", "SignatureMethod")
_FORM = "application/x-www-form-urlencoded"


def v1_parameters(headers: Headers, query_string: bytes, body: bytes) -> dict[str, str] | None:
    """The common parameters of a signature-v1 request (query string and form body), or ``None`` if it is not one."""
    if headers.get("authorization", "").strip().startswith("TC3-"):
        return None
    params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    if headers.get("content-type", "").split(";")[0].strip().lower() == _FORM:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params if any(marker in params for marker in V1_MARKERS) else None


def unsupported_v1(params: dict[str, str]) -> ApiError:
    """``UnsupportedProtocol`` naming the signature method the request used and the one to use instead."""
    method = params.get("SignatureMethod", "HmacSHA1")[:32]  # v1's default when the parameter is left out
    return ApiError(
        "UnsupportedProtocol",
        f"Signature method v1 (SignatureMethod={method}, a Signature parameter, form or query parameters) is not "
        "supported by the emulator; sign the request with TC3-HMAC-SHA256 (an Authorization header and a JSON "
        "body), the official SDKs' default.",
    )
