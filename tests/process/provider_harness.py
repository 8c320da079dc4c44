"""Harness for the dynamic provider in its real process, driven over gRPC as the engine does: the project's host
``python -u -m provider.host`` (what plugin/pulumi-resource-pulumi-python runs), or with ``host="stock"`` Pulumi's
``python -u -m pulumi.dynamic``.

``ProviderProcess`` serialises properties with the SDK's own ``rpc.serialize_properties`` (so numbers become
protobuf doubles), puts ``serialize_provider(CertificateProvider())`` under ``__provider`` and decodes replies
with ``rpc.deserialize_properties`` (pulumi-dynamic-providers.md, §4.2), through the host's own wrappers of both
(``provider.host.sdk``).
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from provider.certificate import CertificateProvider
from provider.host import sdk
from provider.host.sdk import to_struct
from support.emulator import REPO_ROOT
from support.host import environ_without, spawn

TYPE = "pulumi-python:dynamic/tencentcloud:Certificate"
#: The module each host runs as (``python -u -m MODULE``).
HOST_MODULES = {"project": "provider.host", "stock": "pulumi.dynamic"}
PROJECT = "certproc"
#: Properties as the requests carry them.
Props = Mapping[str, Any]


def urn(name: str) -> str:
    """The URN the engine would send for a top-level certificate called ``name``."""
    return f"urn:pulumi:dev::{PROJECT}::{TYPE}::{name}"


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Deserialise a reply's properties (unknowns kept)."""
    return sdk.from_struct(struct, True)


def _change(name: str, cert_id: str, olds: Props, news: Props, old_inputs: Props | None) -> dict[str, Any]:
    """What a Diff and an Update request hold: the resource, its old outputs and inputs, its new inputs."""
    return {
        "id": cert_id,
        "urn": urn(name),
        "olds": to_struct(olds),
        "news": to_struct(news),
        "old_inputs": to_struct(old_inputs or {}),
    }


@dataclass
class ProviderProcess:
    """A running provider host and a gRPC stub to it."""

    process: subprocess.Popen[str]
    stub: provider_pb2_grpc.ResourceProviderStub
    channel: grpc.Channel
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=2000))
    engine: grpc.Server | None = None  # the stand-in engine whose address the host was given
    pickle: str = field(default_factory=lambda: serialize_provider(CertificateProvider()))

    def text(self) -> str:
        """Everything the process printed after its port line (progress goes to stderr)."""
        return "".join(self.output)

    def configure(self, config: Mapping[str, str]) -> None:
        """Configure, as the engine does first, with the stack's config (all of it, secrets decrypted)."""
        self.stub.Configure(provider_pb2.ConfigureRequest(args=to_struct(config), acceptSecrets=True))

    def check(self, name: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Any:
        """Check; returns the raw CheckResponse."""
        return self.stub.Check(
            provider_pb2.CheckRequest(
                urn=urn(name),
                olds=to_struct({**(olds or {}), "__provider": self.pickle} if olds else {}),
                news=to_struct({**news, "__provider": self.pickle}),
            )
        )

    def checked(self, name: str, news: Mapping[str, Any]) -> dict[str, Any]:
        """Check that must pass; returns the checked inputs (``__provider`` included)."""
        reply = self.check(name, news)
        assert list(reply.failures) == [], [(f.property, f.reason) for f in reply.failures]
        return from_struct(reply.inputs)

    def diff(self, name: str, cert_id: str, olds: Props, news: Props, old_inputs: Props | None = None) -> Any:
        """Diff (``olds``: the old outputs; ``old_inputs``, as the engine sends them); the raw DiffResponse."""
        return self.stub.Diff(provider_pb2.DiffRequest(**_change(name, cert_id, olds, news, old_inputs)))

    def create(self, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create; returns (id, outputs)."""
        reply = self.stub.Create(provider_pb2.CreateRequest(urn=urn(name), properties=to_struct(inputs)))
        return reply.id, from_struct(reply.properties)

    def read(self, name: str, cert_id: str, outs: Mapping[str, Any], inputs: Mapping[str, Any] | None = None) -> Any:
        """Read (refresh, with the old ``inputs`` as the engine sends them); returns the raw ReadResponse."""
        return self.stub.Read(
            provider_pb2.ReadRequest(
                id=cert_id, urn=urn(name), properties=to_struct(outs), inputs=to_struct(inputs or {})
            )
        )

    def update(
        self, name: str, cert_id: str, olds: Props, news: Props, old_inputs: Props | None = None
    ) -> dict[str, Any]:
        """Update; returns the new outputs."""
        reply = self.stub.Update(provider_pb2.UpdateRequest(**_change(name, cert_id, olds, news, old_inputs)))
        return from_struct(reply.properties)

    def delete(
        self, name: str, cert_id: str, outs: Mapping[str, Any], old_inputs: Mapping[str, Any] | None = None
    ) -> None:
        """Delete (raises grpc.RpcError when the provider refuses)."""
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=cert_id, urn=urn(name), properties=to_struct(outs), old_inputs=to_struct(old_inputs or {})
            )
        )


def _pump(stream: Any, sink: collections.deque[str]) -> None:
    for line in stream:
        sink.append(line)


def start_provider(env: Mapping[str, str], host: str = "project") -> ProviderProcess:
    """Start the provider process as a ``pulumi-resource-pulumi-python`` launcher does (``host``: a key of
    ``HOST_MODULES``); ``env`` is added to an environment without TENCENTCLOUD_* or PULUMI_PARALLEL."""
    child_env = environ_without("TENCENTCLOUD_", "PULUMI_PARALLEL")
    child_env.update(env)
    child_env["PULUMI_PROJECT"] = PROJECT
    # The engine starts the provider in the project directory, from where `provider` is importable; this folder
    # holds test-only providers pickled by reference (host_probe).
    paths = [str(REPO_ROOT), str(Path(__file__).resolve().parent), child_env.get("PYTHONPATH")]
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    engine = start_engine()
    args = [sys.executable, "-u", "-m", HOST_MODULES[host], f"127.0.0.1:{engine.port}"]
    process = spawn(args, cwd=REPO_ROOT, env=child_env, merge_stderr=False)
    assert process.stdout is not None and process.stderr is not None
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        rest = process.stderr.read()
        process.wait(10)
        raise RuntimeError(f"the provider process did not print its port: {port!r}\n{rest}")
    output: collections.deque[str] = collections.deque(maxlen=2000)
    for stream in (process.stdout, process.stderr):
        threading.Thread(target=_pump, args=(stream, output), daemon=True).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=30)
    return ProviderProcess(process, provider_pb2_grpc.ResourceProviderStub(channel), channel, output, engine.server)


@dataclass
class StandInEngine:
    """A gRPC server with no services on a loopback port: every call, the host's health check included, is
    UNIMPLEMENTED, which the host takes as "the engine is alive" (as Pulumi's own plugins do)."""

    server: grpc.Server
    port: int


def start_engine() -> StandInEngine:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return StandInEngine(server, port)


def stop_provider(provider: ProviderProcess) -> None:
    """Close the channel and end the process (it ignores SIGTERM-free shutdowns, so terminate it)."""
    provider.channel.close()
    if provider.engine is not None:
        provider.engine.stop(0)
    provider.process.terminate()
    try:
        provider.process.wait(10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait(10)
    for stream in (provider.process.stdout, provider.process.stderr):
        if stream is not None:
            stream.close()
