"""Deletion outcomes through the real CLI: `pulumi up` after an entry was removed from the stack file.

Each scenario makes Tencent's deletion end one way (task status 2, 3, 4 or 5, the one-hour rule for free
certificates, the provider's own deadline, a certificate already gone) and checks three things: the message names
the entry, the certificate (and task) and says what to do; the state stays truthful (the certificate is still in
`pulumi stack export` after a failure and leaves it after success); the next `up` finishes the job.

Emulator time is moved with ``/_emulator/clock`` (signatures then checked against the real clock), so no test waits
for a task longer than the emulator needs to settle it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from support.project import FAILED, STACK, Project, upload_entry
from support.pulumi_cli import wait_until
from support.raw_api import RawApi

pytestmark = [pytest.mark.e2e]

# Long enough that a task never settles by itself during a test; the tests move the emulator clock instead.
NEVER = 3600


def deletion(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="deletion", tried=tried, held=held)


def two_entries(api_extra: str = "") -> str:
    """A stack file with the entries ``www`` and ``api`` (``api_extra``: more of api's fields)."""
    return "certificates:\n" + upload_entry("www", "www") + upload_entry("api", "api", api_extra)


def up_two_entries(project: Project, api_extra: str = "") -> str:
    """Certificates for ``www`` and ``api``, up; the id of api's certificate."""
    project.make_cert("www", "www.example.com")
    project.make_cert("api", "api.example.com")
    project.write_stack(two_entries(api_extra))
    project.up()
    api_id: str = project.outputs()["api"]["id"]
    return api_id


def remove_api(project: Project) -> None:
    project.write_stack("certificates:\n" + upload_entry("www", "www"))


def tasks_of(project: Project, certificate_id: str) -> list[dict[str, Any]]:
    return [t for t in project.emu.admin("GET", "/_emulator/tasks")["Tasks"] if t["CertId"] == certificate_id]


def assert_kept(project: Project, name: str, certificate_id: str) -> None:
    """After a failed delete: still in the cloud and still in the state, with the same id."""
    assert certificate_id in project.certificates()
    state = project.state_resources()
    assert name in state and state[name]["id"] == certificate_id


def assert_gone(project: Project, name: str, certificate_id: str) -> None:
    assert certificate_id not in project.certificates()
    assert name not in project.state_resources()


def assert_says(out: str, *needed: str) -> None:
    """Each of ``needed`` is in the CLI output ``out``."""
    for text in needed:
        assert text in out, f"{text!r} missing from:\n{out}"


def failing_up(project: Project) -> str:
    proc = project.pulumi.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED, f"`pulumi up` should have failed:\n{proc.stdout}"
    return proc.stdout


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=300)
    return proc.returncode, out


def emulator_time_moves(project: Project) -> None:
    # Signatures are then checked against the host clock, so moving the emulator clock does not expire them.
    project.emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real"})


def advance(project: Project, seconds: float) -> None:
    project.emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": seconds})


# ------------------------------------------------------------------------------------ refusals by the task


@dataclass(frozen=True)
class Refusal:
    """How a task is made to refuse, what the message must say, and what the user then does."""

    arrange: Callable[[Project, str], None]
    says: tuple[str, ...]
    remedy: Callable[[Project, str], None]


def _force(status: int) -> Callable[[Project, str], None]:
    return lambda project, _id: project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": status})


def _auto(project: Project, _id: str) -> None:
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": "auto", "RoleAuthorized": True})


def _role_missing(project: Project, _id: str) -> None:
    project.emu.admin("PUT", "/_emulator/settings", {"RoleAuthorized": False})


def _put_back_unchecked(project: Project, certificate_id: str) -> None:
    # The message's advice for a removed entry: put it back with check_resources: false, `up`, remove it again.
    # The role stays unauthorised: only the unchecked delete can succeed.
    project.write_stack(two_entries("check_resources: false"))
    out = project.up()
    assert "replace" not in out
    assert project.outputs()["api"]["id"] == certificate_id  # updated in place, same certificate
    remove_api(project)


