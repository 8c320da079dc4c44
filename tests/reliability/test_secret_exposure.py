"""Ways a user could expose a private key without meaning to, each refused or called out through the real CLI.

A key set in the stack config without ``--secret`` (plain text in ``Pulumi.<stack>.yaml``), an endpoint that would
carry keys and replayable signed requests over plain HTTP across the network, and a key written inline in a stack
file that is usually committed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.emulator import RunningEmulator
from support.project import STACK, Project, config_key_stack
from support.stack_cases import block_scalar

pytestmark = pytest.mark.e2e


def security(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="security", tried=tried, held=held)


def key_body(pem: str) -> str:
    return "".join(pem.strip().splitlines()[1:-1])[:64]


@security(
    "`pulumi config set wwwKey < www.key` without --secret, referenced as `{config: wwwKey}`",
    "preview and up fail naming the file, line and field and saying to use --secret; no API call; the key is in "
    "neither the output nor the state",
)
def test_a_private_key_in_plain_config_is_refused(project: Project, emu: RunningEmulator) -> None:
    project.make_cert("www", "www.example.com")
    project.pulumi.run("config", "set", "wwwKey", "--stack", STACK, cwd=project.dir, input=project.keys["www"])
    project.write_stack(config_key_stack("wwwKey"))
    for command in (("preview",), ("up", "--yes", "--skip-preview")):
        out = project.cli(*command, check=False)
        assert "stacks/e2e.yaml:5" in out and "certificates.www.upload.private_key.config" in out, out
        assert "is not a secret" in out and "pulumi config set --secret wwwKey" in out, out
        assert key_body(project.keys["www"]) not in out
    assert emu.calls() == []
    assert key_body(project.keys["www"]) not in project.cli("stack", "export")

    # The fix the message gives works.
    project.cli("config", "rm", "wwwKey")
    project.set_secret("wwwKey", project.keys["www"])
    project.up()
    assert len(project.certificates()) == 1


@security(
    "tencentcloud:endpoint set to plain http:// on a host other than this machine",
    "preview fails before any connection, naming the config key and the opt-in; with "
    "tencentcloud:allowInsecureEndpoint true preview goes on (loopback http stays allowed)",
)
def test_plain_http_to_another_host_is_refused(project: Project, emu: RunningEmulator) -> None:
    project.write_www_stack()
    # .invalid never resolves (RFC 2606), and preview opens no connection anyway.
    project.cli("config", "set", "tencentcloud:endpoint", "http://ssl.example.invalid:8787")
    out = project.cli("preview", check=False)
    assert "plain HTTP to a host other than this machine" in out, out
    assert "tencentcloud:endpoint" in out and "tencentcloud:allowInsecureEndpoint" in out
    project.cli("config", "set", "tencentcloud:allowInsecureEndpoint", "true")
    assert "+ 4 to create" in project.cli("preview")  # the stack, its identity, the certificate, the retained record
    project.cli("config", "rm", "tencentcloud:allowInsecureEndpoint")
    project.cli("config", "set", "tencentcloud:endpoint", emu.url)
    project.cli("preview")
    assert emu.calls() == []


@security(
    "a private key written inline in the stack file",
    "preview warns naming the file, line and entry and how to move the key; the key stays out of the output",
)
def test_an_inline_private_key_is_warned_about(project: Project, emu: RunningEmulator) -> None:
    project.make_cert("www", "www.example.com")
    cert = (project.certs / "www.pem").read_text()
    indented = block_scalar(project.keys["www"], indent=10)
    project.write_stack(
        f"certificates:\n  www:\n    upload:\n      certificate: certs/www.pem\n      private_key: |\n{indented}\n"
    )
    assert cert  # the certificate is read from its file; only the key is inline
    out = project.cli("preview")
    assert "warning:" in out and "stacks/e2e.yaml:2: www: upload.private_key is an inline PEM key" in out, out
    assert "pulumi config set --secret" in out
    assert key_body(project.keys["www"]) not in out
    assert emu.calls() == []


@security(
    "PULUMI_DEBUG_GRPC=FILE (Pulumi's own log of every engine-provider message) during an up",
    "the README's warning holds: that file does hold the private key (decrypted inputs cross gRPC), so it is "
    "documented as secret material; the CLI output of the same run does not",
)
def test_the_grpc_debug_log_is_documented_as_holding_keys(project: Project, tmp_path: Path) -> None:
    project.write_www_stack()
    log = tmp_path / "grpc.json"
    project.pulumi.env["PULUMI_DEBUG_GRPC"] = str(log)
    try:
        out = project.up()
    finally:
        del project.pulumi.env["PULUMI_DEBUG_GRPC"]
    assert key_body(project.keys["www"]) not in out
    logged = log.read_text(encoding="utf-8").replace("\\n", "")
    assert key_body(project.keys["www"]) in logged
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "PULUMI_DEBUG_GRPC" in readme


@security(
    "tencentcloud:secretKey set in the stack config in plain text (--plaintext, or the file edited by hand)",
    "preview fails saying the key is in plain text in Pulumi.<stack>.yaml and how to fix it, without quoting it; "
    "no API call; set with --secret it works",
)
def test_a_secret_key_in_plain_config_is_refused(project: Project, emu: RunningEmulator) -> None:
    project.write_www_stack()
    project.pulumi.env.pop("TENCENTCLOUD_SECRET_KEY")
    # Pulumi asks for --secret or --plaintext when a value looks secret; a hand-edited file skips even that.
    project.cli("config", "set", "--plaintext", "tencentcloud:secretKey", emu.secret_key)
    out = project.cli("preview", check=False)
    assert "Pulumi.e2e.yaml holds tencentcloud:secretKey in plain text" in out, out
    assert "pulumi config set --secret" in out and emu.secret_key not in out
    assert emu.calls() == []
    project.cli("config", "rm", "tencentcloud:secretKey")
    project.set_secret("tencentcloud:secretKey", emu.secret_key)
    project.up()
    assert len(project.certificates()) == 1
