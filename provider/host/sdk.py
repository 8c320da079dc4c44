"""Every piece of the pinned Pulumi SDK the host relies on, imported in one place.

The host replaces ``python -m pulumi.dynamic`` (``pulumi/dynamic/__main__.py``) and must speak to the engine and
unpickle providers exactly as it does, so it reuses the SDK's own helpers rather than copies of them: the property
(de)serialisers of ``pulumi.runtime.rpc``, the generated gRPC service, the channel options, and the private
``_deserialize`` context that lets a pickled provider hold plain values of Outputs. Two of these are private names
(``_deserialize``, ``_GRPC_CHANNEL_OPTIONS``); tests/provider/test_host_sdk_pin.py checks them, the public
signatures, and a digest of the stock host's source, so a Pulumi upgrade that changes any of it fails a test.
``to_struct`` and ``from_struct`` call the property (de)serialisers the way the host (and the tests' engine side) do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2  # type: ignore[import-untyped]
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider
from pulumi.metadata import get_project
from pulumi.runtime import Settings, configure, rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime._serialization import _deserialize
from pulumi.runtime.proto import ResourceProviderServicer, plugin_pb2, provider_pb2, provider_pb2_grpc

__all__ = [
    "GRPC_CHANNEL_OPTIONS",
    "REVIEWED_SDK_VERSION",
    "REVIEWED_STOCK_HOST_SHA256",
    "Config",
    "ConfigureRequest",
    "ResourceProvider",
    "ResourceProviderServicer",
    "Settings",
    "configure",
    "deserialize_context",
    "from_struct",
    "get_project",
    "plugin_pb2",
    "provider_pb2",
    "provider_pb2_grpc",
    "rpc",
    "to_struct",
]

#: The SDK release whose stock host (``pulumi/dynamic/__main__.py``) this host was written against.
REVIEWED_SDK_VERSION = "3.272.0"
#: SHA-256 of that release's ``pulumi/dynamic/__main__.py``, as reviewed.
REVIEWED_STOCK_HOST_SHA256 = "c99d671c026cf91ed5a31ad457dc018735e173ccba924dea898a42ae774f19f6"

GRPC_CHANNEL_OPTIONS = _GRPC_CHANNEL_OPTIONS
deserialize_context = _deserialize


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """``props`` serialised as the engine's SDK does (numbers become doubles)."""
    # A fresh loop per call: a serving thread has none of its own.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def from_struct(struct: struct_pb2.Struct, keep_unknowns: bool | None = None) -> dict[str, Any]:
    """A request's or reply's properties, deserialised."""
    return dict(rpc.deserialize_properties(struct, keep_unknowns) or {})