def _bind(project: Project, certificate_id: str) -> None:
    for kind, resource in (("clb", "lb-7x3kq2"), ("cdn", "static.example.com")):
        project.emu.admin(
            "POST",
            "/_emulator/bindings",
            {"CertificateId": certificate_id, "ResourceType": kind, "ResourceId": resource},
        )


def _unbind(project: Project, certificate_id: str) -> None:
    project.emu.admin("DELETE", "/_emulator/bindings", {"CertificateId": certificate_id})


REFUSALS = {
    2: Refusal(_force(2), ("the deletion task failed: The deletion task failed. Run",), _auto),
    3: Refusal(
        _role_missing,
        ("SSL_QCSLinkedRoleInReplaceLoadCertificate", "CAM", "check_resources: false", "put it back"),
        _put_back_unchecked,
    ),
    4: Refusal(_bind, ("still bound", "CLB: lb-7x3kq2", "CDN: static.example.com", "Unbind"), _unbind),
}


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(
            2,
            marks=deletion(
                "deletion task ends with Status 2 (failed)",
                "up fails with the task's Error text and the task id; the certificate stays in cloud and state; "
                "the next up deletes it",
            ),
        ),
        pytest.param(
            3,
            marks=deletion(
                "deletion task ends with Status 3 (service role not authorised)",
                "the message names SSL_QCSLinkedRoleInReplaceLoadCertificate, CAM and check_resources: false; the "
                "certificate stays; following its advice (entry put back with check_resources: false, updated in "
                "place, removed again) the next up deletes it without the role",
            ),
        ),
        pytest.param(
            4,
            marks=deletion(
                "deletion task ends with Status 4 (still bound to a CLB and a CDN domain)",
                "the message names both bound resources and says to unbind them; the certificate stays; after "
                "unbinding the next up deletes it",
            ),
        ),
    ],
)
def test_a_refused_deletion_keeps_the_certificate_and_says_what_to_do(project: Project, status: int) -> None:
    refusal = REFUSALS[status]
    api_id = up_two_entries(project)
    refusal.arrange(project, api_id)

    remove_api(project)
    out = failing_up(project)
    (task,) = tasks_of(project, api_id)
    assert task["Status"] == status
    assert_says(out, "api", api_id, task["TaskId"], "pulumi up", *refusal.says)
    assert_kept(project, "api", api_id)

    refusal.remedy(project, api_id)
    out = project.up()
    assert f"deleted certificate {api_id}" in out
    assert_gone(project, "api", api_id)
    assert set(project.state_resources()) == {"www"}


@deletion(
    "deletion task ends with Status 5 (resource check timed out) once, then would succeed",
    "the provider starts a new checked deletion by itself and the same up deletes the certificate; two tasks, "
    "the second Status 1",
)
def test_a_timed_out_resource_check_is_retried_within_the_same_up(project: Project) -> None:
    api_id = up_two_entries(project)
    emulator_time_moves(project)
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": NEVER, "DeleteTaskOutcome": 5})

    remove_api(project)
    proc = project.start("up", "--yes", "--skip-preview")
    wait_until("the first deletion task", lambda: len(tasks_of(project, api_id)) == 1, proc)
    advance(project, NEVER)  # the first task ends with Status 5
    wait_until("a second deletion task", lambda: len(tasks_of(project, api_id)) == 2, proc)
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskOutcome": "auto"})
    advance(project, NEVER)  # the second task deletes the certificate
    code, out = finish(proc)

    assert code == 0, out
    assert [t["Status"] for t in tasks_of(project, api_id)] == [5, 1]
    assert "timed out" in out and "deleting again" in out
    assert_gone(project, "api", api_id)


