"""provider.host in its real process against the emulator: many operations at once, the configured limit,
messages without tracebacks for expected failures, old inputs beneath old outputs, Cancel.

No assertion here is about time: concurrency is shown by deletions whose Tencent tasks cannot end until the test
moves the emulator clock, so every DeleteCertificate in the call log was made while the earlier ones still waited.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from host_probe import WaitingProvider
from provider_harness import ProviderProcess, start_provider, stop_provider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2
from test_provider_process import upload

from provider.host.parallel import CONFIG_KEY, ENV_VAR
from provider.inputs import CERTIFICATE_DIGEST, HAS_PRIVATE_KEY
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.pulumi_cli import wait_until

pytestmark = [pytest.mark.process, pytest.mark.emulator]

NEVER = 3600  # emulator seconds a deletion task runs: it ends only when the test moves the clock


@contextmanager
def running(env: dict[str, str], host: str = "project", config: dict[str, str] | None = None) -> Iterator[Any]:
    process = start_provider(env, host)
    try:
        if config is not None:
            process.configure(config)
        yield process
    finally:
        stop_provider(process)


def create_many(process: ProviderProcess, count: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` uploaded certificates (created concurrently): (id, outputs) each."""
    pairs = [make_cert(f"h{i}.example.com") for i in range(count)]
    inputs = [process.checked(f"c{i}", upload(c, k, name=f"c{i}")) for i, (c, k) in enumerate(pairs)]
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda i: process.create(f"c{i}", inputs[i]), range(count)))


def delete_all(
    pool: ThreadPoolExecutor, process: ProviderProcess, created: list[tuple[str, dict[str, Any]]]
) -> list[Future[None]]:
    return [pool.submit(process.delete, f"c{i}", cert_id, outs) for i, (cert_id, outs) in enumerate(created)]


def actions(emu: RunningEmulator, action: str) -> list[int]:
    """Positions in the call log of calls to ``action``."""
    return [i for i, call in enumerate(emu.calls()) if call["Action"] == action]


def end_deletion_tasks(emu: RunningEmulator) -> None:
    """Tasks already started end at their next poll; later ones end at once."""
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    emu.admin("POST", "/_emulator/clock", {"AdvanceSeconds": NEVER + 1})


@pytest.fixture
def slow_deletions(emu: RunningEmulator) -> RunningEmulator:
    # Signatures are checked against the host clock, so moving the emulator clock does not expire them.
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": NEVER, "SignatureClock": "real"})
    return emu


def test_sixteen_deletions_wait_on_their_tasks_at_once(slow_deletions: RunningEmulator) -> None:
    emu = slow_deletions
    with running(emu.env(), config={}) as process, ThreadPoolExecutor(16) as pool:
        created = create_many(process, 16)
        deletions = delete_all(pool, process, created)
        # Pulumi's stock host serves 4 calls at a time: there, the fifth DeleteCertificate would wait for a task
        # that cannot end, and this would time out.
        wait_until("16 DeleteCertificate calls", lambda: len(actions(emu, "DeleteCertificate")) == 16)
        assert all(not d.done() for d in deletions)
        end_deletion_tasks(emu)
        for deletion in deletions:
            deletion.result(timeout=120)
    assert emu.certificates() == []


@pytest.mark.parametrize("where", ["config", "env"])
def test_the_configured_limit_holds(slow_deletions: RunningEmulator, where: str) -> None:
    emu = slow_deletions
    env, config = emu.env(), {}
    if where == "config":
        config[CONFIG_KEY] = "3"
        env[ENV_VAR] = "10"  # the stack config wins
    else:
        env[ENV_VAR] = "3"
    with running(env, config=config) as process, ThreadPoolExecutor(6) as pool:
        created = create_many(process, 6)
        emu.admin("DELETE", "/_emulator/calls")
        deletions = delete_all(pool, process, created)

        def three_admitted_and_polling() -> bool:
            deletes = actions(emu, "DeleteCertificate")
            polls = actions(emu, "DescribeDeleteCertificatesTaskResult")
            return len(deletes) >= 3 and len([p for p in polls if p > deletes[2]]) >= 3

        # The admitted deletions keep polling tasks that cannot end; the others stay at the gate.
        wait_until("three deletions polling their tasks", three_admitted_and_polling)
        assert len(actions(emu, "DeleteCertificate")) == 3
        end_deletion_tasks(emu)
        for deletion in deletions:
            deletion.result(timeout=120)
    assert len(actions(emu, "DeleteCertificate")) == 6 and emu.certificates() == []


