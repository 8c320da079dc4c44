"""Benchmark stacks of N certificates through the real Pulumi CLI against the emulator, on three provider hosts.

Run: ``.venv/bin/python bench/bench_stack.py [--certificates 100,500] [--hosts ours,stock,noop]``.

For each N it builds a temporary project per setup as the end-to-end tests do (``tests/support/project.py``) and
runs five CLI commands on each, all with the same ``--parallel``:

1. ``pulumi preview``                              (empty state: N creates planned)
2. ``pulumi up --yes --skip-preview``              (N uploads)
3. ``pulumi preview``                              (nothing to change: N diffs against the state)
4. ``pulumi refresh --yes --skip-preview``         (N reads)
5. ``pulumi destroy --yes --skip-preview``         (N checked deletions through their tasks)

Commands 3 and 4 run ``--repeat`` times (default 3) in rounds across the setups, whose stacks are all deployed by
then, so that a ratio between setups compares runs made close together; the median run stands for them.

The setups, over the same N certificates (generated once per run):

- ``ours``:  the project's dynamic-provider host (``plugin/pulumi-resource-pulumi-python``, selected by a
  ``plugins: providers:`` entry in Pulumi.yaml); skipped, with a message, when the launcher is not there;
- ``stock``: Pulumi's own host (the CLI's bundled launcher, ``python -m pulumi.dynamic``);
- ``noop``:  ``bench/noop_provider.py`` on the stock host, resources with the same inputs that do nothing: the
  engine's own cost, the baseline.

The certificate setups each get a fresh emulator (in memory, rate limit ON: 10 requests/s per action, deletion tasks
of ``--delete-task-seconds``). Per command: wall time, CPU of the CLI and its descendants, of the engine and of the
provider, API calls per certificate by action, error codes and rate-limit replies (and whether one reached the user),
peak RSS of the engine and of the provider, size of the state file. Then per N the ratios between setups, and the
targets of issue 11, each marked met or missed with its figure.

It asserts no timing. It exits 1 only when the run itself went wrong: a preview made an API call, a CLI command
failed, a rate-limit error reached the user, the emulator (or, for ``noop``, the state) does not hold N resources
after ``up`` and none after ``destroy``, or no setup could run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from stack_processes import RUN_MARKER, CommandSampler, stop_cli  # noqa: E402
from stack_report import RATE_LIMITED, Phase, report, unexpected_preview_calls  # noqa: E402

from support.certs import make_cert  # noqa: E402
from support.emulator import RunningEmulator, random_credentials, start_emulator  # noqa: E402
from support.project import STACK, Project, upload_entry  # noqa: E402
from support.pulumi_cli import PulumiEnv, find_pulumi, make_pulumi_env  # noqa: E402

CALL_LOG_LIMIT = 20000  # emulator/calllog.py keeps at most this many records
SETUPS = ("ours", "stock", "noop")
LAUNCHER = "pulumi-resource-pulumi-python"
NOOP_TYPE = "pulumi-python:dynamic/bench:NoopCertificate"
NOOP_PROGRAM = """\
from pathlib import Path

from bench.noop_provider import declare

declare(Path(__file__).resolve().parent / "stacks" / "certs")
"""


# --- one phase ----------------------------------------------------------------------------------------------------


@dataclass
class Stage:
    """A project ready for the CLI: its directory, its CLI environment and, for the certificate setups, its
    emulator."""

    setup: str
    count: int
    dir: Path
    pulumi: PulumiEnv
    emu: RunningEmulator | None


def state_file(stage: Stage) -> Path | None:
    """The stack's checkpoint in the file backend (``.pulumi/stacks/<project>/<stack>.json``)."""
    found = sorted((stage.pulumi.root / "backend" / ".pulumi" / "stacks").glob(f"*/{STACK}.json"))
    return found[0] if found else None


def noop_resources(stage: Stage) -> int:
    path = state_file(stage)
    if path is None:
        return 0
    state = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        1 for r in state.get("checkpoint", {}).get("latest", {}).get("resources") or [] if r["type"] == NOOP_TYPE
    )