@deletion(
    "deletion task ends with Status 5 every time, delete_timeout 4s",
    "up fails naming the task and saying the check kept timing out; the certificate stays; re-deletes are paced "
    "(not a hot loop)",
)
def test_a_resource_check_that_keeps_timing_out_fails_clearly(project: Project) -> None:
    api_id = up_two_entries(project, api_extra="delete_timeout: 4s")
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0, "DeleteTaskOutcome": 5})
    project.emu.admin("DELETE", "/_emulator/calls")

    remove_api(project)
    out = failing_up(project)
    tasks = tasks_of(project, api_id)
    assert tasks and all(t["Status"] == 5 for t in tasks)
    assert_says(out, "api", api_id, tasks[-1]["TaskId"], "timed out", "pulumi up")
    assert "RateLimit" not in out
    deletes = [c for c in project.emu.calls() if c["Action"] == "DeleteCertificate"]
    # A task that ends at once must not turn into a tight loop of DeleteCertificate calls.
    assert len(deletes) <= 10, f"{len(deletes)} DeleteCertificate calls in 4 s"
    assert_kept(project, "api", api_id)


@deletion(
    "removing a free certificate less than an hour after applying (CannotBeDeletedWithinHour)",
    "up fails saying from when deletion is possible; the certificate stays; after the emulator clock passes the "
    "hour the next up deletes it",
)
def test_a_free_certificate_younger_than_an_hour_says_when_it_can_go(project: Project) -> None:
    project.make_cert("www", "www.example.com")
    emulator_time_moves(project)
    project.emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 0})
    project.write_stack(
        "certificates:\n" + upload_entry("www", "www") + "      shop:\n        free: {domain: shop.example.com}\n"
    )
    project.up()
    shop_id = project.outputs()["shop"]["id"]
    inserted = project.certificates()[shop_id]["InsertTime"]  # GMT+8, "YYYY-MM-DD HH:MM:SS"

    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    out = failing_up(project)
    assert_says(out, "shop", shop_id, "CannotBeDeletedWithinHour", "within an hour", "pulumi up")
    when = re.search(r"possible after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", out)
    assert when, out
    assert _utc_plus_one_hour(inserted) == when.group(1)
    assert tasks_of(project, shop_id) == []  # refused before any task started
    assert_kept(project, "shop", shop_id)

    advance(project, 3601)
    project.up()
    assert_gone(project, "shop", shop_id)


