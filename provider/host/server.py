"""Start the host: a gRPC server on a loopback port, printed on stdout for the engine, served until killed."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from concurrent import futures
from typing import BinaryIO

import grpc  # type: ignore[import-untyped]

from .parallel import POOL_THREADS, Gate, startup_limit
from .sdk import GRPC_CHANNEL_OPTIONS, provider_pb2_grpc
from .servicer import HostServicer

__all__ = ["main", "serve"]


def serve(environ: Mapping[str, str] | None = None, out: BinaryIO | None = None) -> grpc.Server:
    """Start serving on 127.0.0.1 (any free port) and write the port and a newline to ``out`` (stdout)."""
    environ = os.environ if environ is None else environ
    servicer = HostServicer(Gate(startup_limit(environ)), environ)
    # The pool only grows when calls wait for a thread, so its size costs nothing until used; the gate limits.
    pool = futures.ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="provider-host")
    server = grpc.server(pool, options=GRPC_CHANNEL_OPTIONS)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stream = out if out is not None else sys.stdout.buffer
    stream.write(f"{port}\n".encode())
    stream.flush()
    return server


def main() -> None:
    """``python -m provider.host``: what the plugin/ launcher runs (the engine's arguments are not needed)."""
    server = serve()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop(0)
