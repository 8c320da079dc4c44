"""Benchmark a team's fleet: S stacks of C certificates each, driven by R runners at once, with the Pulumi state on
the local file backend and then in a real S3-compatible store (SeaweedFS, as COS would hold it).

Run: ``.venv/bin/python bench/bench_team.py [--stacks 20] [--certificates 20] [--runners 4]``.

For each backend it starts from an empty emulator (rate limit ON: 10 requests/s per action, one SecretId shared by
every runner, as a team sharing one key) and an empty backend, builds S copies of this project as the end-to-end
tests do (``tests/support/project.py``; stack ``team-NN`` each, one project name, so on S3 they share one bucket),
and times, each phase over all stacks with R runners (threads, each driving the real CLI for one stack at a time):

1. ``pulumi stack init``                  (one state object per stack)
2. ``pulumi up --yes --skip-preview``     (C uploads per stack)
3. ``pulumi preview`` with nothing to change (reads the state; no API call)
4. ``pulumi stack export``                (one state read: the state operation alone)
5. ``pulumi destroy --yes``               (C checked deletions per stack)

It prints each phase's wall time per backend, the S3 - file difference (what keeping the state in S3 costs: every
checkpoint the engine writes during ``up`` and ``destroy`` is a PUT of the whole state object, every command's
start a lock PUT/LIST/DELETE and a state GET) and the mean per stack-command. It asserts no timing; it exits non-zero
only when a run went wrong (a CLI command failed, a rate-limit error reached a runner, the emulator does not hold
S x C certificates after ``up`` or holds any after ``destroy``). See bench/README.md, "bench_team.py".
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from support.emulator import RunningEmulator, random_credentials, start_emulator  # noqa: E402
from support.project import Project, upload_entry  # noqa: E402
from support.pulumi_cli import find_pulumi, make_pulumi_env  # noqa: E402
from support.state_server import StateServer, find_weed, running_state_server  # noqa: E402

PHASES = ("stack init", "up", "preview (no-op)", "stack export", "destroy")


class RunFailed(RuntimeError):
    """A CLI command failed or a rate limit reached a runner; the message says which."""


def fleet(root: Path, bin_dir: Path, emu: RunningEmulator, stacks: int, certs: int, backend: StateServer | None,
          runners: int, rate: float | None) -> dict[str, tuple[float, float]]:  # fmt: skip
    """Run the phases for one backend; per phase, the wall seconds and the mean seconds of one stack's command."""
    if backend is not None:
        url = backend.new_bucket("bench")
    else:  # one folder for every stack, as one bucket is on S3
        (root / "state").mkdir(parents=True)
        url = (root / "state").as_uri()
    projects: list[Project] = []
    timings: dict[str, tuple[float, float]] = {}

    def timed(phase: str, work: Callable[[int], None]) -> None:
        def one(i: int) -> float:
            began = time.monotonic()
            work(i)
            return time.monotonic() - began

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=runners) as pool:
            each = list(pool.map(one, range(stacks)))
        timings[phase] = (time.monotonic() - started, sum(each) / len(each))
        calls = emu.calls()
        throttled = sum(1 for c in calls if c["ErrorCode"] == "LimitExceeded.RateLimitExceeded")
        emu.admin("DELETE", "/_emulator/calls")
        print(
            f"  {phase:<18} {timings[phase][0]:8.1f} s wall, {timings[phase][1]:6.2f} s per stack, "
            f"{len(calls)} API calls, {throttled} refused for the rate (retried)",
            flush=True,
        )

    def init(i: int) -> None:
        home = root / f"home-{i}"
        home.mkdir(parents=True)
        env = make_pulumi_env(home, bin_dir, backend_url=url)
        if backend is not None:
            env.env = {k: v for k, v in env.env.items() if not k.startswith("AWS_")} | backend.env()
        if rate is not None:
            env.env["TENCENTCLOUD_RATE_PER_ACTION"] = str(rate)
        projects.append(Project(root / f"project-{i}", env, emu, stack=f"team-{i:02d}"))

    def checked(project: Project, *args: str) -> str:
        proc = project.pulumi.run(*args, "--stack", project.stack, cwd=project.dir, check=False, timeout=3600)
        if proc.returncode != 0:
            command = " ".join(args)
            raise RunFailed(f"{project.stack}: pulumi {command} exited {proc.returncode}:\n{proc.stdout[-3000:]}")
        if "RateLimitExceeded" in proc.stdout or "rate limit" in proc.stdout.lower():
            raise RunFailed(f"{project.stack}: a rate limit reached the runner:\n{proc.stdout[-3000:]}")
        return proc.stdout

    timed("stack init", init)
    projects.sort(key=lambda p: p.stack)
    for i, project in enumerate(projects):  # certificates made before the clock starts: key generation is not timed
        for j in range(certs):
            project.make_cert(f"c{j}", f"c{j}.s{i}.example.com")
        project.write_stack("certificates:\n" + "".join(upload_entry(f"c{j}", f"s{i}-c{j}") for j in range(certs)))
    timed("up", lambda i: None if checked(projects[i], "up", "--yes", "--skip-preview") else None)
    held = len(emu.certificates())
    if held != stacks * certs:
        raise RunFailed(f"after up the emulator holds {held} certificates, expected {stacks * certs}")
    timed("preview (no-op)", lambda i: None if checked(projects[i], "preview", "--expect-no-changes") else None)
    timed("stack export", lambda i: None if checked(projects[i], "stack", "export") else None)
    timed("destroy", lambda i: None if checked(projects[i], "destroy", "--yes") else None)
    if emu.certificates():
        raise RunFailed(f"after destroy the emulator still holds {len(emu.certificates())} certificates")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", type=int, default=20, help="stacks in the fleet (default 20)")
    parser.add_argument("--certificates", type=int, default=20, help="upload entries per stack (default 20)")
    parser.add_argument("--runners", type=int, default=4, help="CLI runs at once (default 4)")
    parser.add_argument("--delete-task-seconds", type=float, default=1.0, help="the emulator's DeleteTaskSeconds")
    parser.add_argument(
        "--rate-per-action",
        type=float,
        default=None,
        help="TENCENTCLOUD_RATE_PER_ACTION for every runner (default: unset, the client's 10/s each; README, Team use)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print it")
    args = parser.parse_args(argv)
    if min(args.stacks, args.certificates, args.runners) < 1:
        parser.error("--stacks, --certificates and --runners must be at least 1")

    bin_dir, weed = find_pulumi(), find_weed()
    root = Path(tempfile.mkdtemp(prefix="bench-team-"))
    results: dict[str, dict[str, tuple[float, float]]] = {}
    secret_id, secret_key = random_credentials()
    print(
        f"bench_team: {args.stacks} stacks x {args.certificates} certificates, {args.runners} runners, "
        f"TENCENTCLOUD_RATE_PER_ACTION={args.rate_per_action or 'unset'}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)",
        flush=True,
    )
    try:
        with (
            start_emulator(secret_id=secret_id, secret_key=secret_key) as emu,
            running_state_server(root / "state-server", weed) as server,
        ):
            for name, backend in (("file", None), ("s3", server)):
                emu.reset()
                emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": args.delete_task_seconds})
                print(f"{name} backend:", flush=True)
                work = (args.stacks, args.certificates, backend, args.runners, args.rate_per_action)
                results[name] = fleet(root / name, bin_dir, emu, *work)
    except (RunFailed, subprocess.CalledProcessError, AssertionError) as error:
        print(f"bench_team: FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    print("\n| phase | file: wall (s) | S3: wall (s) | file: per stack (s) | S3: per stack (s) | S3 - file (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for phase in PHASES:
        (fw, fs), (sw, ss) = results["file"][phase], results["s3"][phase]
        print(f"| {phase} | {fw:.1f} | {sw:.1f} | {fs:.2f} | {ss:.2f} | {ss - fs:+.2f} |")
    total_f, total_s = (sum(w for w, _ in results[b].values()) for b in ("file", "s3"))
    print(f"| all phases | {total_f:.1f} | {total_s:.1f} | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
