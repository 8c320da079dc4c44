"""Start the host: a gRPC server on a loopback port, printed on stdout for the engine, served until killed or until
the engine is gone."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from concurrent import futures
from typing import BinaryIO

import grpc  # type: ignore[import-untyped]

from .liveness import EngineWatch, engine_address, exit_now
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


def main(argv: list[str] | None = None) -> None:
    """``python -m provider.host [flags...] ENGINE``: what the plugin/ launcher runs; it serves until interrupted, or
    until the engine is gone (see ``liveness``)."""
    parent = os.getppid()
    server = serve()
    EngineWatch(engine_address(sys.argv[1:] if argv is None else argv), parent, exit_now).start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop(0)
