"""Faults injected into every API action the provider uses, through the real engine (`pulumi up`, `refresh`).

One stack is reused by every scenario of this module: its file flips between two versions, ``A`` and ``B``, so each
`pulumi up` creates one certificate, updates another in place (alias, project and tags) and deletes a third through
the checked, asynchronous deletion. That one run calls every action below, so a fault armed on any of them fires
during it or, for the read-only Tag action, during the `refresh` that follows.

Each fault fires on every attempt but the last the client may make (``Count`` = the attempt limit - 1), so a run
succeeds only if the client retries, and retries enough: every fault of the matrix is one the retry table
(``provider.tencentcloud.retry``) names as transient, none is a refusal. Each scenario: arm the fault, flip the file,
one `pulumi up`, which must succeed, then check that the fault fired that many times and each call it hit was sent
again (a failed read may have a fallback, so success alone does not prove the retry), that the emulator holds exactly
the certificates the file declares (one per entry: no duplicate, no orphan, each the one the state names, with the
declared alias, project and tags), and that `pulumi refresh` followed by `pulumi preview --expect-no-changes` finds
nothing to do. ``test_the_retry_gives_up_at_its_limit``: one fault more than the limit fails the run, naming the
action, and the next `up` finishes the work.

The attempt limit is the provider's own reading of ``TENCENTCLOUD_MAX_ATTEMPTS``, which this module sets low
(``MAX_ATTEMPTS``) so the backoff between attempts costs about a second per scenario rather than the default budget's
twenty; the policy is the same at any limit.

Actions: the ones the call log shows for an up/refresh cycle. ``DescribeDeployedResources`` is not among them: the
provider asks it only to name the resources when a deletion task refuses a still-bound certificate, so it has a
scenario of its own (``test_fault_on_the_bound_resources_lookup``): the refusal, then the retry once unbound.

The client waits ``TENCENTCLOUD_TIMEOUT`` (2 s here) for a reply; the ``slow reply`` fault answers after 3.5 s.
`make test` runs a representative subset (each fault kind once, a fault on every action, a lost reply on every
write); the whole action x fault product is marked ``long``.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from provider.tencentcloud.config import ENV_MAX_ATTEMPTS, ClientSettings
from support.emulator import RunningEmulator
from support.project import STACK, Project, upload_entry
from support.pulumi_cli import make_pulumi_env

pytestmark = [pytest.mark.e2e]

#: Seconds the provider's client waits for one reply (``TENCENTCLOUD_TIMEOUT``), and how slow a "slow" reply is.
CLIENT_TIMEOUT = 2.0
SLOW_REPLY = CLIENT_TIMEOUT + 1.5
#: The attempts the provider's client may make per call here (``TENCENTCLOUD_MAX_ATTEMPTS``; the default is 8).
MAX_ATTEMPTS = 3

#: Every action an up/refresh cycle of this stack calls (checked by ``test_the_cycle_calls_every_action``).
ACTIONS = (
    "UploadCertificate",
    "DescribeCertificates",
    "DescribeCertificateDetail",
    "ModifyCertificateAlias",
    "ModifyCertificateProject",
    "ModifyResourceTags",
    "DescribeResourceTagsByResourceIds",
    "UnTagResources",
    "DeleteCertificate",
    "DescribeDeleteCertificatesTaskResult",
)
WRITES = (
    "UploadCertificate",
    "ModifyCertificateAlias",
    "ModifyCertificateProject",
    "ModifyResourceTags",
    "UnTagResources",
    "DeleteCertificate",
)

#: Fault name -> the body of ``POST /_emulator/faults`` (without Action and Count).
FAULTS: dict[str, dict[str, Any]] = {
    "RequestLimitExceeded": {"Kind": "error", "Code": "RequestLimitExceeded"},
    "LimitExceeded.RateLimitExceeded": {"Kind": "error", "Code": "LimitExceeded.RateLimitExceeded"},
    "InternalError": {"Kind": "error", "Code": "InternalError"},
    "FailedOperation.NetworkError": {"Kind": "error", "Code": "FailedOperation.NetworkError"},
    "HTTP 502": {"Kind": "http_status", "Status": 502},
    "dropped connection": {"Kind": "drop"},
    "slow reply": {"Kind": "delay", "Seconds": SLOW_REPLY},
    "lost reply": {"Kind": "lose_reply"},
}
#: In `make test`: each fault kind once, a fault on every action (the reads included), a lost reply on every write.
REPRESENTATIVE = {
    ("RequestLimitExceeded", "UploadCertificate"),
    ("LimitExceeded.RateLimitExceeded", "DeleteCertificate"),
    ("InternalError", "UploadCertificate"),
    ("InternalError", "DescribeCertificates"),
    ("FailedOperation.NetworkError", "DescribeDeleteCertificatesTaskResult"),
    ("HTTP 502", "DescribeCertificateDetail"),
    ("dropped connection", "DeleteCertificate"),
    ("dropped connection", "DescribeResourceTagsByResourceIds"),
    ("slow reply", "UploadCertificate"),
    *{("lost reply", action) for action in WRITES},
}
#: Reads the up sends for several certificates at once: a fault on the action alone would be shared out among them, one
#: firing each, so a client stopping an attempt early would still succeed. Their fault hits the reads of `kept` only.
ONE_CERTIFICATE = ("DescribeCertificateDetail",)
#: In `make test`: the bound-resources lookup, with a fault that costs no client timeout.
REPRESENTATIVE_LOOKUP = "InternalError"

HELD = (
    "one certificate per entry in the emulator, each the one the state names, with its alias, project and tags "
    "(no duplicate, no orphan); refresh then preview --expect-no-changes shows no change"
)
#: What held for a fault on every attempt but the last.
RETRIED = "the one up succeeds and every call the fault hit was sent again; " + HELD


@dataclass
class Version:
    """One version of the stack file: entry -> (alias, project); the same tags on every entry."""

    entries: dict[str, tuple[str, int]]
    tags: dict[str, str]

    def text(self) -> str:
        tags = ", ".join(f"{k}: {v}" for k, v in self.tags.items())
        body = "".join(
            upload_entry(name, alias, f"project_id: {project}\n" if project else "")
            for name, (alias, project) in self.entries.items()
        )
        return f"defaults: {{tags: {{{tags}}}}}\ncertificates:\n{body}"


# A -> B creates `fresh`, updates `kept` (alias, project, tags) and deletes `old`; B -> A the other way round.
VERSION_A = Version({"kept": ("kept-a", 0), "old": ("old", 0)}, {"team": "web"})
VERSION_B = Version({"kept": ("kept-b", 7), "fresh": ("fresh", 0)}, {"team": "ops"})


@dataclass
class Stack:
    """The module's one stack, flipped between versions A and B; rebuilt after a scenario that left it broken."""

    root: Path
    bin_dir: Path
    emu: RunningEmulator
    project: Project = field(init=False)
    version: Version = field(init=False)
    healthy: bool = False
    builds: int = 0
    #: A slow-reply fault was armed: its requests may still be running in the emulator after a failed scenario.
    slow: bool = False

    def ensure(self) -> Project:
        """A stack at version A matching the emulator; a fresh one if the last scenario did not end well."""
        self.emu.admin("DELETE", "/_emulator/faults")
        if not self.healthy:
            self.builds += 1
            self.emu.reset()
            self.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 1})
            root = self.root / f"build-{self.builds}"
            root.mkdir()
            env = make_pulumi_env(root, self.bin_dir)
            self.project = Project(root / "project", env, self.emu)
            self.project.pulumi.env["TENCENTCLOUD_TIMEOUT"] = str(CLIENT_TIMEOUT)
            self.project.pulumi.env[ENV_MAX_ATTEMPTS] = str(MAX_ATTEMPTS)
            for name in ("kept", "old", "fresh"):
                self.project.make_cert(name, f"{name}.example.com")
            self.version = VERSION_A
            self.project.write_stack(self.version.text())
            self.project.up()
            self.healthy = True
        self.emu.admin("DELETE", "/_emulator/calls")
        return self.project

    def flip(self) -> Version:
        """Write the other version of the file (not yet applied)."""
        self.version = VERSION_B if self.version is VERSION_A else VERSION_A
        self.project.write_stack(self.version.text())
        return self.version


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, pulumi_bin: Path, emulator: RunningEmulator) -> Stack:
    return Stack(tmp_path_factory.mktemp("fault-matrix"), pulumi_bin, emulator)


