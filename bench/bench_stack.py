"""Benchmark a stack of N uploaded certificates through the real Pulumi CLI against the emulator.

Run: ``.venv/bin/python bench/bench_stack.py [--certificates 100] [--delete-task-seconds 3]``.

It starts the emulator (in memory, random credentials, rate limit ON: 10 requests/s per action), sets the
deletion tasks' duration, builds a temporary copy of this project as the end-to-end tests do
(``tests/support/project.py``: Pulumi.yaml with this virtualenv, the repo's ``__main__.py``, the stack config
pointing at the emulator) with a stack file of N ``upload`` entries whose certificates and keys are generated now,
and runs, each on a cleared call log:

1. ``pulumi preview``                          (empty state: N creates planned)
2. ``pulumi up --yes --skip-preview``          (N uploads)
3. ``pulumi preview``                          (again, nothing to change: N diffs against the state)
4. ``pulumi destroy --yes``                    (the teardown: N checked deletions through their tasks)

For each phase it prints the wall time, the API calls per action (the emulator's ``GET /_emulator/calls``), the
error codes the emulator replied with (``LimitExceeded.RateLimitExceeded`` ones are the rate limit the client must
absorb), whether anything reached the user (the CLI failing, or a rate-limit message in its output), and the peak
RSS (``VmHWM``) of the dynamic provider process (``python -u -m pulumi.dynamic``, the CLI's grandchild), sampled
every 100 ms from ``/proc``. Then a compact table.

It prints figures and asserts no timing. It exits non-zero only when the run itself went wrong: a preview made an
API call, a CLI command failed, a rate-limit error reached the user, or the emulator does not hold N certificates
after ``up`` and none after the teardown. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from support.emulator import RunningEmulator, random_credentials, start_emulator  # noqa: E402
from support.project import STACK, Project, upload_entry  # noqa: E402
from support.pulumi_cli import PulumiEnv, find_pulumi, make_pulumi_env  # noqa: E402

RATE_LIMITED = "LimitExceeded.RateLimitExceeded"
# The environment variable that marks every process of this run (the CLI passes its environment to its plugins).
RUN_MARKER = "BENCH_STACK_RUN"
PROVIDER_CMDLINE = b"pulumi.dynamic"
SAMPLE_INTERVAL = 0.1
CALL_LOG_LIMIT = 20000  # emulator/calllog.py keeps at most this many records


# --- peak memory of the dynamic provider process ------------------------------------------------------------------


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:  # gone, or not ours to read
        return None


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[bytes]:
    """/proc/<pid>/stat from field 3 (state) on: comm may hold spaces and parentheses, so split after the last ')'."""
    stat = _read(f"/proc/{pid}/stat")
    return stat[stat.rfind(b")") + 2 :].split() if stat else []


def _parent(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if len(fields) > 1 else None


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of the process (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if len(fields) > 12 else None


def _status_kib(pid: int, *names: str) -> dict[str, int]:
    status = _read(f"/proc/{pid}/status")
    values: dict[str, int] = {}
    if status is None:
        return values
    for line in status.decode(errors="replace").splitlines():
        key, _, rest = line.partition(":")
        if key in names:
            values[key] = int(rest.split()[0])
    return values


def _marked_processes(token: str) -> list[int]:
    """Pids of the processes whose environment carries this run's marker (the CLI and everything it started)."""
    marker = f"{RUN_MARKER}={token}".encode()
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            environ = _read(f"/proc/{entry.name}/environ")
            if environ is not None and marker in environ.split(b"\0"):
                pids.append(int(entry.name))
    return pids


def _stop_cli(proc: subprocess.Popen[str], token: str) -> str:
    """After a timeout: SIGINT (the CLI cancels and stops its plugins), then SIGKILL, then any straggler of this run.

    The CLI starts each plugin in a process group of its own, so killing the CLI's group would orphan them.
    """
    proc.send_signal(signal.SIGINT)
    try:
        output, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    for pid in _marked_processes(token):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return output