def _utc_plus_one_hour(gmt8: str) -> str:
    local = dt.datetime.strptime(gmt8, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return (local + dt.timedelta(hours=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@deletion(
    "delete_timeout 3s reached while the deletion task still runs",
    "up fails with the task id; the next up resumes that same task (one task for the certificate) and deletes "
    "the certificate when it finishes",
)
def test_the_deadline_keeps_the_task_and_the_next_up_resumes_it(project: Project) -> None:
    api_id = up_two_entries(project, api_extra="delete_timeout: 3s")
    emulator_time_moves(project)
    project.emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": NEVER})

    remove_api(project)
    out = failing_up(project)
    (task,) = tasks_of(project, api_id)
    assert task["Status"] is None  # still running
    assert_says(out, "api", api_id, task["TaskId"], "still running", "pulumi up", "delete_timeout")
    assert_kept(project, "api", api_id)

    project.emu.admin("DELETE", "/_emulator/calls")
    proc = project.start("up", "--yes", "--skip-preview")
    wait_until(
        "the second up to ask for the deletion",
        lambda: any(c["Action"] == "DeleteCertificate" for c in project.emu.calls()),
        proc,
    )
    advance(project, NEVER)  # the one task finishes: Status 1
    code, out = finish(proc)

    assert code == 0, out
    assert [(t["TaskId"], t["Status"]) for t in tasks_of(project, api_id)] == [(task["TaskId"], 1)]
    assert task["TaskId"] in out
    assert_gone(project, "api", api_id)


@deletion(
    "certificate deleted out of band (console) before the up that removes its entry",
    "CertificateNotFound counts as deleted: up succeeds, says it was already deleted, and the entry leaves the state",
)
def test_a_certificate_already_gone_counts_as_deleted(project: Project) -> None:
    api_id = up_two_entries(project)
    with RawApi(project.emu) as console:
        console.ok("DeleteCertificate", {"CertificateId": api_id})

    remove_api(project)
    out = project.up()
    assert f"certificate {api_id} is already deleted" in out
    assert set(project.state_resources()) == {"www"}
    assert tasks_of(project, api_id) == []


# ------------------------------------------------------------------------------------ a certificate Tencent keeps


@deletion(
    "an issued paid certificate (the emulator answers FailedOperation.CannotBeDeletedIssued) removed from the stack "
    "file, then released as the refusal says: its name under `release:` for one `up`, then taken out",
    "the first up fails (exit status 1) saying running again cannot help and naming `release:` for the entry; the "
    "release run changes nothing in the cloud; the next up drops the entry from the state with no DeleteCertificate "
    "call, and the certificate stays in Tencent Cloud",
)
def test_a_certificate_tencent_will_not_delete_is_released_from_the_stack(project: Project) -> None:
    api_id = up_two_entries(project)
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": api_id, "Paid": True, "Status": 1})

    remove_api(project)
    proc = project.pulumi.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == 1, proc.stdout
    assert_says(
        proc.stdout, f"api: cannot delete certificate {api_id}", "CannotBeDeletedIssued", "Running again cannot help",
        "list `api` under `release:`",
    )  # fmt: skip
    assert "again to retry" not in proc.stdout
    assert_kept(project, "api", api_id)

    # As the message says: the name under `release:`, `pulumi up`...
    project.write_stack("certificates:\n" + upload_entry("www", "www") + "release:\n  - api\n")
    project.emu.admin("DELETE", "/_emulator/calls")
    project.up()
    assert_kept(project, "api", api_id)
    assert "api" not in project.outputs()
    writes = {c["Action"] for c in project.emu.calls()} & {"DeleteCertificate", "UploadCertificate"}
    assert writes == set()
    # The kept inputs are the recorded ones, the private key still a secret: not in the state in plain text.
    api_key = "".join(project.keys["api"].strip().splitlines()[1:-1])[:64]
    assert api_key not in project.cli("stack", "export")
    assert project.state_resources()["api"]["inputs"]["private_key"]["4dabf18193072939515e22adb298388d"]

    # ... then out of `release:`, `pulumi up` again: the stack forgets it, Tencent Cloud keeps it. The review of that
    # change sees a retained certificate, nothing refused.
    remove_api(project)
    review = project.review("--stack", STACK)
    assert review.returncode == 0, review.stdout + review.stderr
    assert "1 retained (removed from the stack, kept in Tencent Cloud)" in review.stdout
    out = project.up()
    assert "api" not in project.state_resources()
    assert api_id in project.certificates()
    assert "DeleteCertificate" not in {c["Action"] for c in project.emu.calls()}
    assert "error" not in out.lower()


@deletion(
    "a name under `release:` that the stack does not manage (a typo), and one that is also an entry",
    "preview fails naming the name and saying to take it out of release:; nothing is written to the cloud",
)
def test_release_of_an_unknown_or_declared_entry_is_refused(project: Project) -> None:
    up_two_entries(project)
    project.emu.admin("DELETE", "/_emulator/calls")
    project.write_stack(two_entries() + "release:\n  - apii\n")
    proc = project.pulumi.run("preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED
    assert_says(proc.stdout, "apii is listed under release: but this stack manages no certificate called 'apii'")
    project.write_stack(two_entries() + "release:\n  - api\n")
    proc = project.pulumi.run("preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED
    assert_says(proc.stdout, "'api' is also an entry under certificates")
    writes = [c for c in project.emu.calls() if not c["Action"].startswith(("Describe", "Get"))]
    assert writes == []


@deletion(
    "`pulumi destroy` of a stack holding an issued paid certificate, after the entry was released as docs/recovery.md "
    "says (out of certificates:, under release:, one up)",
    "destroy succeeds: it deletes the other certificates and leaves the released one in Tencent Cloud",
)
def test_destroy_leaves_a_released_certificate(project: Project) -> None:
    api_id = up_two_entries(project)
    www_id = project.outputs()["www"]["id"]
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": api_id, "Paid": True, "Status": 1})
    project.write_stack("certificates:\n" + upload_entry("www", "www") + "release:\n  - api\n")
    project.up()
    project.cli("destroy", "--yes", "--skip-preview")
    assert project.state_resources() == {}
    assert api_id in project.certificates() and www_id not in project.certificates()


@deletion(
    "an issued paid certificate replaced by a renewal (new PEM and key for the entry): the new certificate is made, "
    "Tencent refuses to delete the old one (CannotBeDeletedIssued); then the way out the refusal names: `retain: "
    "true` on the entry for one `up`",
    "the first up fails (exit status 1) naming `retain: true` on the entry (not `release:`, which the stack-file "
    "check refuses for a declared entry) and no retry warning; the next up with retain: true succeeds with no "
    "DeleteCertificate call: the old certificate stays in Tencent Cloud and leaves the state, the new one stays the "
    "entry's",
)
def test_a_replaced_certificate_tencent_will_not_delete_is_let_go_with_retain(project: Project) -> None:
    old_id = up_two_entries(project)
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": old_id, "Paid": True, "Status": 1})
    project.make_cert("api", "api.example.com")  # a renewal: new certificate and key
    proc = project.pulumi.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == 1, proc.stdout
    new_id = project.outputs()["api"]["id"]
    assert new_id != old_id
    assert_says(
        proc.stdout, f"api: cannot delete certificate {old_id}", "CannotBeDeletedIssued", "Running again cannot help",
        "`retain: true`",
    )  # fmt: skip
    assert "under `release:`" not in proc.stdout
    # The preview's warning about the pending delete says the same, not that `up` tries again.
    preview = project.cli("preview")
    assert_says(preview, f"certificate {old_id}, replaced by {new_id}, is still waiting", "`retain: true`")
    assert "tries again" not in preview

    project.write_stack(two_entries("retain: true\n"))
    project.emu.admin("DELETE", "/_emulator/calls")
    out = project.up()
    assert "DeleteCertificate" not in {c["Action"] for c in project.emu.calls()}
    assert f"api: certificate {old_id}, which the entry replaced, is not deleted: the entry says retain: true" in out
    assert old_id in project.certificates() and new_id in project.certificates()
    state = json.loads(project.cli("stack", "export"))["deployment"]["resources"]
    assert old_id not in [r.get("id") for r in state]
    assert project.state_resources()["api"]["id"] == new_id
    assert project.outputs()["api"]["id"] == new_id


@deletion(
    "a renewed entry whose replaced certificate Tencent will not delete (issued paid) is then removed from the stack "
    "file and listed under `release:`",
    "the release up succeeds with no DeleteCertificate call: both the entry's current certificate and the one it "
    "replaced stay in Tencent Cloud; after the name leaves `release:`, the state holds neither",
)
def test_releasing_a_renewed_entry_lets_go_of_the_replaced_certificate_too(project: Project) -> None:
    old_id = up_two_entries(project)
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": old_id, "Paid": True, "Status": 1})
    project.make_cert("api", "api.example.com")
    failing_up(project)
    new_id = project.outputs()["api"]["id"]

    project.write_stack("certificates:\n" + upload_entry("www", "www") + "release:\n  - api\n")
    project.emu.admin("DELETE", "/_emulator/calls")
    project.up()
    assert "DeleteCertificate" not in {c["Action"] for c in project.emu.calls()}
    remove_api(project)
    project.up()
    state = json.loads(project.cli("stack", "export"))["deployment"]["resources"]
    assert {old_id, new_id} & {r.get("id") for r in state} == set()
    assert {old_id, new_id} <= set(project.certificates())
    assert "DeleteCertificate" not in {c["Action"] for c in project.emu.calls()}


@deletion(
    "`pulumi destroy` of a stack holding an issued paid certificate, refused, then finished as the refusal says: "
    "the stack file declares nothing (`certificates: {}`) and lists the entry under `release:`, one up, destroy again",
    "the destroy fails (exit status 1) naming that way (not the removal's); the up creates nothing again (the other "
    "entry, already destroyed, is not uploaded again); the second destroy succeeds, leaving the released certificate "
    "in Tencent Cloud and an empty state",
)
def test_a_refused_destroy_is_finished_as_its_message_says(project: Project) -> None:
    api_id = up_two_entries(project)
    www_id = project.outputs()["www"]["id"]
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": api_id, "Paid": True, "Status": 1})
    proc = project.pulumi.run("destroy", "--yes", "--skip-preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == 1, proc.stdout
    assert_says(
        proc.stdout, f"api: cannot delete certificate {api_id}", "CannotBeDeletedIssued",
        "`certificates: {}`", "list `api` under `release:`", "`pulumi destroy` again",
    )  # fmt: skip
    assert www_id not in project.certificates()

    project.write_stack("certificates: {}\nrelease:\n  - api\n")
    project.emu.admin("DELETE", "/_emulator/calls")
    project.up()
    writes = {c["Action"] for c in project.emu.calls()} & {"DeleteCertificate", "UploadCertificate"}
    assert writes == set()
    project.cli("destroy", "--yes", "--skip-preview")
    assert project.state_resources() == {}
    assert api_id in project.certificates()
    assert "UploadCertificate" not in {c["Action"] for c in project.emu.calls()}


@deletion(
    "`release:` naming a former name that another entry takes over with `renamed_from`",
    "preview fails (non-zero) naming the release list, the name and the entry whose renamed_from holds it, before "
    "Pulumi sees a duplicate alias; nothing is written to the cloud",
)
def test_release_of_a_renamed_from_name_is_refused(project: Project) -> None:
    up_two_entries(project)
    project.emu.admin("DELETE", "/_emulator/calls")
    project.write_stack(
        "certificates:\n" + upload_entry("www", "www") + upload_entry("api2", "api", "renamed_from: [api]\n")
        + "release:\n  - api\n"
    )  # fmt: skip
    (project.certs / "api2.pem").write_text((project.certs / "api.pem").read_text())
    (project.certs / "api2.key").write_text((project.certs / "api.key").read_text())
    proc = project.pulumi.run("preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode == FAILED
    said = proc.stdout + (proc.stderr or "")
    assert_says(said, "release", "'api' is also in the renamed_from of entry 'api2'")
    assert "Duplicate resource alias" not in said
    writes = [c for c in project.emu.calls() if not c["Action"].startswith(("Describe", "Get"))]
    assert writes == []


@deletion(
    "a release run (an entry removed and listed under `release:`)",
    "each release step says what happened and what comes next: the entry is released, stays in Tencent Cloud, and "
    "is to be taken out of release:; that a deletion task already running cannot be stopped",
)
def test_a_release_says_what_it_did(project: Project) -> None:
    up_two_entries(project)
    project.write_stack("certificates:\n" + upload_entry("www", "www") + "release:\n  - api\n")
    out = project.up()
    assert_says(out, "api: released: its certificate stays in Tencent Cloud", "take api out of release:",
                "cannot be stopped")  # fmt: skip


@deletion(
    "the review (`python -m provider.review`) of a change that lists a removed entry under `release:`",
    'the review shows the release (a released row and count, exit 0), not "No change to certificates"',
)
def test_the_review_shows_a_release(project: Project) -> None:
    up_two_entries(project)
    project.write_stack("certificates:\n" + upload_entry("www", "www") + "release:\n  - api\n")
    review = project.review("--stack", STACK)
    assert review.returncode == 0, review.stdout + review.stderr
    assert "1 released (listed under release:" in review.stdout
    assert "No change to certificates" not in review.stdout


@deletion(
    "a protected entry (`protect: true`) whose certificate Tencent will not delete, removed and released, then taken "
    "out of `release:`",
    "the release keeps the certificate retained without protect (as documented), so the next up drops it from the "
    "state with no DeleteCertificate call and no protect refusal",
)
def test_releasing_a_protected_entry_drops_protect_and_keeps_the_certificate(project: Project) -> None:
    api_id = up_two_entries(project, "protect: true\n")
    assert project.state_resources()["api"].get("protect") is True
    project.emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": api_id, "Paid": True, "Status": 1})
    project.write_stack("certificates:\n" + upload_entry("www", "www") + "release:\n  - api\n")
    project.up()
    released = project.state_resources()["api"]
    assert released.get("retainOnDelete") is True and not released.get("protect")
    remove_api(project)
    project.emu.admin("DELETE", "/_emulator/calls")
    project.up()
    assert "api" not in project.state_resources() and api_id in project.certificates()
    assert "DeleteCertificate" not in {c["Action"] for c in project.emu.calls()}
