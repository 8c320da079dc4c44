"""provider.host against the pinned Pulumi SDK: a Pulumi upgrade that changes what the host copies or relies on
fails here, with what to re-check, instead of failing a user's `pulumi up`.

The host re-implements the stock host ``pulumi/dynamic/__main__.py`` (which cannot be imported: it starts serving)
on top of the SDK's own helpers. So: the stock host's source must be the reviewed one (digest), it must serve the
same RPCs under the same ``__provider`` key, and the SDK names the host imports must keep the shapes it uses.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
from importlib import metadata
from pathlib import Path

import pulumi.dynamic
from pulumi.runtime import proto

from provider.host import sdk
from provider.host.servicer import PROVIDER_KEY, HostServicer

STOCK_HOST = Path(pulumi.dynamic.__file__).with_name("__main__.py")
RECHECK = (
    "provider/host re-implements Pulumi's stock dynamic-provider host {path} (reviewed for pulumi "
    f"{sdk.REVIEWED_SDK_VERSION}); installed pulumi is {{version}}. {{what}} Re-read the new file against "
    "provider/host/servicer.py (provider cache and configure, __provider handling, the request fields read, the "
    "reply fields set, Settings, unknowns in Check/Diff, Read's inputs), port what changed, then update "
    "REVIEWED_SDK_VERSION and REVIEWED_STOCK_HOST_SHA256 in provider/host/sdk.py."
)


def _recheck(what: str) -> str:
    return RECHECK.format(path=STOCK_HOST, version=metadata.version("pulumi"), what=what)


def _stock_tree() -> ast.Module:
    return ast.parse(STOCK_HOST.read_text(encoding="utf-8"))


def test_the_stock_host_is_the_reviewed_one() -> None:
    digest = hashlib.sha256(STOCK_HOST.read_bytes()).hexdigest()
    assert digest == sdk.REVIEWED_STOCK_HOST_SHA256, _recheck(f"Its SHA-256 is now {digest}.")


def test_the_stock_host_serves_the_same_rpcs_under_the_same_key() -> None:
    tree = _stock_tree()
    servicer = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("ProviderServicer"))
    stock = {f.name for f in servicer.body if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")}
    ours = {name for name in vars(HostServicer) if name[:1].isupper()}
    assert stock == ours, _recheck(f"It serves {sorted(stock)}; provider.host serves {sorted(ours)}.")
    keys = [
        ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PROVIDER_KEY" for t in n.targets)
    ]
    assert keys == [PROVIDER_KEY], _recheck(f"Its PROVIDER_KEY is {keys}.")


def test_every_rpc_the_host_serves_is_in_the_service() -> None:
    service = {name for name in vars(proto.ResourceProviderServicer) if not name.startswith("_")}
    ours = {name for name in vars(HostServicer) if name[:1].isupper()}
    assert ours <= service, _recheck(f"The ResourceProvider service no longer has {sorted(ours - service)}.")


def _params(fn: object) -> list[str]:
    return list(inspect.signature(fn).parameters)  # type: ignore[arg-type]


def test_the_sdk_names_the_host_uses_keep_their_shapes() -> None:
    problems = []
    expected: list[tuple[str, object, list[str]]] = [
        ("rpc.serialize_properties", sdk.rpc.serialize_properties, ["inputs", "property_deps"]),
        ("rpc.deserialize_properties", sdk.rpc.deserialize_properties, ["props_struct", "keep_unknowns"]),
        ("rpc.unwrap_rpc_secret", sdk.rpc.unwrap_rpc_secret, ["value"]),
        ("runtime._serialization._deserialize", sdk.deserialize_context, ["f", "args", "kwargs"]),
        ("dynamic.Config", sdk.Config, ["raw_config", "project_name"]),
        ("dynamic.ConfigureRequest", sdk.ConfigureRequest, ["config"]),
        ("runtime.configure", sdk.configure, ["settings"]),
    ]
    for name, fn, params in expected:
        got = _params(fn)
        if got[: len(params)] != params:
            problems.append(f"{name}{tuple(got)} no longer starts with {tuple(params)}")
    if not {"project", "stack", "organization"} <= set(_params(sdk.Settings)):
        problems.append(f"runtime.Settings{tuple(_params(sdk.Settings))} lacks project/stack/organization")
    if sdk.rpc.UNKNOWN != "04da6b54-80e4-46f7-96ec-b56ff0331ba9":
        problems.append("rpc.UNKNOWN changed")
    if not all(isinstance(o, tuple) and len(o) == 2 for o in sdk.GRPC_CHANNEL_OPTIONS):
        problems.append("runtime._grpc_settings._GRPC_CHANNEL_OPTIONS is no longer a list of (name, value) pairs")
    fields = {
        "DiffRequest": {"id", "olds", "news", "old_inputs"},
        "UpdateRequest": {"id", "olds", "news", "old_inputs"},
        "DeleteRequest": {"id", "properties", "old_inputs"},
        "ReadRequest": {"id", "properties", "inputs"},
        "CreateRequest": {"properties"},
        "CheckRequest": {"olds", "news"},
        "ConfigureRequest": {"args"},
        "DiffResponse": {"changes", "replaces", "deleteBeforeReplace"},
        "ReadResponse": {"id", "properties", "inputs"},
    }
    for message, needed in fields.items():
        have = {f.name for f in getattr(sdk.provider_pb2, message).DESCRIPTOR.fields}
        if not needed <= have:
            problems.append(f"provider_pb2.{message} lacks {sorted(needed - have)}")
    assert not problems, _recheck("The SDK pieces provider/host/sdk.py imports changed: " + "; ".join(problems) + ".")
