"""`pulumi up` killed with SIGKILL mid-operation, then the recovery steps of docs/recovery.md, through the real CLI.

The CLI starts its language host and the dynamic provider in process groups of their own, so "the process group"
of a killed CI job is the whole tree: every descendant of `pulumi` is collected from /proc and killed with it, as
the end of a CI job or a lost machine would. Then, as docs/recovery.md says:

1. `pulumi cancel --yes` (the killed run left the stack locked: the next command says so);
2. `pulumi refresh --yes --clear-pending-creates` (reads every certificate back; a create the kill interrupted is
   dropped from the state, the next `up` finds its certificate);
3. `pulumi up`.

Each scenario checks that the next run converges, that nothing was lost or duplicated, and that `refresh` then
`preview --expect-no-changes` is clean. Deletion tasks and free-certificate issuance run on the emulator's clock,
which the tests move forward (signatures stay on real time), so no test waits longer than it takes to notice them.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from support.host import kill_tree
from support.project import Project, upload_entry
from support.pulumi_cli import wait_until

pytestmark = [pytest.mark.e2e]

#: Long enough that a deletion task or an issuance never ends by itself while the CLI runs; tests move the clock.
TASK_SECONDS = 3600

#: The two entries every scenario starts from (fixture ``two``).
KEPT_AND_DOOMED = upload_entry("kept", "kept") + upload_entry("doomed", "doomed")


def crash(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="crash", tried=tried, held=held)


# -- driving and killing the CLI --------------------------------------------------------------------------------------


def called(project: Project, action: str, *, count: int = 1, fault: str | None = None) -> Callable[[], bool]:
    def check() -> bool:
        calls = [c for c in project.emu.calls() if c["Action"] == action and (fault is None or c["Fault"] == fault)]
        return len(calls) >= count

    return check


def hold(project: Project, action: str, seconds: int) -> None:
    """The emulator holds the next ``action`` for ``seconds`` before it answers."""
    project.emu.admin("POST", "/_emulator/faults", {"Action": action, "Kind": "delay", "Seconds": seconds})


def fault_taken(project: Project) -> Callable[[], bool]:
    """Whether the armed fault has been taken: the held call reached the emulator."""
    return lambda: not project.emu.admin("GET", "/_emulator/faults")["Faults"]


def start_up(project: Project) -> subprocess.Popen[str]:
    """`pulumi up` in the background, in a session of its own so that its whole tree can be killed."""
    return project.start("up", "--yes", "--skip-preview", new_session=True)


# -- the recovery steps of docs/recovery.md ---------------------------------------------------------------------------


def recover(project: Project) -> str:
    """docs/recovery.md: the lock the killed run left is reported, `cancel` removes it, `refresh` reads back."""
    locked = project.up_refused()
    assert "locked" in locked, locked
    project.cli("cancel", "--yes")
    return project.cli("refresh", "--yes", "--skip-preview", "--clear-pending-creates")


def pending_operations(project: Project) -> list[tuple[str, str]]:
    deployment = json.loads(project.cli("stack", "export"))["deployment"]
    return [(op["type"], op["resource"]["urn"].rsplit("::", 1)[1]) for op in deployment.get("pending_operations") or []]


def tasks_of(project: Project, certificate_id: str) -> list[dict[str, Any]]:
    return [t for t in project.emu.admin("GET", "/_emulator/tasks")["Tasks"] if t["CertId"] == certificate_id]


def assert_converged(project: Project, declared: dict[str, str]) -> dict[str, str]:
    """The emulator holds exactly one certificate per entry (declared: entry -> alias), the one the state names;
    refresh then preview shows no change. Returns entry -> id."""
    state = project.state_resources()
    ids = {name: r["id"] for name, r in state.items()}
    assert set(ids) == set(declared), sorted(ids)
    certs = project.certificates()
    assert sorted(certs) == sorted(ids.values()), f"the emulator holds {sorted(certs)}, the state {ids}: " + "; ".join(
        f"{c['CertificateId']} {c['Alias']!r} {c['Domain']}" for c in certs.values()
    )
    assert {name: certs[i]["Alias"] for name, i in ids.items()} == declared
    project.cli("refresh", "--yes", "--skip-preview")
    project.cli("preview", "--expect-no-changes")
    return ids


def new_certificate(project: Project, two: dict[str, str]) -> str:
    """The one certificate the emulator holds besides ``two``'s."""
    [new] = set(project.certificates()) - set(two.values())
    return new


