"""Changing the ``tencentcloud:*`` settings of a deployed stack, through the real CLI.

The engine gives a dynamic provider the whole stack config and records it in the state as the inputs of the stack's
default provider (``pulumi:providers:pulumi-python``, secrets encrypted). ``up`` and ``preview`` run the program,
which registers that provider with the current config; ``refresh`` and ``destroy`` do not run it unless given
``--run-program``, so they configure the provider from what the last ``up`` recorded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from support.project import FAILED, Project, config_key_stack

pytestmark = pytest.mark.e2e

SECRET_MARK = "4dabf18193072939515e22adb298388d"  # Pulumi's signature key for a secret value in a state


def default_provider(project: Project) -> dict[str, Any]:
    state = json.loads(project.cli("stack", "export"))
    (provider,) = [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:providers:pulumi-python"]
    return dict(provider)


def hosts_since(project: Project, seen: int) -> set[str]:
    return {c["Host"] for c in project.emu.calls()[seen:]}


def test_refresh_and_destroy_use_the_recorded_settings_unless_the_program_runs(project: Project) -> None:
    port = project.emu.port
    project.cli("config", "rm", "tencentcloud:endpoint")
    project.cli("config", "set", "tencentcloud:domain", f"localhost:{port}")
    project.cli("config", "set", "tencentcloud:protocol", "HTTP")
    project.set_secret("tencentcloud:secretKey", project.emu.secret_key)
    project.make_cert("www", "www.example.com")
    project.set_secret("wwwKey", project.keys["www"])
    project.write_stack(config_key_stack("wwwKey"))
    assert "recorded in the stack's state" not in project.up()
    (cert_id,) = project.certificates()

    # What the state holds: the config as the provider's inputs, the key encrypted, never in plain text.
    inputs = default_provider(project)["inputs"]
    assert inputs["tencentcloud:domain"] == f"localhost:{port}"
    assert SECRET_MARK in inputs["tencentcloud:secretKey"], inputs
    assert SECRET_MARK in inputs["tencent-ssl-e2e:wwwKey"], inputs  # the whole stack config, not only tencentcloud:
    export = project.cli("stack", "export")
    assert project.emu.secret_key not in export
    assert "PRIVATE KEY" not in export

    # Another site in the config: a plain refresh still reads from the recorded one (the engine's behaviour).
    # The host says so, naming the key whose value differs.
    project.cli("config", "set", "tencentcloud:domain", "localhost:1")
    seen = len(project.emu.calls())
    out = project.cli("refresh", "--yes")
    assert hosts_since(project, seen) == {f"ssl.localhost:{port}"}
    assert "the last `up` recorded in the stack's state" in out, out
    assert f"Pulumi.{project.stack}.yaml, which differ for tencentcloud:domain:" in out, out
    assert "--run-program" in out and "localhost:1" not in out, out

    # The endpoint from the environment and no domain in the config: the recorded domain conflicts with it, and the
    # refusal says where that domain came from and what to run instead.
    project.cli("config", "rm", "tencentcloud:domain")
    project.cli("config", "rm", "tencentcloud:protocol")
    project.pulumi.env["TENCENTCLOUD_ENDPOINT"] = project.emu.url
    seen = len(project.emu.calls())
    proc = project.pulumi.run("refresh", "--yes", "--stack", project.stack, cwd=project.dir, check=False)
    out = proc.stdout
    assert proc.returncode == FAILED, out
    assert "set by tencentcloud:domain" in out and "recorded in the stack's state by the last `up`" in out, out
    assert "--run-program" in out, out
    assert "Traceback" not in out, out
    assert hosts_since(project, seen) == set()

    # With the program run, refresh and destroy use the current settings.
    endpoint_host = project.emu.url.split("://", 1)[1]
    seen = len(project.emu.calls())
    out = project.cli("refresh", "--yes", "--clear-pending-creates", "--run-program")  # as docs/recovery.md says
    assert hosts_since(project, seen) == {endpoint_host}
    assert "recorded in the stack's state" not in out, out
    assert set(project.state_resources()) == {"www"}

    seen = len(project.emu.calls())
    project.cli("destroy", "--yes", "--run-program")
    assert cert_id not in project.certificates()
    assert hosts_since(project, seen) == {endpoint_host}
    assert project.state_resources() == {}