@dataclass
class ProviderMemory:
    """Peak RSS of each dynamic provider process of one phase, by pid."""

    peaks_kib: dict[int, int] = field(default_factory=dict)
    cpu_seconds: dict[int, float] = field(default_factory=dict)
    samples: int = 0

    @property
    def cpu_total(self) -> float | None:
        """CPU seconds of the provider process(es), as last sampled (the last <100 ms of each may be missed)."""
        return sum(self.cpu_seconds.values()) if self.cpu_seconds else None

    @property
    def peak_mib(self) -> float | None:
        return max(self.peaks_kib.values()) / 1024 if self.peaks_kib else None


class ProviderSampler(threading.Thread):
    """Polls /proc every 100 ms for ``pulumi.dynamic`` processes of this run and keeps their highest VmHWM.

    A process belongs to this run when its environment carries ``RUN_MARKER=<token>`` or the CLI process started
    for the phase is among its ancestors. VmHWM is the kernel's own high-water mark of the process's RSS, so a
    sample taken at any time before the process exits sees every earlier peak; only the last <100 ms may be missed.
    """

    def __init__(self, token: str) -> None:
        super().__init__(name="provider-memory", daemon=True)
        self._marker = f"{RUN_MARKER}={token}".encode()
        self._done = threading.Event()
        self._ours: dict[tuple[int, bytes], bool] = {}
        self.cli_pid: int | None = None
        self.result = ProviderMemory()

    def _belongs(self, pid: int) -> bool:
        environ = _read(f"/proc/{pid}/environ")
        if environ is not None and self._marker in environ.split(b"\0"):
            return True
        ancestor: int | None = pid
        for _ in range(16):
            ancestor = _parent(ancestor) if ancestor else None
            if not ancestor or ancestor == 1:
                return False
            if ancestor == self.cli_pid:
                return True
        return False

    def sample(self) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            cmdline = _read(f"/proc/{pid}/cmdline")
            if not cmdline or PROVIDER_CMDLINE not in cmdline:
                continue
            key = (pid, cmdline)
            if key not in self._ours:
                self._ours[key] = self._belongs(pid)
            if not self._ours[key]:
                continue
            hwm = _status_kib(pid, "VmHWM").get("VmHWM")
            if hwm is not None:
                self.result.peaks_kib[pid] = max(hwm, self.result.peaks_kib.get(pid, 0))
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                self.result.cpu_seconds[pid] = max(cpu, self.result.cpu_seconds.get(pid, 0.0))
        self.result.samples += 1

    def run(self) -> None:
        while True:
            self.sample()
            if self._done.wait(SAMPLE_INTERVAL):
                return

    def stop(self) -> ProviderMemory:
        self._done.set()
        self.join(timeout=10)
        return self.result


# --- one phase ----------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    command: str
    seconds: float
    returncode: int
    output: str
    calls: list[dict[str, Any]]
    memory: ProviderMemory
    tree_cpu: float
    problems: list[str] = field(default_factory=list)

    @property
    def per_action(self) -> Counter[str]:
        return Counter(c["Action"] for c in self.calls)

    @property
    def errors(self) -> Counter[tuple[str, str]]:
        return Counter((c["Action"], c["ErrorCode"]) for c in self.calls if c["ErrorCode"] is not None)

    @property
    def rate_limited(self) -> int:
        return sum(1 for c in self.calls if c["ErrorCode"] == RATE_LIMITED)

    @property
    def rate_limit_reached_user(self) -> bool:
        """The CLI failed while the emulator refused calls, or the CLI's output speaks of the rate limit."""
        shown = "RateLimitExceeded" in self.output or "rate limit" in self.output.lower()
        return shown or (self.returncode != 0 and self.rate_limited > 0)


