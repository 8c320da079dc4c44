"""Benchmark our Tencent Cloud client against the official Python SDK, both talking to the emulator on loopback.

Run: ``.venv/bin/python bench/bench_client.py [--calls N] [--threads T] [--rounds R]``.

For each client, single-threaded and with T threads, it prints calls per second, client CPU seconds per 1,000
calls (``time.process_time`` around the client work only; the emulator is another process) and TCP connections
opened per 100 calls (distinct ``ClientPort`` values in the emulator's call log), then the ratios ours / official.
It exits non-zero if our client opened more than one connection per thread or spent more CPU per call than the
official SDK. See bench/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.ssl.v20191205 import models, ssl_client  # noqa: E402

from provider.tencentcloud import Client, ClientSettings, Credentials  # noqa: E402
from support.certs import make_cert  # noqa: E402
from support.emulator import RunningEmulator, random_credentials, start_emulator  # noqa: E402

SSL_VERSION = "2019-12-05"
# One call is made of this mix, in turn: a list page and a detail read, as a refresh of a stack does.
MIX = ("DescribeCertificates", "DescribeCertificateDetail")

CallFn = Callable[[int], Any]


@dataclass(frozen=True)
class Run:
    """One measured run: one client kind, one thread count."""

    client: str
    threads: int
    calls: int
    wall: float
    cpu: float
    connections: int

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.wall

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu / self.calls * 1000

    @property
    def connections_per_100(self) -> float:
        return self.connections / self.calls * 100


class Ours:
    """Our client: one shared, thread-safe ``Client`` (rate limiter off: Tencent's limit is off in the emulator)."""

    name = "ours"

    def __init__(self, emu: RunningEmulator, certificate_id: str) -> None:
        self._client = Client(
            Credentials(emu.secret_id, emu.secret_key),
            ClientSettings(endpoint=emu.url, rate_per_action=None),
        )
        self._detail = {"CertificateId": certificate_id}

    def caller(self) -> CallFn:
        client, detail = self._client, self._detail

        def call(n: int) -> Any:
            if n % 2:
                return client.call("ssl", SSL_VERSION, "DescribeCertificateDetail", detail)
            return client.call("ssl", SSL_VERSION, "DescribeCertificates", {"Limit": 10})

        return call

    def close(self) -> None:
        self._client.close()


class Official:
    """The official SDK: ``SslClient`` over http with its default keep-alive setting; one client per thread."""

    name = "official"

    def __init__(self, emu: RunningEmulator, certificate_id: str) -> None:
        self._emu = emu
        self._certificate_id = certificate_id

    def caller(self) -> CallFn:
        # requests.Session (inside SslClient) is not documented as thread-safe: each thread gets its own client.
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=self._emu.host, protocol="http"))
        client = ssl_client.SslClient(credential.Credential(self._emu.secret_id, self._emu.secret_key), "", profile)
        certificate_id = self._certificate_id

        def call(n: int) -> Any:
            if n % 2:
                detail = models.DescribeCertificateDetailRequest()
                detail.CertificateId = certificate_id
                return client.DescribeCertificateDetail(detail)
            listing = models.DescribeCertificatesRequest()
            listing.Limit = 10
            return client.DescribeCertificates(listing)

        return call

    def close(self) -> None:
        pass


