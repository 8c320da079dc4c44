"""Many stacks in one state bucket, driven by several runners at once against one account (one SecretId).

Each runner is a thread that drives the real CLI for its share of the stacks, one stack after another, as a CI
runner would: `stack init`, `up` with a few certificates, then an edit (an entry removed, an alias changed) and
`up` again. All stacks share one project name and one S3 bucket, so their state objects and lock objects sit side
by side; all runs share one key, so the emulator's rate limit (10 requests/s per action per SecretId, on by
default) counts every runner's calls together. At the end every stack's state and the cloud agree, and no runner
was told about a rate limit (the client retries throttled calls).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from team_runs import s3_pulumi_env

from support.emulator import RunningEmulator
from support.project import Project, upload_entry
from support.state_server import StateServer

pytestmark = pytest.mark.e2e

CERTIFICATES_PER_STACK = 4


def stack_file(stack: int, entries: dict[int, str]) -> str:
    return "certificates:\n" + "".join(upload_entry(f"c{j}", alias) for j, alias in sorted(entries.items()))


def drive(project: Project, stack: int) -> tuple[dict[int, str], list[str]]:
    """One runner's work on one stack; the entries it ends with (number -> alias) and the outputs of its runs."""
    entries = {j: f"s{stack}-c{j}" for j in range(CERTIFICATES_PER_STACK)}
    for j in entries:
        project.make_cert(f"c{j}", f"c{j}.s{stack}.example.com")
    project.write_stack(stack_file(stack, entries))
    outputs = [project.up()]
    del entries[0]  # an entry removed: a checked deletion
    entries[1] = f"s{stack}-c1-renamed"  # an alias changed: an update in place
    project.write_stack(stack_file(stack, entries))
    outputs.append(project.up())
    return entries, outputs


def run_fleet(root: Path, bin_dir: Path, server: StateServer, emu: RunningEmulator, stacks: int, runners: int) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 1})
    assert emu.admin("GET", "/_emulator/settings")["RateLimit"] is True  # on, at Tencent's 10/s
    url = server.new_bucket("fleet")

    def one(stack: int) -> tuple[Project, dict[int, str], list[str]]:
        # Each stack its own runner home (as separate CI jobs have); one bucket and one key for all.
        env = s3_pulumi_env(root / f"home-{stack}", bin_dir, server, url)
        project = Project(root / f"project-{stack}", env, emu, stack=f"team-{stack:02d}")
        return project, *drive(project, stack)

    for stack in range(stacks):
        (root / f"home-{stack}").mkdir(parents=True)
    with ThreadPoolExecutor(max_workers=runners) as pool:
        results = list(pool.map(one, range(stacks)))

    stack_objects = [k for k in server.objects(url) if k.startswith(".pulumi/stacks/")]
    assert len([k for k in stack_objects if k.endswith(".json")]) == stacks, stack_objects
    assert [k for k in server.objects(url) if k.startswith(".pulumi/locks/") and k.endswith(".json")] == []

    certificates = {c["CertificateId"]: c for c in emu.certificates()}
    managed: set[str] = set()
    for stack, (project, entries, outputs) in enumerate(results):
        for output in outputs:
            assert "RateLimitExceeded" not in output and "rate limit" not in output.lower(), output
        state = project.state_resources()
        assert set(state) == {f"c{j}" for j in entries}, (project.stack, sorted(state))
        for j, alias in entries.items():
            certificate = certificates.get(state[f"c{j}"]["id"])
            assert certificate is not None, f"{project.stack}: c{j} is in the state but not in the cloud"
            assert certificate["Alias"] == alias and certificate["Domain"] == f"c{j}.s{stack}.example.com"
        managed |= {r["id"] for r in state.values()}
    assert set(certificates) == managed  # nothing left over in the cloud, nothing made twice
    calls = emu.calls()
    assert {c["SecretId"] for c in calls if c["SecretId"]} == {emu.secret_id}  # every runner on the one key
    throttled = [c for c in calls if c["ErrorCode"] == "LimitExceeded.RateLimitExceeded"]
    # Shown when the test fails (how hard the shared limit was hit), never asserted: it depends on timing.
    print(f"{len(calls)} API calls, {len(throttled)} answered LimitExceeded.RateLimitExceeded and retried")


def test_twenty_stacks_from_four_runners_share_one_bucket_and_one_key(
    tmp_path: Path, pulumi_bin: Path, state_server: StateServer, emu: RunningEmulator
) -> None:
    # About 2 minutes on 2 busy cores (the last run: 538 API calls, 18 of them throttled and retried), so it runs in
    # `make test` rather than only in test-long.
    run_fleet(tmp_path, pulumi_bin, state_server, emu, stacks=20, runners=4)
