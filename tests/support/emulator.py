"""Run the emulator as a real subprocess on loopback for tests: ``start_emulator(...)`` -> ``RunningEmulator``.

The secret key reaches the child through its environment, never its command line, so it is not visible in ``ps``.
"""

from __future__ import annotations

import collections
import os
import re
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from support.host import environ_without, spawn

__all__ = ["REPO_ROOT", "EmulatorStartError", "RunningEmulator", "random_credentials", "run_emulator", "start_emulator"]

REPO_ROOT = Path(__file__).resolve().parents[2]
_READY = re.compile(r"emulator listening on (http://127\.0\.0\.1:(\d+))")


def random_credentials() -> tuple[str, str]:
    """A fresh (SecretId, SecretKey) pair shaped like Tencent's, generated at test time."""
    return "AKID" + secrets.token_hex(16), secrets.token_urlsafe(24)


class EmulatorStartError(RuntimeError):
    """Raised when the emulator process exits or stays silent before printing its "listening" line."""


@dataclass
class RunningEmulator:
    """A running ``python -m emulator`` process; use as a context manager or call ``stop()``."""

    url: str
    port: int
    secret_id: str
    secret_key: str = field(repr=False)
    db: Path | None
    process: subprocess.Popen[str] = field(repr=False)
    _output: collections.deque[str] = field(repr=False, default_factory=lambda: collections.deque(maxlen=200))
    _http: httpx.Client | None = field(repr=False, default=None)
    _pump: threading.Thread | None = field(repr=False, default=None)

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, the Host header a client sends (and signs)."""
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The ``TENCENTCLOUD_*`` variables that point a client (ours, tccli, Terraform) at this emulator."""
        return {
            "TENCENTCLOUD_SECRET_ID": self.secret_id,
            "TENCENTCLOUD_SECRET_KEY": self.secret_key,
            "TENCENTCLOUD_ENDPOINT": self.url,
        }

    def output(self) -> str:
        """The last lines the process wrote to stdout/stderr (for failure messages)."""
        return "".join(self._output)

    def admin(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        """Call the admin API, e.g. ``admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})``."""
        if self._http is None:
            self._http = httpx.Client(timeout=30.0)
        if not path.startswith("/"):
            path = "/" + path
        if not path.startswith("/_emulator/"):
            path = "/_emulator" + path
        if json is None and method.upper() not in ("GET", "HEAD"):
            json = {}  # the admin API refuses a write without Content-Type: application/json, even a body-less one
        response = self._http.request(method, self.url + path, json=json)
        response.raise_for_status()
        return response.json() if response.content else {}

    def calls(self) -> list[dict[str, Any]]:
        """The emulator's call log (``GET /_emulator/calls``)."""
        return list(self.admin("GET", "/_emulator/calls")["Calls"])

    def certificates(self) -> list[dict[str, Any]]:
        """The certificates the emulator holds (``GET /_emulator/certificates``)."""
        return list(self.admin("GET", "/_emulator/certificates")["Certificates"])

    def reset(self) -> None:
        """Forget certificates, bindings, tasks, tags, faults, settings, clock offset and the call log."""
        self.admin("POST", "/_emulator/reset")

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after 10 s) and close the admin client."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        # The pump reaches EOF once the process is gone; then the pipe can be closed without racing it.
        if self._pump is not None:
            self._pump.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pump(stream: Any, sink: collections.deque[str], ready: threading.Event, found: list[re.Match[str]]) -> None:
    # Keep draining the pipe for the life of the process so the child never blocks on a full pipe.
    for line in stream:
        sink.append(line)
        if not found:
            match = _READY.search(line)
            if match:
                found.append(match)
                ready.set()
    ready.set()


def start_emulator(
    db: Path | None = None,
    *,
    secret_id: str,
    secret_key: str,
    extra_args: Iterable[str] = (),
    timeout: float = 30.0,
    cwd: Path = REPO_ROOT,
) -> RunningEmulator:
    """Start ``python -m emulator --port 0`` in ``cwd`` (a relative ``db`` is below it) and return once it prints its
    "listening" line. No ``TENCENTCLOUD_*`` variable of this process reaches it, only the secret key given."""
    args = [sys.executable, "-m", "emulator", "--port", "0", "--secret-id", secret_id]
    if db is not None:
        args += ["--db", str(db)]
    args += list(extra_args)
    env = environ_without("TENCENTCLOUD_")
    env["TENCENTCLOUD_SECRET_KEY"] = secret_key
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    process = spawn(args, cwd=cwd, env=env)
    output: collections.deque[str] = collections.deque(maxlen=200)
    ready = threading.Event()
    found: list[re.Match[str]] = []
    pump = threading.Thread(target=_pump, args=(process.stdout, output, ready, found), daemon=True)
    pump.start()
    if not ready.wait(timeout) or not found:
        process.kill()
        process.wait(timeout=10)
        pump.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        raise EmulatorStartError(f"emulator did not start (exit code {process.poll()}):\n{''.join(output)}")
    match = found[0]
    return RunningEmulator(
        url=match.group(1),
        port=int(match.group(2)),
        secret_id=secret_id,
        secret_key=secret_key,
        db=db,
        process=process,
        _output=output,
        _pump=pump,
    )


def run_emulator(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m emulator ARGS`` to its end (60 s at most), output captured: for the command line's refusals.

    Its environment is this process's without any ``TENCENTCLOUD_*`` variable, plus ``env``.
    """
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=REPO_ROOT,
        env={**environ_without("TENCENTCLOUD_"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