@pytest.fixture
def cycle(stack: Stack) -> Iterator[Stack]:
    """The shared stack, healthy at the start; marked for a rebuild unless the scenario ends well."""
    stack.ensure()
    stack.healthy = False
    yield stack
    if stack.slow and not stack.healthy:
        time.sleep(SLOW_REPLY)  # let the delayed requests finish before the reset, or they land in the next stack
    stack.slow = False


def mark_done(stack: Stack) -> None:
    stack.healthy = True


# -- checks ----------------------------------------------------------------------------------------------------------


def attempt_limit(project: Project) -> int:
    """How many attempts the provider's client makes per call in this project's environment, as it reads them."""
    return ClientSettings.from_env(project.pulumi.env).max_attempts


def arm(project: Project, action: str, fault: str, count: int, params: dict[str, str] | None = None) -> None:
    """Make the next ``count`` calls of ``action`` (with ``params``, if given) fail with ``fault``."""
    body = {"Action": action, "Count": count, **FAULTS[fault], **({"Params": params} if params else {})}
    project.emu.admin("POST", "/_emulator/faults", body)


def run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """`pulumi ARGS` on the stack: exit status and output, never raising."""
    return project.pulumi.run(*args, "--stack", STACK, cwd=project.dir, check=False)


def up(project: Project) -> subprocess.CompletedProcess[str]:
    return run(project, "up", "--yes", "--skip-preview")