@pytest.mark.parametrize(
    ("config", "env", "named"),
    [
        ({CONFIG_KEY: "lots"}, {}, f"stack config's {CONFIG_KEY}"),
        ({}, {ENV_VAR: "0"}, f"environment variable {ENV_VAR}"),
    ],
)
def test_a_bad_limit_fails_each_operation_naming_where_it_came_from(
    emu: RunningEmulator, config: dict[str, str], env: dict[str, str], named: str
) -> None:
    cert, key = make_cert("www.example.com")
    with running({**emu.env(), **env}, config=config) as process:
        # Configure accepts it (a failed Configure makes the engine cancel the program, which then prints a
        # traceback of its own); every operation reports it instead.
        with pytest.raises(grpc.RpcError) as caught:
            process.check("www", upload(cert, key))
    details = caught.value.details()  # type: ignore[attr-defined]
    assert named in details and "whole number" in details
    assert "Traceback" not in details


@pytest.mark.parametrize("host", ["project", "stock"])
def test_an_expected_failure_is_its_message_alone(emu: RunningEmulator, host: str) -> None:
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0})
    with running(emu.env(), host, config={}) as process:
        ((cert_id, outs),) = create_many(process, 1)
        emu.admin(
            "POST", "/_emulator/bindings", {"CertificateId": cert_id, "ResourceType": "clb", "ResourceId": "lb-1"}
        )
        with pytest.raises(grpc.RpcError) as caught:
            process.delete("c0", cert_id, outs)
    details = caught.value.details()  # type: ignore[attr-defined]
    assert f"c0: cannot delete certificate {cert_id}" in details and "CLB: lb-1" in details
    # The stock host wraps every failure in a Python traceback; the project's host only unexpected ones.
    assert ("Traceback" in details) == (host == "stock")


def test_an_unexpected_failure_keeps_its_traceback(emu: RunningEmulator) -> None:
    with running(emu.env(), config={}) as process:
        with pytest.raises(grpc.RpcError) as caught:
            process.delete("c0", "cert-1", {"__provider": "bm90IGEgcGlja2xl"})  # base64 of "not a pickle"
    details = caught.value.details()  # type: ignore[attr-defined]
    assert details.startswith("Traceback (most recent call last)") and "Error" in details


@pytest.mark.parametrize("host", ["project", "stock"])
def test_diff_sees_old_inputs_the_outputs_do_not_echo(emu: RunningEmulator, host: str) -> None:
    cert, key = make_cert("www.example.com")
    with running(emu.env(), host, config={}) as process:
        inputs = process.checked("www", upload(cert, key))
        cert_id, outs = process.create("www", inputs)
        # Outputs without the PEM, the key or the provider's record of them: only the old inputs hold the body.
        hidden = ("certificate", "private_key", CERTIFICATE_DIGEST, HAS_PRIVATE_KEY)
        lean = {k: v for k, v in outs.items() if k not in hidden}
        reply = process.diff("www", cert_id, lean, inputs, old_inputs=inputs)
    if host == "project":  # the old PEM and key come from the old inputs: nothing changed
        assert reply.changes == provider_pb2.DiffResponse.DIFF_NONE
    else:  # the stock host passes the outputs alone: the body looks new
        assert "certificate" in reply.replaces


def test_cancel_reaches_a_provider_that_can_stop_waiting(emu: RunningEmulator, tmp_path: Path) -> None:
    marker = tmp_path / "waiting"
    with running(emu.env(), config={}) as process, ThreadPoolExecutor(1) as pool:
        props = {"marker": str(marker), "__provider": serialize_provider(WaitingProvider())}
        creating = pool.submit(process.create, "probe", props)
        wait_until("the provider is waiting", marker.exists)
        process.stub.Cancel(empty_pb2.Empty())
        with pytest.raises(grpc.RpcError) as caught:
            creating.result(timeout=60)
    assert caught.value.details() == "stopped waiting: the engine cancelled the operation"  # type: ignore[attr-defined]
