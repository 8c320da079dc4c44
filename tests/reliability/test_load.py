"""Load: one stack with many certificates, `up` then `destroy`, the emulator's rate limit on (10/s per action).

No rate-limit error may reach the user: both commands succeed, the emulator ends holding exactly the declared
certificates and then none, and every ``LimitExceeded.RateLimitExceeded`` the emulator sent was absorbed by the
client's pacing and retries. The wall time and the API calls per action are printed (never asserted).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from support.project import Project, upload_entry

pytestmark = [pytest.mark.e2e]

RATE_LIMITED = "LimitExceeded.RateLimitExceeded"
DELETE_TASK_SECONDS = 3


def declare(project: Project, count: int) -> dict[str, str]:
    """``count`` EC certificates (fresh keys) under one stack file; returns entry name -> domain."""
    domains = {}
    entries = []
    for i in range(count):
        name, domain = f"c{i:03d}", f"c{i:03d}.load.example.com"
        project.make_cert(name, domain, key_type="ec")
        domains[name] = domain
        entries.append(upload_entry(name, name))
    project.write_stack("defaults: {tags: {load: 'yes'}}\ncertificates:\n" + "".join(entries))
    return domains


def timed_calls(project: Project, command: Callable[[], str]) -> tuple[str, float, list[dict[str, Any]]]:
    """Run one CLI command on a cleared call log: its output, its wall time and the calls it made."""
    project.emu.admin("DELETE", "/_emulator/calls")
    start = time.monotonic()
    output = command()
    return output, time.monotonic() - start, project.emu.admin("GET", "/_emulator/calls")["Calls"]


def summary(step: str, seconds: float, calls: list[dict[str, Any]]) -> str:
    per_action = Counter(c["Action"] for c in calls)
    refused = Counter(c["Action"] for c in calls if c["ErrorCode"] == RATE_LIMITED)
    lines = [f"{step}: {seconds:.1f} s wall, {len(calls)} API calls, {sum(refused.values())} rate-limit replies"]
    lines += [
        f"  {action:<40} {n:>5} calls" + (f", {refused[action]} refused ({RATE_LIMITED})" if refused[action] else "")
        for action, n in sorted(per_action.items())
    ]
    return "\n".join(lines)


def run_load(
    project: Project, count: int, capsys: pytest.CaptureFixture[str], server_rate: int = 10
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Declare ``count`` certificates, `up`, `destroy`, check each step; returns the calls of `up` and `destroy`."""
    emu = project.emu
    emu.admin(
        "PUT", "/_emulator/settings", {"DeleteTaskSeconds": DELETE_TASK_SECONDS, "RateLimitPerSecond": server_rate}
    )
    settings = emu.admin("GET", "/_emulator/settings")
    assert settings["RateLimit"] is True and settings["RateLimitPerSecond"] == server_rate
    domains = declare(project, count)

    up_out, up_seconds, up_calls = timed_calls(project, project.up)
    certs = project.certificates()
    # Exactly the declared certificates: one each, no duplicate from a retried upload, no orphan.
    assert sorted(c["Alias"] for c in certs.values()) == sorted(domains)
    assert all(c["Domain"] == domains[c["Alias"]] for c in certs.values())
    outputs = project.outputs()
    assert {out["id"] for out in outputs.values()} == set(certs)
    assert len(project.state_resources()) == count

    destroy_out, destroy_seconds, destroy_calls = timed_calls(
        project, lambda: project.cli("destroy", "--yes", "--skip-preview")
    )
    assert project.certificates() == {}
    assert project.state_resources() == {}
    # Checked deletions, exactly one task per certificate (no second deletion started), each ended deleted.
    deletes = [c for c in destroy_calls if c["Action"] == "DeleteCertificate" and c["ErrorCode"] is None]
    assert all(c["Params"].get("IsCheckResource") is True for c in deletes)
    tasks = emu.admin("GET", "/_emulator/tasks")["Tasks"]
    assert sorted(t["CertId"] for t in tasks) == sorted(certs)
    assert {t["Status"] for t in tasks} == {1}

    # Whatever the emulator refused was absorbed: nothing about a rate limit reaches the user.
    for output in (up_out, destroy_out):
        assert "RateLimitExceeded" not in output
        assert "rate limit" not in output.lower()
    with capsys.disabled():
        print(
            f"\nload: {count} certificates, emulator rate limit {server_rate}/s per action, "
            f"deletion tasks {DELETE_TASK_SECONDS} s"
        )
        print(summary("up", up_seconds, up_calls))
        print(summary("destroy", destroy_seconds, destroy_calls))
    return up_calls, destroy_calls


def under_the_client_pace(count: int) -> Callable[[Project, pytest.CaptureFixture[str]], None]:
    """The scenario of ``count`` certificates at the client's own pace (the server's limit is the same 10/s)."""

    @pytest.mark.reliability(
        area="load",
        tried=f"{count} EC certificates in one stack, up then destroy, rate limit on (10/s per action), "
        f"{DELETE_TASK_SECONDS} s deletion tasks",
        held=f"both commands succeed, no rate-limit error shown, exactly {count} certificates then none, no duplicate",
    )
    def test(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
        run_load(project, count, capsys)

    return test


test_up_then_destroy_30_certificates_under_the_rate_limit = under_the_client_pace(30)


@pytest.mark.reliability(
    area="load",
    tried="30 certificates, up then destroy, the emulator limiting each action to 3/s (below the client's own 10/s)",
    held="the emulator refused calls with LimitExceeded.RateLimitExceeded and every refusal was retried away: "
    "both commands succeed, no rate-limit error shown, exactly 30 certificates then none",
)
def test_rate_limit_refusals_below_the_client_pace_are_absorbed(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    up_calls, destroy_calls = run_load(project, 30, capsys, server_rate=3)
    # The limit really bit, in both commands, so the retries (not the client's pacing) did the absorbing.
    assert any(c["ErrorCode"] == RATE_LIMITED for c in up_calls)
    assert any(c["ErrorCode"] == RATE_LIMITED for c in destroy_calls)


test_up_then_destroy_200_certificates_under_the_rate_limit = pytest.mark.long(under_the_client_pace(200))