def fired(project: Project, action: str) -> list[str]:
    """The fault kinds applied to calls of ``action``, in the order of the call log."""
    return [c["Fault"] for c in project.emu.calls() if c["Action"] == action and c["Fault"] is not None]


def assert_each_faulted_call_retried(project: Project, action: str, log: list[dict[str, Any]] | None = None) -> None:
    """Every call of ``action`` a fault hit was sent again, the same request, and not hit: the client retried it. A run
    can succeed without that where the provider has a fallback for a failed read (a refresh reading rows one by one
    when the batch read fails) or lets a read fail (the up's read of waiting certificates), so the run's success
    alone does not show the retry. ``log``: the calls to look at (default: the whole call log)."""
    calls = [c for c in (project.emu.calls() if log is None else log) if c["Action"] == action]
    answered = [c["Params"] for c in calls if c["Fault"] is None]
    for call in calls:
        if call["Fault"] is not None:
            assert call["Params"] in answered, f"the {action} call #{call['Seq']} the fault hit was never retried"


def wait_for_slow_calls(emu: RunningEmulator, action: str, count: int) -> None:
    """A slow reply's request still runs after the client gave up on it: wait until the emulator has logged
    ``count`` of them."""
    deadline = time.monotonic() + SLOW_REPLY + 30
    while sum(1 for c in emu.calls() if c["Action"] == action and c["Fault"] == "delay") < count:
        assert time.monotonic() < deadline, f"the delayed {action} calls never completed in the emulator"
        time.sleep(0.1)