def run_phase(name: str, args: list[str], project: Project, token: str, timeout: float) -> Phase:
    """Run ``pulumi <args>`` on a cleared call log, sampling the provider's memory while it runs."""
    emu = project.emu
    emu.admin("DELETE", "/_emulator/calls")
    command = ["pulumi", *args, "--stack", STACK, "--non-interactive"]
    print(f"\n== {name}: {' '.join(command)}", flush=True)
    sampler = ProviderSampler(token)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = project.start(*args)
    sampler.cli_pid = proc.pid
    sampler.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        output = _stop_cli(proc, token)
        output += f"\n[bench] killed after {timeout:.0f} s\n"
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The CLI and every descendant it reaped (language host, program, provider); the emulator is still running, so
    # it is not counted.
    tree_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    memory = sampler.stop()
    calls = emu.calls()
    phase = Phase(name, " ".join(command), seconds, proc.returncode, output, calls, memory, tree_cpu)
    if proc.returncode != 0:
        phase.problems.append(f"`{phase.command}` exited {proc.returncode}")
    if len(calls) >= CALL_LOG_LIMIT:
        phase.problems.append(f"the emulator's call log is full ({len(calls)} records): counts are truncated")
    report_phase(phase)
    return phase


def report_phase(phase: Phase) -> None:
    peak = phase.memory.peak_mib
    print(f"wall time          {phase.seconds:.1f} s (exit code {phase.returncode})")
    print(f"API calls          {len(phase.calls)}")
    for action, n in sorted(phase.per_action.items()):
        print(f"  {action:<40} {n:>6}")
    print(f"error codes        {sum(phase.errors.values()) or 'none'}")
    for (action, code), n in sorted(phase.errors.items()):
        print(f"  {action:<40} {code:<40} {n:>6}")
    print(
        f"rate limit         {phase.rate_limited} {RATE_LIMITED} replies sent by the emulator; "
        f"reached the user: {'YES' if phase.rate_limit_reached_user else 'no'}"
    )
    if peak is None:
        print(f"provider peak RSS  n/a (no pulumi.dynamic process seen in {phase.memory.samples} samples)")
    else:
        pids = ", ".join(f"{pid}: {kib / 1024:.1f} MiB" for pid, kib in sorted(phase.memory.peaks_kib.items()))
        print(f"provider peak RSS  {peak:.1f} MiB (VmHWM; {len(phase.memory.peaks_kib)} process(es): {pids})")
    provider_cpu = phase.memory.cpu_total
    print(
        f"CPU                {phase.tree_cpu:.1f} s for the CLI and all its children"
        + (f", of which {provider_cpu:.1f} s in the provider" if provider_cpu is not None else "")
    )
    if phase.returncode != 0:
        tail = "\n".join(phase.output.rstrip().splitlines()[-60:])
        print(f"--- last lines of the CLI output ---\n{tail}\n---")


# --- the run ------------------------------------------------------------------------------------------------------


def declare(project: Project, count: int, key_type: str) -> None:
    """``count`` upload entries, each with its own certificate and key generated now (files under stacks/certs)."""
    entries = []
    for i in range(count):
        name = f"c{i:04d}"
        domain = f"{name}.bench.example.com"
        project.make_cert(name, domain, (f"alt-{domain}",), key_type=key_type)
        entries.append(upload_entry(name, name))
    project.write_stack("defaults: {tags: {bench: stack}}\ncertificates:\n" + "".join(entries))


def certificate_count(emu: RunningEmulator) -> int:
    return len(emu.certificates())


def summary_table(phases: list[Phase], count: int) -> str:
    header = (
        f"{'phase':<16} {'wall s':>7} {'API calls':>9} {'calls/cert':>10} {'errors':>6} "
        f"{'rate-limited':>12} {'to user':>7} {'provider MiB':>12} {'CPU s':>6} {'prov CPU s':>10}  result"
    )
    lines = [header, "-" * len(header)]
    for p in phases:
        peak = p.memory.peak_mib
        lines.append(
            f"{p.name:<16} {p.seconds:>7.1f} {len(p.calls):>9} {len(p.calls) / count:>10.2f} "
            f"{sum(p.errors.values()):>6} {p.rate_limited:>12} {'YES' if p.rate_limit_reached_user else 'no':>7} "
            f"{(f'{peak:.1f}' if peak is not None else 'n/a'):>12} {p.tree_cpu:>6.1f} "
            f"{(f'{p.memory.cpu_total:.1f}' if p.memory.cpu_total is not None else 'n/a'):>10}  "
            f"{'FAILED' if p.problems else 'ok'}"
        )
    return "\n".join(lines)