def measure(
    emu: RunningEmulator, kind: type[Ours] | type[Official], certificate_id: str, calls: int, threads: int
) -> Run:
    """Run ``calls`` calls split over ``threads`` threads with a fresh client; CPU and wall time around them only."""
    subject = kind(emu, certificate_id)
    callers = [subject.caller() for _ in range(threads)]
    per_thread = [calls // threads + (1 if i < calls % threads else 0) for i in range(threads)]
    emu.admin("DELETE", "/_emulator/calls")
    barrier = threading.Barrier(threads + 1)
    failures: list[BaseException] = []

    def worker(call: CallFn, count: int) -> None:
        barrier.wait()
        try:
            for n in range(count):
                call(n)
        except BaseException as exc:  # reported after the run
            failures.append(exc)

    pool = [threading.Thread(target=worker, args=(c, k)) for c, k in zip(callers, per_thread, strict=True)]
    for thread in pool:
        thread.start()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    barrier.wait()
    for thread in pool:
        thread.join()
    cpu1, wall1 = time.process_time(), time.perf_counter()
    subject.close()
    if failures:
        raise SystemExit(f"{subject.name}: {len(failures)} call(s) failed, first: {failures[0]!r}")
    log = [c for c in emu.calls() if c["Action"] in MIX]
    if len(log) != calls or any(c["ErrorCode"] for c in log):
        raise SystemExit(f"{subject.name}: the emulator logged {len(log)} calls, not {calls}, or errors")
    ports = {c["ClientPort"] for c in log}
    return Run(subject.name, threads, calls, wall1 - wall0, cpu1 - cpu0, len(ports))


def median_run(runs: Sequence[Run]) -> Run:
    """The per-figure median over rounds (connections: the worst round)."""
    return Run(
        runs[0].client,
        runs[0].threads,
        runs[0].calls,
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.connections for r in runs),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Start the emulator, benchmark both clients, print the table; non-zero exit if our client misses a target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per measured run (default 1000)")
    parser.add_argument("--threads", type=int, default=4, help="threads of the multi-threaded runs (default 4)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat each run and report medians (default 1)")
    args = parser.parse_args(argv)
    if args.calls < args.threads or args.threads < 1 or args.rounds < 1:
        parser.error("need --calls >= --threads >= 1 and --rounds >= 1")

    secret_id, secret_key = random_credentials()
    with start_emulator(secret_id=secret_id, secret_key=secret_key) as emu:
        emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
        cert_pem, key_pem = make_cert("bench.example.com", ["bench.example.com"])
        with Client(Credentials(secret_id, secret_key), ClientSettings(endpoint=emu.url)) as setup:
            certificate_id = setup.call(
                "ssl",
                SSL_VERSION,
                "UploadCertificate",
                {"CertificatePublicKey": cert_pem, "CertificatePrivateKey": key_pem, "Alias": "bench"},
            )["CertificateId"]
        for kind in (Ours, Official):  # warm imports and caches outside the measurements
            measure(emu, kind, certificate_id, 20, 1)

        results: dict[tuple[str, int], Run] = {}
        for threads in (1, args.threads):
            rounds: dict[str, list[Run]] = {"ours": [], "official": []}
            for _ in range(args.rounds):
                for kind in (Ours, Official):  # interleaved, so drift in machine load hits both alike
                    rounds[kind.name].append(measure(emu, kind, certificate_id, args.calls, threads))
            for name, runs in rounds.items():
                results[(name, threads)] = median_run(runs)

    print(f"{args.calls} calls per run ({' / '.join(MIX)} in turn), emulator on loopback, rate limit off")
    header = (
        f"{'client':<9} {'threads':>7} {'calls/s':>9} {'CPU s/1000 calls':>17} {'conns/100 calls':>16} {'conns':>6}"
    )
    print(header)
    print("-" * len(header))
    for (name, threads), run in results.items():
        print(
            f"{name:<9} {threads:>7} {run.calls_per_second:>9.1f} {run.cpu_per_1000:>17.3f}"
            f" {run.connections_per_100:>16.2f} {run.connections:>6}"
        )
    print()
    ok = True
    for threads in (1, args.threads):
        ours, official = results[("ours", threads)], results[("official", threads)]
        print(
            f"ours / official, {threads} thread(s): calls/s x{ours.calls_per_second / official.calls_per_second:.2f},"
            f" CPU per call x{ours.cpu_per_1000 / official.cpu_per_1000:.2f},"
            f" connections x{ours.connections / max(official.connections, 1):.2f}"
        )
        if ours.connections > threads:
            print(f"  FAIL: ours opened {ours.connections} connections for {threads} thread(s)")
            ok = False
        if ours.cpu_per_1000 >= official.cpu_per_1000:
            print("  FAIL: ours spent at least as much CPU per call as the official SDK")
            ok = False
    print("targets met: at most one connection per thread, less CPU per call" if ok else "targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