def assert_exactly_declared(project: Project, version: Version) -> None:
    """The emulator holds one certificate per entry, the one the state names, as declared; nothing else."""
    certs = project.certificates()
    state = project.state_resources()
    assert set(state) == set(version.entries), sorted(state)
    ids = {name: r["id"] for name, r in state.items()}
    assert sorted(certs) == sorted(ids.values()), (
        f"the emulator holds {sorted(certs)} but the stack declares {ids}: "
        + "; ".join(f"{c['CertificateId']} {c['Alias']!r} {c['Tags']}" for c in certs.values())
    )
    for name, (alias, project_id) in version.entries.items():
        cert = certs[ids[name]]
        assert cert["Alias"] == alias
        assert int(cert["ProjectId"]) == project_id
        user_tags = {k: v for k, v in cert["Tags"].items() if not k.startswith("pulumi:")}
        assert user_tags == version.tags
        assert cert["Domain"] == f"{name}.example.com"
        assert "pulumi:create" not in cert["Tags"], "a create left its in-flight mark"
        assert state[name]["outputs"]["alias"] == alias
    # Deletion tasks: all settled, and never a second one for the same certificate (a retried or late delete
    # must find the running task, or the certificate gone); a refused task (status 4) is followed by one more.
    tasks = project.emu.admin("GET", "/_emulator/tasks")["Tasks"]
    assert all(t["Status"] in (1, 4) for t in tasks), tasks
    per_certificate = Counter(t["CertId"] for t in tasks if t["Status"] == 1)
    assert max(per_certificate.values(), default=1) == 1, per_certificate


def refresh_then_no_changes(project: Project) -> None:
    refreshed = run(project, "refresh", "--yes", "--skip-preview")
    assert refreshed.returncode == 0, refreshed.stdout
    previewed = run(project, "preview", "--expect-no-changes")
    assert previewed.returncode == 0, previewed.stdout


# -- the matrix ------------------------------------------------------------------------------------------------------


def matrix() -> Iterator[Any]:
    for fault in FAULTS:
        for action in ACTIONS:
            tried = f"{fault} on {action}, every attempt but the last"
            marks = [pytest.mark.reliability(area="faults", tried=tried, held=RETRIED)]
            if (fault, action) not in REPRESENTATIVE:
                marks.append(pytest.mark.long)
            yield pytest.param(fault, action, marks=marks, id=f"{fault.replace(' ', '-')}-{action}")


@pytest.mark.parametrize(("fault", "action"), list(matrix()))
def test_fault(cycle: Stack, fault: str, action: str) -> None:
    project = cycle.project
    # On every attempt but the last: the one run succeeds only if the client retries all the way.
    count = attempt_limit(project) - 1
    one = {"CertificateId": project.state_resources()["kept"]["id"]} if action in ONE_CERTIFICATE else None
    arm(project, action, fault, count, one)
    cycle.slow = FAULTS[fault]["Kind"] == "delay"
    version = cycle.flip()

    ran = up(project)
    assert ran.returncode == 0, f"{fault} on {count} attempts of {action} failed the run:\n{ran.stdout}"
    slow = FAULTS[fault]["Kind"] == "delay"
    if not slow:  # (a slow reply is logged when it ends, maybe after the up): checked on the whole log below
        # Retried within the up itself: the refresh below may send the same request again and hide a call the up
        # let fail.
        assert_each_faulted_call_retried(project, action, project.emu.calls())
    if slow and not project.emu.admin("GET", "/_emulator/faults")["Faults"]:  # else the refresh's calls fire it
        wait_for_slow_calls(project.emu, action, count)
    assert_exactly_declared(project, version)
    refresh_then_no_changes(project)
    if slow:
        wait_for_slow_calls(project.emu, action, count)
    assert_exactly_declared(project, version)

    assert fired(project, action) == [FAULTS[fault]["Kind"]] * count, f"the fault on {action} did not fire {count}x"
    assert_each_faulted_call_retried(project, action)
    assert project.emu.admin("GET", "/_emulator/faults")["Faults"] == []
    mark_done(cycle)