def killed_while_held(project: Project, two: dict[str, str], action: str, seconds: int, what: str) -> str:
    """`up` with a new entry ``fresh`` beside ``two``'s, killed while the emulator holds its ``action`` call; once
    the held call has completed (so it is not logged during a later test), the certificate the killed run left."""
    project.write_stack("certificates:\n" + KEPT_AND_DOOMED + upload_entry("fresh", "f"))
    hold(project, action, seconds)
    proc = start_up(project)
    wait_until(what, fault_taken(project), proc)
    kill_tree(proc)
    wait_until(f"the held {action} completes", called(project, action, fault="delay"))
    return new_certificate(project, two)


def assert_next_up_records(
    project: Project, two: dict[str, str], left: str, entry: str = "fresh", alias: str = "f"
) -> str:
    """The up after recovery records ``left``, the certificate the killed run left, for the new ``entry``; returns
    the up's output (the emulator's call log holds only this up's and the convergence check's calls)."""
    project.emu.admin("DELETE", "/_emulator/calls")
    output = project.up()
    assert left in output
    ids = assert_converged(project, {"kept": "kept", "doomed": "doomed", entry: alias})
    assert ids == {**two, entry: left}
    return output


# -- scenarios --------------------------------------------------------------------------------------------------------


@pytest.fixture
def two(project: Project) -> dict[str, str]:
    """Entries `kept` and `doomed`, up; emulator time detached from signatures so tests can move it."""
    project.emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real"})
    for name in ("kept", "doomed", "fresh"):
        project.make_cert(name, f"{name}.example.com")
    project.write_stack("certificates:\n" + KEPT_AND_DOOMED)
    project.up()
    return {name: r["id"] for name, r in project.state_resources().items()}


@crash(
    tried="SIGKILL of pulumi and the provider while `up` waits on the deletion task of a removed entry; then cancel, "
    "refresh, up",
    held="the next up calls DeleteCertificate again and follows the same, still running task (one task for the "
    "certificate), then the certificate is gone from the emulator and the state; nothing else changed",
)
def test_killed_while_waiting_on_a_deletion_task(project: Project, two: dict[str, str]) -> None:
    doomed = two["doomed"]
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": TASK_SECONDS})
    project.write_stack("certificates:\n" + upload_entry("kept", "kept"))

    proc = start_up(project)
    wait_until("the provider polls the deletion task", called(project, "DescribeDeleteCertificatesTaskResult"), proc)
    kill_tree(proc)

    [task] = tasks_of(project, doomed)
    assert task["Status"] in (None, 0)  # still running
    assert pending_operations(project) == [("deleting", "doomed")]
    recover(project)
    assert set(project.state_resources()) == {"kept", "doomed"}  # the certificate still exists: still managed
    assert doomed in project.certificates()

    project.emu.admin("DELETE", "/_emulator/calls")
    proc = start_up(project)
    wait_until("the next up asks to delete the certificate again", called(project, "DeleteCertificate"), proc)
    assert [t["Status"] for t in tasks_of(project, doomed)] in ([None], [0])  # the first task is still running
    project.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": TASK_SECONDS})  # the task may now end
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output

    assert [t["TaskId"] for t in tasks_of(project, doomed)] == [task["TaskId"]], "a second deletion task was started"
    assert task["TaskId"] in output
    deletes = [c["Params"] for c in project.emu.calls() if c["Action"] == "DeleteCertificate"]
    assert deletes == [{"CertificateId": doomed, "IsCheckResource": True}]
    assert assert_converged(project, {"kept": "kept"}) == {"kept": two["kept"]}


@crash(
    tried="SIGKILL of pulumi and the provider while `up` uploads a new entry's certificate (the upload commits after "
    "the kill); then cancel, refresh --clear-pending-creates, up",
    held="the next up uses the certificate the killed run uploaded (found by its owner tag) instead of uploading a "
    "second one: one certificate per entry, nothing lost",
)
def test_killed_while_uploading(project: Project, two: dict[str, str]) -> None:
    # The upload is held by the emulator for 2 s: the kill lands while the provider waits for the reply.
    left = killed_while_held(project, two, "UploadCertificate", 2, "the upload reaches the emulator")
    assert pending_operations(project) == [("creating", "fresh")]

    recover(project)
    assert "fresh" not in project.state_resources() and pending_operations(project) == []
    assert "interrupted" in assert_next_up_records(project, two, left)


@crash(
    tried="SIGKILL of pulumi and the provider while `up` waits for a new entry's certificate to become usable after "
    "the upload was answered",
    held="the certificate uploaded before the kill is the one the next up records: no second upload stays behind",
)
def test_killed_after_the_upload_was_answered(project: Project, two: dict[str, str]) -> None:
    # The detail read that follows the upload is held: the kill lands after the upload, before the state has it.
    left = killed_while_held(project, two, "DescribeCertificateDetail", 3, "the provider reads the new certificate")
    assert called(project, "UploadCertificate")()
    recover(project)
    assert "interrupted" in assert_next_up_records(project, two, left)


