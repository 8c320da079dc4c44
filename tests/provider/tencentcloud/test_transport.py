"""The transport: httpx exceptions mapped once into our tree (``from exc``), replies reduced to HttpReply."""

from __future__ import annotations

import httpx
import pytest

from provider.tencentcloud import errors
from provider.tencentcloud.transport import HttpReply, Transport

URL = "http://127.0.0.1:8787/"
HOST = "127.0.0.1:8787"


@pytest.mark.parametrize(
    ("raised", "expected", "words"),
    [
        (httpx.ConnectTimeout("t"), errors.ConnectTimeout, "timed out connecting"),
        (httpx.ReadTimeout("t"), errors.ReadTimeout, "timed out waiting for the reply"),
        (httpx.WriteTimeout("t"), errors.ReadTimeout, "timed out sending"),
        (httpx.PoolTimeout("t"), errors.RequestTimeout, "free connection"),
        (httpx.ConnectError("[Errno 111] Connection refused"), errors.ConnectError, "could not connect"),
        (httpx.RemoteProtocolError("Server disconnected"), errors.ConnectionLost, "dropped"),
        (httpx.ReadError("reset"), errors.ConnectionLost, "dropped while reading"),
        (httpx.WriteError("broken pipe"), errors.ConnectionLost, "dropped while sending"),
        (httpx.LocalProtocolError("bad"), errors.TransportError, "HTTP transport error"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_httpx_exceptions_are_mapped_to_the_most_specific_class(
    raised: Exception, expected: type[errors.TransportError], words: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise raised

    transport = Transport(transport=httpx.MockTransport(handler))
    with pytest.raises(expected) as caught:
        transport.post(URL, HOST, {"Host": HOST}, b"{}")
    assert type(caught.value) is expected
    assert caught.value.__cause__ is raised
    assert words in str(caught.value) and HOST in str(caught.value)
    transport.close()


def test_reply_is_reduced_to_status_content_type_and_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, content=b"busy", headers={"Content-Type": "text/plain"})

    with_transport = Transport(transport=httpx.MockTransport(handler))
    reply = with_transport.post(URL, HOST, {"Host": HOST, "X-Test": "1"}, b'{"a":1}', timeout=2.5)
    assert reply == HttpReply(503, "text/plain", b"busy")
    assert seen[0].content == b'{"a":1}'
    assert seen[0].headers["X-Test"] == "1"
    assert seen[0].extensions["timeout"] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}
    with_transport.close()


def test_default_timeout_applies_to_every_phase() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    transport = Transport(timeout=7.0, transport=httpx.MockTransport(handler))
    transport.post(URL, HOST, {"Host": HOST}, b"{}")
    assert seen[0].extensions["timeout"] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    transport.close()