@pytest.mark.reliability(
    area="faults",
    tried="InternalError on one attempt more than the client makes (TENCENTCLOUD_MAX_ATTEMPTS) of the checked "
    "DeleteCertificate of a removed entry",
    held="the up fails (exit status 1) after exactly that many attempts, naming DeleteCertificate, the code and the "
    "attempts; the certificate stays in the emulator and the state; the next up outlasts the fault's last firing and "
    "deletes it: " + HELD,
)
def test_the_retry_gives_up_at_its_limit(cycle: Stack) -> None:
    project = cycle.project
    limit = attempt_limit(project)
    leaving = "old" if cycle.version is VERSION_A else "fresh"
    certificate_id = project.state_resources()[leaving]["id"]
    arm(project, "DeleteCertificate", "InternalError", limit + 1)
    version = cycle.flip()

    failed = up(project)
    assert failed.returncode == 1, failed.stdout
    assert "DeleteCertificate failed: InternalError" in failed.stdout, failed.stdout
    assert f"after {limit} attempts" in failed.stdout, failed.stdout
    assert fired(project, "DeleteCertificate") == ["error"] * limit
    [left] = project.emu.admin("GET", "/_emulator/faults")["Faults"]
    assert left["Count"] == 1
    # Nothing lost: the certificate is still there and still in the state, so the next run deletes it.
    assert certificate_id in project.certificates() and leaving in project.state_resources()

    again = up(project)
    assert again.returncode == 0, again.stdout
    assert fired(project, "DeleteCertificate") == ["error"] * (limit + 1)
    assert certificate_id not in project.certificates()
    assert_exactly_declared(project, version)
    refresh_then_no_changes(project)
    mark_done(cycle)


@pytest.mark.reliability(
    area="faults",
    tried="no fault: the up/refresh cycle the matrix injects into",
    held="it calls every action of the matrix (and not DescribeDeployedResources); preview after refresh is clean",
)
def test_the_cycle_calls_every_action(cycle: Stack) -> None:
    project = cycle.project
    version = cycle.flip()
    ran = up(project)
    assert ran.returncode == 0, ran.stdout
    refresh_then_no_changes(project)
    called = {c["Action"] for c in project.emu.calls()}
    assert called == set(ACTIONS), sorted(called ^ set(ACTIONS))
    assert_exactly_declared(project, version)
    mark_done(cycle)


def bound_lookup_params() -> Iterator[Any]:
    for fault in FAULTS:
        marks = [
            pytest.mark.reliability(
                area="faults",
                tried=f"{fault} on DescribeDeployedResources, every attempt but the last, asked while a removed "
                "entry's certificate is refused as still bound to a CLB",
                held="every call the fault hit was sent again; the refusal (exit status 1) names the certificate and "
                "the CLB, the certificate stays in the emulator and the state; once unbound, the next up deletes it: "
                + HELD,
            ),
        ]
        if fault != REPRESENTATIVE_LOOKUP:
            marks.append(pytest.mark.long)
        yield pytest.param(fault, marks=marks, id=fault.replace(" ", "-"))


@pytest.mark.parametrize("fault", list(bound_lookup_params()))
def test_fault_on_the_bound_resources_lookup(cycle: Stack, fault: str) -> None:
    project = cycle.project
    leaving = "old" if cycle.version is VERSION_A else "fresh"
    certificate_id = project.state_resources()[leaving]["id"]
    binding = {"CertificateId": certificate_id, "ResourceType": "clb", "ResourceId": "lb-fault7x"}
    project.emu.admin("POST", "/_emulator/bindings", binding)
    count = attempt_limit(project) - 1
    arm(project, "DescribeDeployedResources", fault, count)
    cycle.slow = FAULTS[fault]["Kind"] == "delay"
    version = cycle.flip()

    refused = up(project)
    assert refused.returncode == 1, refused.stdout
    # The lookup outlasted the fault: the refusal names the CLB it found.
    assert certificate_id in refused.stdout and "bound" in refused.stdout and "lb-fault7x" in refused.stdout
    assert certificate_id in project.certificates() and leaving in project.state_resources()
    if FAULTS[fault]["Kind"] == "delay":
        wait_for_slow_calls(project.emu, "DescribeDeployedResources", count)
    assert fired(project, "DescribeDeployedResources") == [FAULTS[fault]["Kind"]] * count
    assert_each_faulted_call_retried(project, "DescribeDeployedResources")

    project.emu.admin("DELETE", "/_emulator/bindings", binding)
    again = up(project)
    assert again.returncode == 0, again.stdout
    assert certificate_id not in project.certificates()
    assert_exactly_declared(project, version)
    refresh_then_no_changes(project)
    mark_done(cycle)
