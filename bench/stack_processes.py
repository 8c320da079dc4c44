"""The processes of one Pulumi CLI command, read from ``/proc`` while it runs: the engine and the provider.

``CommandSampler`` polls every 100 ms. The engine is the ``pulumi`` process itself (the CLI runs the engine in
process for a file backend). The CLI starts the language host (``pulumi-language-python``, which runs the program)
and one process per resource plugin; so a process below the CLI belongs to the provider when the CLI's child it
descends from is not a language host. That holds whatever the launcher runs (Pulumi's
``python -m pulumi.dynamic`` behind a shell script, or the project's own host), so no command line is assumed.

Peak memory is ``VmHWM``, the kernel's high-water mark of the process's RSS: any sample before the process exits
sees every earlier peak, only the last <100 ms may be missed. CPU is ``utime + stime`` from ``/proc/<pid>/stat``
as last sampled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from dataclasses import dataclass, field

__all__ = ["RUN_MARKER", "CommandFigures", "CommandSampler", "stop_cli"]

# The environment variable that marks every process of a run (the CLI passes its environment to its plugins).
RUN_MARKER = "BENCH_STACK_RUN"
SAMPLE_INTERVAL = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The stock launcher is a shell script that waits on its Python child: the shell is not the provider.
SHELLS = {b"sh", b"bash", b"dash"}
LANGUAGE_HOST = b"pulumi-language-"


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:  # gone, or not ours to read
        return None


def _stat_fields(pid: int) -> list[bytes]:
    """/proc/<pid>/stat from field 3 (state) on: comm may hold spaces and parentheses, so split after the last ')'."""
    stat = _read(f"/proc/{pid}/stat")
    return stat[stat.rfind(b")") + 2 :].split() if stat else []


def _identity(fields: list[bytes]) -> tuple[int, int] | None:
    """(parent pid, start time in ticks) from stat fields: the start time tells a reused pid from the old one."""
    return (int(fields[1]), int(fields[19])) if len(fields) > 19 else None


def _cpu_seconds(fields: list[bytes]) -> float | None:
    """utime + stime (fields 14 and 15 of /proc/<pid>/stat)."""
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if len(fields) > 12 else None


def _hwm_kib(pid: int) -> int | None:
    status = _read(f"/proc/{pid}/status")
    for line in (status or b"").splitlines():
        if line.startswith(b"VmHWM:"):
            return int(line.split()[1])
    return None


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


def stop_cli(proc: subprocess.Popen[str], token: str) -> str:
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
class CommandFigures:
    """Peak RSS and CPU of the engine and of each provider process of one command."""

    engine_peak_kib: int | None = None
    engine_cpu: float | None = None
    provider_peaks_kib: dict[int, int] = field(default_factory=dict)
    provider_cpu_by_pid: dict[int, float] = field(default_factory=dict)
    samples: int = 0

    @property
    def engine_peak_mib(self) -> float | None:
        return self.engine_peak_kib / 1024 if self.engine_peak_kib is not None else None

    @property
    def provider_peak_mib(self) -> float | None:
        """The highest peak over the command's provider processes (``destroy`` after a preview may start two)."""
        return max(self.provider_peaks_kib.values()) / 1024 if self.provider_peaks_kib else None

    @property
    def provider_cpu(self) -> float | None:
        return sum(self.provider_cpu_by_pid.values()) if self.provider_cpu_by_pid else None


class CommandSampler(threading.Thread):
    """Samples the engine (``cli_pid``) and the provider processes below it every 100 ms until :meth:`stop`."""

    def __init__(self, cli_pid: int) -> None:
        super().__init__(name="command-sampler", daemon=True)
        self.cli_pid = cli_pid
        self.result = CommandFigures()
        self._done = threading.Event()
        # (pid, start time) -> the chain of pids from the process up to the CLI's child, or None: not below the CLI.
        # A process never moves below the CLI after it starts, so a negative answer is final.
        self._chains: dict[tuple[int, int], list[int] | None] = {}
        self._cli_cmdline = _read(f"/proc/{cli_pid}/cmdline")

    def _chain(self, pid: int, parent: int) -> list[int] | None:
        chain = [pid]
        for _ in range(32):
            if parent == self.cli_pid:
                return chain
            if parent <= 1:
                return None
            chain.append(parent)
            fields = _stat_fields(parent)
            parent = int(fields[1]) if len(fields) > 1 else 0
        return None

    def _is_provider(self, pid: int, chain: list[int]) -> bool:
        cmdline = _read(f"/proc/{pid}/cmdline")
        # A child the CLI forked but has not exec'd yet still shares the engine's memory.
        if not cmdline or cmdline == self._cli_cmdline:
            return False
        if os.path.basename(cmdline.split(b"\0")[0]) in SHELLS:  # a script's comm is its own name, not the shell's
            return False
        top = cmdline if chain[-1] == pid else _read(f"/proc/{chain[-1]}/cmdline")
        return top is not None and top != self._cli_cmdline and LANGUAGE_HOST not in top

    def sample(self) -> None:
        fields = _stat_fields(self.cli_pid)
        if fields:
            hwm = _hwm_kib(self.cli_pid)
            if hwm is not None:
                self.result.engine_peak_kib = max(hwm, self.result.engine_peak_kib or 0)
            cpu = _cpu_seconds(fields)
            if cpu is not None:
                self.result.engine_cpu = max(cpu, self.result.engine_cpu or 0.0)
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == self.cli_pid:
                continue
            pid = int(entry.name)
            fields = _stat_fields(pid)
            identity = _identity(fields)
            if identity is None:
                continue
            key = (pid, identity[1])
            if key not in self._chains:
                self._chains[key] = self._chain(pid, identity[0])
            chain = self._chains[key]
            if chain is None or not self._is_provider(pid, chain):
                continue
            hwm = _hwm_kib(pid)
            if hwm is not None:
                self.result.provider_peaks_kib[pid] = max(hwm, self.result.provider_peaks_kib.get(pid, 0))
            cpu = _cpu_seconds(fields)
            if cpu is not None:
                self.result.provider_cpu_by_pid[pid] = max(cpu, self.result.provider_cpu_by_pid.get(pid, 0.0))
        self.result.samples += 1

    def run(self) -> None:
        while True:
            self.sample()
            if self._done.wait(SAMPLE_INTERVAL):
                return

    def stop(self) -> CommandFigures:
        self._done.set()
        self.join(timeout=10)
        return self.result
