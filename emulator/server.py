"""Command line and serving: parse options, build the app, run uvicorn on a bound socket, print the ready line."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import uvicorn

from emulator.app import EmulatorConfig, create_app
from emulator.clock import Clock
from emulator.identity import check_instance_id
from emulator.store import Store

__all__ = ["main", "parse_args"]

_DESCRIPTION = """\
Serve a local emulator of Tencent Cloud's SSL certificate API (ssl 2019-12-05) and the Tag actions that
certificates use (tag 2018-08-13): POST / with X-TC-Action and X-TC-Version, signed with TC3-HMAC-SHA256 exactly as
the real service checks it, answered in Tencent's envelopes and error codes.

Credentials: requests must be signed with the configured key pair: --secret-id/--secret-key, or else the
TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY environment variables. There is no "accept anything" mode; the
emulator refuses to start without a pair. The SecretKey is never logged or stored.
"""

_EPILOG = """\
admin API (loopback clients only; JSON in and out). POST/PUT/DELETE must send Content-Type: application/json,
even with no body; any Origin but the emulator's own http://127.0.0.1:PORT / http://localhost:PORT, a
Sec-Fetch-Site other than same-origin/none, or a Host that is not a loopback name is refused (403), and so is a
GET/HEAD with a body (400), so a web page open in a browser can neither change nor read it:
  POST   /_emulator/reset          forget all state, settings, faults, clock offset and the call log
  POST   /_emulator/bindings       {"CertificateId","ResourceType","ResourceId"[,"Region"]}: bind to a fake cloud
                                   resource (a type with regions defaults to --region)
  DELETE /_emulator/bindings       {"CertificateId"[,"ResourceType","ResourceId"]}: unbind
  GET    /_emulator/bindings       every binding
  GET    /_emulator/settings       current settings
  PUT    /_emulator/settings       any of {"DeleteTaskSeconds": 1.0, "DeleteTaskOutcome": "auto"|1..5,
                                   "RateLimit": true, "RateLimitPerSecond": 10, "FreeCertIssueSeconds": 2.0,
                                   "RoleAuthorized": true, "SignatureClock": "emulator"|"real",
                                   "DeploySeconds": 2.0, "DeployCreateCalls": 1,
                                   "DeployFailures": {"clb": "message"}, "DeployHangs": ["cdn"]}
  GET    /_emulator/clock          {"Now","NowGmt8","OffsetSeconds","Frozen"}
  POST   /_emulator/clock          {"AdvanceSeconds": n}: move the emulator clock; {"Freeze": true}: stop it
                                   (it then moves only when moved; false runs it on; a reset runs it too)
  POST   /_emulator/faults         {"Action": "UploadCertificate"|"*", "Kind": "error"|"http_status"|"delay"|
                                   "drop"|"lose_reply", "Code", "Message", "Status", "Seconds", "Count",
                                   "Params": {only calls with these parameters}}
  GET    /_emulator/faults         armed faults;  DELETE /_emulator/faults: disarm all
  GET    /_emulator/calls          the call log (secrets replaced by "***");  DELETE: clear it
  GET    /_emulator/certificates   every certificate with tags, bindings and open task (no key material)
  GET    /_emulator/tasks          every deletion task
  GET    /_emulator/deploys        every one-click update and rollback record with its details
  POST   /_emulator/deploys        {"DeployRecordId", "DetailStatus": 4|5}: report a finished update's deployed
                                   details as rolled back (4, bindings back on the old certificate) or rollback
                                   failed (5, they stay), with no rollback record
  GET    /_emulator/identity       {"Pid", "InstanceId", "Db"}: this process's pid, its --instance-id (or null) and
                                   the absolute --db path (or null: in memory)

example:
  python -m emulator --port 8787 --db .state/emulator.db --secret-id AKIDtest --secret-key secret
  curl -s -X PUT -H 'Content-Type: application/json' localhost:8787/_emulator/settings -d '{"DeleteTaskSeconds": 0}'
See docs/emulator.md for details.
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (see ``python -m emulator --help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one (printed when ready)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--db", type=Path, help="SQLite file for the state (kept across restarts); default: memory")
    parser.add_argument("--secret-id", help="accepted SecretId (default: $TENCENTCLOUD_SECRET_ID)")
    parser.add_argument("--secret-key", help="its SecretKey (default: $TENCENTCLOUD_SECRET_KEY)")
    parser.add_argument(
        "--token", help="if set, every request must carry this X-TC-Token (else AuthFailure.TokenFailure)"
    )
    parser.add_argument("--region", default="ap-guangzhou", help="region in Tag resource names (default ap-guangzhou)")
    parser.add_argument("--owner-uin", default="100000000001", help="the account's OwnerUin (default 100000000001)")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    parser.add_argument(
        "--instance-id",
        type=_instance_id,
        metavar="TOKEN",
        help="echoed by GET /_emulator/identity, so a script can tell the emulator it started from any other "
        "(1-128 of A-Z a-z 0-9 . _ ~ : -)",
    )
    return parser.parse_args(argv)


def _instance_id(value: str) -> str:
    try:
        return check_instance_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _credentials(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    secret_id = args.secret_id or environ.get("TENCENTCLOUD_SECRET_ID")
    secret_key = args.secret_key or environ.get("TENCENTCLOUD_SECRET_KEY")
    if not secret_id or not secret_key:
        raise SystemExit(
            "emulator: no key pair configured; pass --secret-id and --secret-key or set "
            "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"
        )
    return {secret_id: secret_key}


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off only for sockets created with it, and uvicorn writes a reply's
    # head and body separately, so without it every reply waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


async def _serve(server: uvicorn.Server, sock: socket.socket, url: str) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        print(f"emulator listening on {url}", flush=True)
    await task


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Run the emulator until SIGINT/SIGTERM."""
    args = parse_args(argv)
    config = EmulatorConfig(
        credentials=_credentials(args, os.environ if environ is None else environ),
        token=args.token,
        region=args.region,
        owner_uin=args.owner_uin,
        instance_id=args.instance_id,
        # Absolute, so /_emulator/identity names the file whatever directory the caller compares it from.
        db_path=None if args.db is None else args.db.resolve(),
    )
    if config.db_path is not None:
        config.db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(config.db_path)
    app = create_app(store, Clock(), config, on_shutdown=store.close)
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        raise SystemExit(f"emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = sock.getsockname()[:2]
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    server = uvicorn.Server(
        uvicorn.Config(app, log_level=args.log_level, access_log=False, http="h11", lifespan="on",
                       timeout_graceful_shutdown=3)
    )  # fmt: skip
    try:
        asyncio.run(_serve(server, sock, url))
    except KeyboardInterrupt:
        sys.exit(130)