def cli_version(pulumi: PulumiEnv, cwd: Path) -> str:
    return pulumi.run("version", cwd=cwd, check=False).stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=100, help="upload entries in the stack (default 100)")
    parser.add_argument(
        "--delete-task-seconds", type=float, default=3.0, help="the emulator's DeleteTaskSeconds (default 3)"
    )
    parser.add_argument("--key-type", choices=("rsa", "ec"), default="rsa", help="certificate keys (default rsa)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per CLI command (default 3600)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project directory and print it")
    parser.add_argument(
        "--save-calls", type=Path, metavar="FILE", help="write each phase's call log (secrets redacted) as JSON"
    )
    args = parser.parse_args(argv)
    if args.certificates < 1:
        parser.error("--certificates must be at least 1")

    bin_dir = find_pulumi()
    root = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    token = secrets.token_hex(8)
    secret_id, secret_key = random_credentials()
    phases: list[Phase] = []
    problems: list[str] = []
    try:
        with start_emulator(secret_id=secret_id, secret_key=secret_key) as emu:
            emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": args.delete_task_seconds})
            settings = emu.admin("GET", "/_emulator/settings")
            if settings.get("RateLimit") is not True:
                problems.append(f"the emulator's rate limit is off: {settings}")

            pulumi = make_pulumi_env(root, bin_dir)
            pulumi.env[RUN_MARKER] = token
            project = Project(root / "project", pulumi, emu)
            started = time.monotonic()
            declare(project, args.certificates, args.key_type)
            print(
                f"bench_stack: {args.certificates} upload entries ({args.key_type} keys, generated in "
                f"{time.monotonic() - started:.1f} s), pulumi {cli_version(pulumi, project.dir)}, "
                f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)\n"
                f"emulator {emu.url}: RateLimit={settings.get('RateLimit')} "
                f"({settings.get('RateLimitPerSecond')}/s per action), "
                f"DeleteTaskSeconds={settings.get('DeleteTaskSeconds')}"
                + (f"\nproject: {project.dir}" if args.keep else ""),
                flush=True,
            )

            n = args.certificates
            steps: list[tuple[str, list[str], int | None]] = [
                ("preview", ["preview"], None),
                ("up", ["up", "--yes", "--skip-preview"], n),
                ("preview (no-op)", ["preview"], None),
                ("destroy", ["destroy", "--yes"], 0),
            ]
            for name, cli_args, expected in steps:
                phase = run_phase(name, cli_args, project, token, args.timeout)
                if cli_args[0] == "preview" and phase.calls:
                    phase.problems.append(f"preview made {len(phase.calls)} API call(s); it must make none")
                    print(f"!! preview made {len(phase.calls)} API call(s): {dict(phase.per_action)}")
                if expected is not None:
                    held = certificate_count(emu)
                    print(f"emulator holds     {held} certificate(s) (expected {expected})")
                    if held != expected:
                        phase.problems.append(f"after {name} the emulator holds {held} certificates, not {expected}")
                if phase.rate_limit_reached_user:
                    phase.problems.append(f"a rate-limit error reached the user in {name}")
                phases.append(phase)
                problems += phase.problems
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        if args.save_calls is not None:
            args.save_calls.write_text(json.dumps({p.name: p.calls for p in phases}, indent=1), encoding="utf-8")

    print(f"\nsummary: {args.certificates} certificates, rate limit on, deletion tasks {args.delete_task_seconds:g} s")
    print(summary_table(phases, args.certificates))
    if problems:
        print("\nthe run went wrong:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