def run_phase(stage: Stage, name: str, args: list[str], token: str, timeout: float) -> Phase:
    """Run ``pulumi <args>`` on a cleared call log, sampling the engine and the provider while it runs."""
    if stage.emu is not None:
        stage.emu.admin("DELETE", "/_emulator/calls")
    command = ["pulumi", *args, "--stack", STACK, "--non-interactive"]
    print(f"\n== {stage.setup}, N={stage.count}, {name}: {' '.join(command)}", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = stage.pulumi.start(*args, "--stack", STACK, cwd=stage.dir)
    sampler = CommandSampler(proc.pid)
    sampler.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        output = stop_cli(proc, token)
        output += f"\n[bench] killed after {timeout:.0f} s\n"
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The CLI and every descendant it reaped (language host, program, provider); the emulator is still running, so
    # it is not counted.
    tree_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    figures = sampler.stop()
    calls = stage.emu.calls() if stage.emu is not None else []
    path = state_file(stage)
    phase = Phase(
        stage.setup, stage.count, name, " ".join(command), seconds, proc.returncode, output, calls, figures, tree_cpu
    )
    phase.state_bytes = path.stat().st_size if path is not None else None
    if proc.returncode != 0:
        phase.problems.append(f"`{phase.command}` exited {proc.returncode}")
    if len(calls) >= CALL_LOG_LIMIT:
        phase.problems.append(f"the emulator's call log is full ({len(calls)} records): counts are truncated")
    report_phase(phase)
    return phase


def _mib(kib: int | None) -> str:
    return f"{kib / 1024:.1f} MiB" if kib is not None else "n/a"


def report_phase(phase: Phase) -> None:
    f = phase.figures
    print(f"wall time          {phase.seconds:.1f} s (exit code {phase.returncode})")
    print(f"API calls          {len(phase.calls)} ({phase.calls_per_cert:.2f} per certificate)")
    for action, n in sorted(phase.per_action.items()):
        print(f"  {action:<40} {n:>6}  {n / phase.count:>6.2f}/cert")
    print(f"error codes        {sum(phase.errors.values()) or 'none'}")
    for (action, code), n in sorted(phase.errors.items()):
        print(f"  {action:<40} {code:<40} {n:>6}")
    print(
        f"rate limit         {phase.rate_limited} {RATE_LIMITED} replies sent by the emulator; "
        f"reached the user: {'YES' if phase.rate_limit_reached_user else 'no'}"
    )
    print(f"engine peak RSS    {_mib(f.engine_peak_kib)} (VmHWM of the pulumi process)")
    if not f.provider_peaks_kib:
        print(f"provider peak RSS  n/a (no provider process seen in {f.samples} samples)")
    else:
        pids = ", ".join(f"{pid}: {_mib(kib)}" for pid, kib in sorted(f.provider_peaks_kib.items()))
        peak = _mib(max(f.provider_peaks_kib.values()))
        print(f"provider peak RSS  {peak} ({len(f.provider_peaks_kib)} process(es): {pids})")
    print(
        f"CPU                {phase.tree_cpu:.1f} s for the CLI and all its children; engine "
        + (f"{f.engine_cpu:.1f} s" if f.engine_cpu is not None else "n/a")
        + ", provider "
        + (f"{f.provider_cpu:.1f} s" if f.provider_cpu is not None else "n/a")
    )
    print(f"state file         {phase.state_bytes if phase.state_bytes is not None else 'none'} bytes")
    if phase.returncode != 0:
        tail = "\n".join(phase.output.rstrip().splitlines()[-60:])
        print(f"--- last lines of the CLI output ---\n{tail}\n---")


# --- the projects -------------------------------------------------------------------------------------------------


def generate_certificates(directory: Path, count: int, key_type: str) -> None:
    """``c0000.pem``/``.key`` ... for ``count`` certificates, each with its own key, generated now."""
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name = f"c{i:04d}"
        if (directory / f"{name}.key").exists():
            continue
        domain = f"{name}.bench.example.com"
        cert_pem, key_pem = make_cert(domain, (f"alt-{domain}",), key_type=key_type)
        (directory / f"{name}.pem").write_text(cert_pem, encoding="utf-8")
        (directory / f"{name}.key").write_text(key_pem, encoding="utf-8")


def copy_certificates(source: Path, target: Path, count: int) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        for suffix in (".pem", ".key"):
            shutil.copyfile(source / f"c{i:04d}{suffix}", target / f"c{i:04d}{suffix}")


def write_pulumi_yaml(project_dir: Path, plugin_dir: Path | None) -> None:
    """Keep the project's name and runtime (this virtualenv); with ``plugin_dir``, the dynamic provider's host is
    the launcher there, else the CLI's bundled one. Written here so the bench does not depend on how
    ``Project`` picks a host."""
    path = project_dir / "Pulumi.yaml"
    project = yaml.safe_load(path.read_text(encoding="utf-8"))
    project.pop("plugins", None)
    if plugin_dir is not None:
        project["plugins"] = {"providers": [{"name": "pulumi-python", "path": str(plugin_dir)}]}
    path.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")


@contextmanager
def stage(
    setup: str, count: int, root: Path, bin_dir: Path, certs: Path, token: str, args: argparse.Namespace
) -> Iterator[Stage]:
    """A fresh backend and project for one setup at one N, with its own emulator for the certificate setups."""
    (root / f"{setup}-{count}").mkdir()
    pulumi = make_pulumi_env(root / f"{setup}-{count}", bin_dir)
    pulumi.env[RUN_MARKER] = token
    if setup == "ours" and args.provider_parallel is not None:
        pulumi.env["TENCENTCLOUD_PROVIDER_PARALLEL"] = str(args.provider_parallel)
    if setup == "noop":
        project_dir = pulumi.root / "project"
        project_dir.mkdir()
        (project_dir / "Pulumi.yaml").write_text(
            f"name: bench-noop\nruntime:\n  name: python\n  options:\n    virtualenv: {Path(sys.prefix)}\n",
            encoding="utf-8",
        )
        (project_dir / "__main__.py").write_text(NOOP_PROGRAM, encoding="utf-8")
        copy_certificates(certs, project_dir / "stacks" / "certs", count)
        pulumi.run("stack", "init", STACK, cwd=project_dir)
        yield Stage(setup, count, project_dir, pulumi, None)
        return
    secret_id, secret_key = random_credentials()
    with start_emulator(secret_id=secret_id, secret_key=secret_key) as emu:
        emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": args.delete_task_seconds})
        project = Project(pulumi.root / "project", pulumi, emu)
        copy_certificates(certs, project.certs, count)
        project.write_stack(
            "defaults: {tags: {bench: stack}}\ncertificates:\n"
            + "".join(upload_entry(f"c{i:04d}", f"c{i:04d}") for i in range(count))
        )
        write_pulumi_yaml(project.dir, args.ours_plugin if setup == "ours" else None)
        yield Stage(setup, count, project.dir, pulumi, emu)


#: The commands of every setup: (name, CLI arguments, resources expected after it; ``N`` for the stage's count).
#: ``REPEATED`` ones run ``--repeat`` times, interleaved across the setups, so that each ratio compares runs made
#: minutes apart at most, whatever the machine does meanwhile; the median run stands for them.
Step = tuple[str, list[str], int | str | None]
BEFORE: tuple[Step, ...] = (("preview", ["preview"], None), ("up", ["up", "--yes", "--skip-preview"], "N"))
REPEATED: tuple[Step, ...] = (
    ("preview (no-op)", ["preview"], "N"),
    ("refresh", ["refresh", "--yes", "--skip-preview"], "N"),
)
AFTER: tuple[Step, ...] = (("destroy", ["destroy", "--yes", "--skip-preview"], 0),)


def run_step(stage: Stage, step: Step, token: str, args: argparse.Namespace) -> Phase:
    """One command on one stage, checked for what would make the run wrong."""
    name, cli_args, expected = step
    phase = run_phase(stage, name, [*cli_args, "--parallel", str(args.parallel)], token, args.timeout)
    extra = unexpected_preview_calls(phase.calls) if cli_args[0] == "preview" else []
    if extra:
        phase.problems.append(
            f"preview made {len(phase.calls)} API call(s); it must make none but the one shared listing of the "
            "certificates waiting to be deleted"
        )
        print(f"!! preview made {len(phase.calls)} API call(s): {dict(phase.per_action)}")
    if expected is not None:
        want = stage.count if expected == "N" else expected
        what = "the emulator holds" if stage.emu is not None else "the state holds"
        held = len(stage.emu.certificates()) if stage.emu is not None else noop_resources(stage)
        print(f"{what:<18} {held} (expected {want})")
        if held != want:
            phase.problems.append(f"after {name}, {what} {held}, not {want}")
    if phase.rate_limit_reached_user:
        phase.problems.append(f"a rate-limit error reached the user in {name}")
    return phase


def median_run(runs: list[Phase]) -> Phase:
    """The run of median wall time, carrying every run's wall time and every run's problems."""
    chosen = sorted(runs, key=lambda p: p.seconds)[(len(runs) - 1) // 2]
    chosen.runs = tuple(p.seconds for p in runs)
    chosen.problems = list(dict.fromkeys(problem for p in runs for problem in p.problems))
    return chosen


def run_stages(stages: dict[str, Stage], token: str, args: argparse.Namespace) -> dict[str, list[Phase]]:
    """The commands on every stage of one N: ``BEFORE`` and ``AFTER`` one setup after another, ``REPEATED`` in
    rounds across the setups. A setup whose command fails runs no further command (it would measure a broken
    stack)."""
    phases: dict[str, list[Phase]] = {setup: [] for setup in stages}
    repeats: dict[tuple[str, str], list[Phase]] = {}
    broken: set[str] = set()

    def run(setup: str, step: Step) -> Phase | None:
        if setup in broken:
            return None
        phase = run_step(stages[setup], step, token, args)
        if phase.returncode != 0:
            broken.add(setup)
        return phase

    for setup in stages:
        phases[setup] += [p for step in BEFORE if (p := run(setup, step)) is not None]
    for _ in range(args.repeat):
        for step in REPEATED:
            for setup in stages:
                if (phase := run(setup, step)) is not None:
                    repeats.setdefault((setup, step[0]), []).append(phase)
    for setup in stages:
        phases[setup] += [median_run(repeats[(setup, step[0])]) for step in REPEATED if (setup, step[0]) in repeats]
        phases[setup] += [p for step in AFTER if (p := run(setup, step)) is not None]
    return phases


# --- the run ------------------------------------------------------------------------------------------------------


def _list_of(kind: type[Any], choices: tuple[str, ...] | None = None) -> Any:
    def parse(text: str) -> list[Any]:
        values = [kind(v.strip()) for v in text.split(",") if v.strip()]
        if not values or (choices is not None and any(v not in choices for v in values)):
            raise argparse.ArgumentTypeError(f"a comma-separated list{' of ' + ', '.join(choices) if choices else ''}")
        return values

    return parse


def cli_version(bin_dir: Path) -> str:
    out = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True, check=False).stdout
    return out.strip().splitlines()[-1] if out.strip() else "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--certificates",
        type=_list_of(int),
        default=[100, 500],
        metavar="N[,N...]",
        help="stack sizes, each run on every setup (default 100,500)",
    )
    parser.add_argument(
        "--hosts",
        type=_list_of(str, SETUPS),
        default=list(SETUPS),
        metavar="SETUP[,SETUP...]",
        help="setups to run, among ours, stock, noop (default all)",
    )
    parser.add_argument(
        "--stock-up-to",
        type=int,
        metavar="N",
        help="run stock only for stacks of at most N certificates (its teardown of 500 alone takes 15 to 30 min)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="K",
        help="runs of the no-op preview and of refresh per setup, interleaved across the setups (default 3)",
    )
    parser.add_argument("--parallel", type=int, default=64, help="the CLI's --parallel for every command (default 64)")
    parser.add_argument(
        "--provider-parallel",
        type=int,
        metavar="P",
        help="TENCENTCLOUD_PROVIDER_PARALLEL for ours (default: unset, the host's own default)",
    )
    parser.add_argument(
        "--ours-plugin",
        type=Path,
        default=REPO_ROOT / "plugin",
        metavar="DIR",
        help=f"the directory holding ours' {LAUNCHER} (default <repo>/plugin)",
    )
    parser.add_argument(
        "--delete-task-seconds", type=float, default=5.0, help="the emulator's DeleteTaskSeconds (default 5)"
    )
    parser.add_argument("--key-type", choices=("rsa", "ec"), default="rsa", help="certificate keys (default rsa)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per CLI command (default 3600)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print it")
    parser.add_argument(
        "--save-calls", type=Path, metavar="FILE", help="write each command's call log (secrets redacted) as JSON"
    )
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.certificates):
        parser.error("--certificates must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.ours_plugin = args.ours_plugin.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bin_dir = find_pulumi()
    root = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    token = secrets.token_hex(8)
    counts = sorted(set(args.certificates))
    setups = [s for s in SETUPS if s in args.hosts]
    skipped: dict[str, str] = {}
    if "ours" in setups and not os.access(args.ours_plugin / LAUNCHER, os.X_OK):
        skipped["ours"] = f"no executable {args.ours_plugin / LAUNCHER} (the project's host is not in this checkout)"
        setups.remove("ours")
        print(f"setup ours skipped: {skipped['ours']}")
    results: dict[tuple[str, int], list[Phase]] = {}
    problems: list[str] = []
    if not setups:
        problems.append("no setup could run")
    try:
        started = time.monotonic()
        generate_certificates(root / "certs", max(counts), args.key_type)
        print(
            f"bench_stack: N={','.join(map(str, counts))}, setups {', '.join(setups) or 'none'}, "
            f"{args.key_type} keys (generated in {time.monotonic() - started:.1f} s), --parallel {args.parallel}, "
            f"deletion tasks {args.delete_task_seconds:g} s, rate limit on\n"
            f"pulumi {cli_version(bin_dir)}, Python {platform.python_version()}, {os.cpu_count()} CPU(s)"
            + (f"\nruns under {root}" if args.keep else ""),
            flush=True,
        )
        for count in counts:
            with contextlib.ExitStack() as stack:
                stages: dict[str, Stage] = {}
                for setup in setups:
                    if setup == "stock" and args.stock_up_to is not None and count > args.stock_up_to:
                        print(f"\n### stock, N={count}: not run (--stock-up-to {args.stock_up_to})")
                        continue
                    ready = stages[setup] = stack.enter_context(
                        stage(setup, count, root, bin_dir, root / "certs", token, args)
                    )
                    if ready.emu is not None:
                        settings = ready.emu.admin("GET", "/_emulator/settings")
                        print(
                            f"\n### {setup}, N={count}: emulator {ready.emu.url}, "
                            f"RateLimit={settings.get('RateLimit')} "
                            f"({settings.get('RateLimitPerSecond')}/s per action), "
                            f"DeleteTaskSeconds={settings.get('DeleteTaskSeconds')}"
                        )
                        if settings.get("RateLimit") is not True:
                            problems.append(f"{setup}, N={count}: the emulator's rate limit is off: {settings}")
                for setup, phases in run_stages(stages, token, args).items():
                    results[(setup, count)] = phases
                    problems += [f"{setup}, N={count}: {p}" for phase in phases for p in phase.problems]
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        if args.save_calls is not None:
            saved = {f"{s} N={n}": {p.name: p.calls for p in phases} for (s, n), phases in results.items()}
            args.save_calls.write_text(json.dumps(saved, indent=1), encoding="utf-8")

    print()
    print(report(results, counts, args.delete_task_seconds, args.parallel, skipped))
    if problems:
        print("\nthe run went wrong:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