@crash(
    tried="SIGKILL of pulumi and the provider after a new entry's create completed (its in-flight mark dropped) and "
    "before Pulumi recorded it; then cancel, refresh --clear-pending-creates, up",
    held="the next up uploads again (the certificate cannot be told from one the state holds) and names the one the "
    "killed run made, saying to adopt or delete it: no certificate of the stack is left without a word",
)
def test_killed_after_the_create_completed(project: Project, two: dict[str, str]) -> None:
    # The call dropping the in-flight mark is held: the kill lands once the create's work is done; the call then
    # completes, so the certificate looks like any completed create's.
    left = killed_while_held(project, two, "UnTagResources", 3, "the provider drops the in-flight mark")
    assert "pulumi:create" not in project.certificates()[left]["Tags"]
    recover(project)
    assert "fresh" not in project.state_resources()

    output = project.up()
    fresh = project.state_resources()["fresh"]["id"]
    assert fresh != left and left in project.certificates()
    told = [line for line in output.splitlines() if f"adopt: {left}" in line and "delete it" in line]
    assert told and "killed" in told[0], output


@crash(
    tried="SIGKILL of pulumi and the provider while `up` waits for a free certificate to be issued; it is issued "
    "before the next run",
    held="the next up takes the application the killed run made (found by its owner tag) instead of applying again",
)
def test_killed_while_waiting_for_a_free_certificate(project: Project, two: dict[str, str]) -> None:
    project.emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": TASK_SECONDS})
    project.write_stack(
        "certificates:\n"
        + KEPT_AND_DOOMED
        + "      shop:\n        free: {domain: shop.example.com, validation: DNS_AUTO}\n        alias: shop\n"
    )
    project.emu.admin("DELETE", "/_emulator/calls")
    proc = start_up(project)
    wait_until("the provider polls the application", called(project, "DescribeCertificateDetail", count=2), proc)
    kill_tree(proc)
    applied = new_certificate(project, two)
    project.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": TASK_SECONDS})  # issued while nobody watched
    assert project.certificates()[applied]["Status"] == 1

    recover(project)
    assert_next_up_records(project, two, applied, "shop", "shop")
    assert not called(project, "ApplyCertificate")(), "applied for a second free certificate"


@crash(
    tried="SIGKILL of pulumi and the provider while a renewal of a certificate bound to a CLB waits on the deploy "
    "record moving it (the CLB deploy hangs); then cancel, refresh, up with the deploy no longer hanging",
    held="the next up resumes the same deploy record (no second one), which moves the CLB once the deploy goes "
    "through, then deletes the old certificate: one certificate per entry",
)
def test_killed_while_moving_deployments(project: Project, two: dict[str, str]) -> None:
    old = two["kept"]
    emu = project.emu
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": "clb", "ResourceId": "lb-1|lbl-1"})
    emu.admin("PUT", "/_emulator/settings", {"DeployHangs": ["clb"], "DeleteTaskSeconds": 1})
    project.make_cert("kept", "kept.example.com")  # the renewal
    proc = start_up(project)
    wait_until("the provider polls the deploy record", called(project, "DescribeHostUpdateRecordDetail"), proc)
    kill_tree(proc)
    [record] = emu.admin("GET", "/_emulator/deploys")["Records"]

    recover(project)
    emu.admin("DELETE", "/_emulator/calls")
    proc = start_up(project)  # the CLB deploy still hangs: the next up must pick up the same record
    # The diff's warning about the lingering certificate reads the pair's records once (as up will read them), the
    # delete's rotation once more, then waits on the record: the hang is lifted only once the delete is waiting.
    wait_until("the next up finds the deploy record", called(project, "DescribeHostUpdateRecord", count=2), proc)
    emu.admin("PUT", "/_emulator/settings", {"DeployHangs": []})
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output
    assert f"resuming deploy record {record['DeployRecordId']}" in output, output
    records = emu.admin("GET", "/_emulator/deploys")["Records"]
    assert [r["DeployRecordId"] for r in records] == [record["DeployRecordId"]], "a second deploy record was started"
    assert old not in project.certificates()
    new = project.state_resources()["kept"]["id"]
    bound = {b["CertificateId"] for b in emu.admin("GET", "/_emulator/bindings")["Bindings"]}
    assert bound == {new}
    assert_converged(project, {"kept": "kept", "doomed": "doomed"})
