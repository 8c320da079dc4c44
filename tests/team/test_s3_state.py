"""The product with its Pulumi state in a real S3-compatible store (SeaweedFS), as a team keeps it in COS.

The real CLI, the backend URL README's "Team use" gives (``s3://BUCKET?endpoint=...&s3ForcePathStyle=true...``), the
credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: the core scenario, two runners on one stack, and a runner
killed mid-deletion recovering as docs/recovery.md says.
"""

from __future__ import annotations

import json

import pytest
from team_runs import kill_tree

from support.project import WRITE_ACTIONS, Project, upload_entry
from support.pulumi_cli import wait_until
from support.state_server import StateServer

pytestmark = pytest.mark.e2e

#: Long enough that a deletion task never ends by itself while the CLI runs; the test moves the emulator's clock.
TASK_SECONDS = 3600
LOCK_MESSAGE = "the stack is currently locked by 1 lock(s)"


@pytest.fixture
def project(project: Project) -> Project:
    project.make_cert("www", "www.example.com", ("example.com",))
    project.make_cert("api", "api.example.com")
    return project


def two_certificates(project: Project) -> None:
    project.write_stack("certificates:\n" + upload_entry("www", "www") + upload_entry("api", "api"))


def backend_url(project: Project) -> str:
    return project.pulumi.env["PULUMI_BACKEND_URL"]


def locks(server: StateServer, project: Project) -> list[str]:
    return [key for key in server.objects(backend_url(project)) if key.startswith(".pulumi/locks/")]


def test_core_scenario_with_state_in_s3(project: Project, state_server: StateServer) -> None:
    assert backend_url(project).startswith("s3://")
    two_certificates(project)
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    assert set(project.certificates()) == set(ids.values())
    # The state is an object of the bucket, nothing on local disk.
    assert ".pulumi/stacks/tencent-ssl-e2e/e2e.json" in state_server.objects(backend_url(project))
    assert not any((project.pulumi.root / "backend").iterdir())
    assert locks(state_server, project) == []  # released at the end of the run

    # A bound certificate's removal is refused; the certificate and its state stay.
    binding = {"CertificateId": ids["api"], "ResourceType": "clb", "ResourceId": "lb-7x3kq2"}
    project.emu.admin("POST", "/_emulator/bindings", binding)
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    out = project.up_refused()
    assert ids["api"] in out and "lb-7x3kq2" in out and "bound" in out.lower()
    assert ids["api"] in project.certificates()
    assert set(project.state_resources()) == {"www", "api"}
    assert locks(state_server, project) == []  # a failed run releases its lock too

    # Unbound, the removal goes through the checked deletion.
    project.emu.admin("DELETE", "/_emulator/bindings", binding)
    project.up()
    assert set(project.certificates()) == {ids["www"]}
    assert set(project.state_resources()) == {"www"}
    deletes = [c["Params"] for c in project.emu.calls() if c["Action"] == "DeleteCertificate" and not c["ErrorCode"]]
    assert {"CertificateId": ids["api"], "IsCheckResource": True} in deletes

    project.cli("destroy", "--yes")
    assert project.certificates() == {}
    assert project.state_resources() == {}


def test_two_runners_on_one_stack_one_is_refused_by_the_lock(project: Project, state_server: StateServer) -> None:
    two_certificates(project)
    project.up()
    before = {name: r["id"] for name, r in project.state_resources().items()}
    project.make_cert("shop", "shop.example.com")
    project.write_stack(
        "certificates:\n" + upload_entry("www", "www") + upload_entry("api", "api") + upload_entry("shop", "shop")
    )

    # Runner A: its upload is held by the emulator for a few seconds, so it holds the stack's lock meanwhile.
    project.emu.admin("POST", "/_emulator/faults", {"Action": "UploadCertificate", "Kind": "delay", "Seconds": 5})
    first = project.start("up", "--yes", "--skip-preview")
    wait_until(
        "runner A's upload reaches the emulator",
        lambda: not project.emu.admin("GET", "/_emulator/faults")["Faults"],
        first,
    )
    [lock] = locks(state_server, project)
    assert lock.startswith(".pulumi/locks/organization/tencent-ssl-e2e/e2e/")

    # Runner B on the same stack, meanwhile: refused before it does anything, naming the lock object in S3.
    calls_before = len(project.emu.calls())
    second = project.up_refused()
    assert LOCK_MESSAGE in second, second
    assert lock in second and "s3://" in second
    writes = [c for c in project.emu.calls()[calls_before:] if c["Action"] in WRITE_ACTIONS and c["Fault"] is None]
    assert writes == [], writes

    output, _ = first.communicate(timeout=600)
    assert first.returncode == 0, output
    after = {name: r["id"] for name, r in project.state_resources().items()}
    assert set(after) == {"www", "api", "shop"} and {k: after[k] for k in before} == before  # nothing lost
    assert sorted(project.certificates()) == sorted(after.values())
    assert locks(state_server, project) == []

    # The next run completes: nothing left to do.
    assert "unchanged" in project.up()
    project.cli("preview", "--expect-no-changes")


def test_runner_killed_mid_deletion_recovers_as_docs_recovery_says(project: Project, state_server: StateServer) -> None:
    project.emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real"})  # the test moves the task clock
    two_certificates(project)
    project.up()
    api = project.outputs()["api"]["id"]
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": TASK_SECONDS})
    project.write_stack("certificates:\n" + upload_entry("www", "www"))

    proc = project.start("up", "--yes", "--skip-preview", new_session=True)
    polled = lambda: any(c["Action"] == "DescribeDeleteCertificatesTaskResult" for c in project.emu.calls())  # noqa: E731
    wait_until("the provider polls the deletion task", polled, proc)
    kill_tree(proc)

    # The killed runner's lock stays in the bucket; the next command names it and says how to remove it.
    [lock] = locks(state_server, project)
    refused = project.up_refused()
    assert LOCK_MESSAGE in refused and "pulumi cancel" in refused and lock in refused, refused
    deployment = json.loads(project.cli("stack", "export"))["deployment"]
    assert [op["type"] for op in deployment.get("pending_operations") or []] == ["deleting"]

    # docs/recovery.md: cancel (removes the lock object), refresh, up.
    project.cli("cancel", "--yes")
    assert locks(state_server, project) == []
    project.cli("refresh", "--yes", "--skip-preview", "--clear-pending-creates")
    assert set(project.state_resources()) == {"www", "api"}  # still exists, still managed
    project.emu.admin("DELETE", "/_emulator/calls")
    proc = project.start("up", "--yes", "--skip-preview")
    deleting = lambda: any(c["Action"] == "DeleteCertificate" for c in project.emu.calls())  # noqa: E731
    wait_until("the next up asks to delete the certificate again", deleting, proc)
    project.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": TASK_SECONDS})  # the task may now end
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, output
    assert set(project.certificates()) == {project.outputs()["www"]["id"]}
    assert set(project.state_resources()) == {"www"}
    tasks = [t for t in project.emu.admin("GET", "/_emulator/tasks")["Tasks"] if t["CertId"] == api]
    assert len(tasks) == 1, f"a second deletion task was started: {tasks}"
    project.cli("preview", "--expect-no-changes")
