"""Hand-signed requests to the emulator, so a test controls every header and byte (``RawApi``), and the fixture
``api`` (one for the reset session emulator), which a folder's conftest.py imports by name."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from provider.tencentcloud import signer
from support.emulator import RunningEmulator

__all__ = ["VERSIONS", "RawApi", "api"]

VERSIONS = {"ssl": "2019-12-05", "tag": "2018-08-13"}


class RawApi:
    """Sends hand-signed requests, so tests control every header and byte."""

    def __init__(self, emu: RunningEmulator) -> None:
        self.emu = emu
        self.http = httpx.Client(timeout=30.0)

    def raw(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        service: str = "ssl",
        version: str | None = None,
        secret_id: str | None = None,
        secret_key: str | None = None,
        timestamp: int | None = None,
        signed_host: str | None = None,
        content_type: str = "application/json",
        body: bytes | None = None,
        signed_body: bytes | None = None,
        signed_action: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One signed POST; every ``signed_*``/override lets a test break exactly one thing. ``signed_action`` signs
        ``x-tc-action`` with that value (as our client does with the action it sends); without it only
        ``content-type;host`` are signed, as the official SDKs do."""
        payload = body if body is not None else json.dumps(dict(params or {})).encode()
        ts = int(time.time()) if timestamp is None else timestamp
        signed = signer.sign(
            secret_id=secret_id or self.emu.secret_id,
            secret_key=secret_key or self.emu.secret_key,
            service=service,
            host=signed_host or self.emu.host,
            content_type=content_type,
            payload=signed_body if signed_body is not None else payload,
            timestamp=ts,
            action=signed_action,
        )
        headers = {
            "Content-Type": content_type,
            "Authorization": signed.authorization,
            "X-TC-Action": action,
            "X-TC-Version": version or VERSIONS[service],
            "X-TC-Timestamp": str(ts),
            **(extra_headers or {}),
        }
        return self.http.post(self.emu.url + "/", content=payload, headers=headers)

    def call(self, action: str, params: Mapping[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """The ``Response`` object of a call (success or error); always HTTP 200 JSON."""
        response = self.raw(action, params, **kw)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert set(body) == {"Response"}
        inner: dict[str, Any] = body["Response"]
        assert isinstance(inner["RequestId"], str) and inner["RequestId"]
        return inner

    def ok(self, action: str, params: Mapping[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """A call that must succeed."""
        response = self.call(action, params, **kw)
        assert "Error" not in response, response["Error"]
        return response

    def error(self, action: str, params: Mapping[str, Any] | None = None, **kw: Any) -> dict[str, str]:
        """A call that must fail; returns ``{"Code", "Message"}``."""
        response = self.call(action, params, **kw)
        assert "Error" in response, f"expected an error, got {response}"
        assert set(response) == {"Error", "RequestId"}
        error: dict[str, str] = response["Error"]
        return error

    def upload(self, cert_pem: str, key_pem: str | None, **params: Any) -> str:
        """Upload a certificate and return its id."""
        body: dict[str, Any] = {"CertificatePublicKey": cert_pem, **params}
        if key_pem is not None:
            body["CertificatePrivateKey"] = key_pem
        return str(self.ok("UploadCertificate", body)["CertificateId"])

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    def __enter__(self) -> RawApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def api(emu: RunningEmulator) -> Iterator[RawApi]:
    """A hand-signing client for the freshly reset session emulator."""
    with RawApi(emu) as client:
        yield client
