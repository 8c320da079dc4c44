"""A copy of this project driven by the real Pulumi CLI against the emulator, for end-to-end and reliability tests.

``Project`` writes its own ``Pulumi.yaml`` (this virtualenv; the repo's ``plugin/`` launcher, so the dynamic provider
runs in ``provider.host``, or with ``host="stock"`` in Pulumi's own ``python -m pulumi.dynamic``), copies the repo's
``__main__.py``, points the stack's config at the emulator, generates certificates at test time, and reads back what
the emulator and the state hold.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

from support.certs import make_cert
from support.emulator import RunningEmulator
from support.pulumi_cli import REPO, PulumiEnv

__all__ = [
    "HOSTS",
    "CHANGES_PROPOSED",
    "FAILED",
    "CliRun",
    "PLUGIN_DIR",
    "STACK",
    "WRITE_ACTIONS",
    "Project",
    "config_key_stack",
    "project_yaml",
    "upload_entry",
]

#: The directory holding the project's ``pulumi-resource-pulumi-python`` launcher (runs ``provider.host``).
PLUGIN_DIR = REPO / "plugin"
#: Which dynamic-provider host a project uses: the project's own, or the one bundled with the CLI.
HOSTS = ("project", "stock")

STACK = "e2e"
WRITE_ACTIONS = {
    "UploadCertificate",
    "ApplyCertificate",
    "ModifyCertificateAlias",
    "ModifyCertificateProject",
    "ModifyResourceTags",
    "DeleteCertificate",
    "DeleteCertificates",
}


@dataclass(frozen=True)
class CliRun:
    """A finished CLI run whose exit status the caller must read: it has no truth value and no ``in``, so
    ``assert project.up(check=False)`` or ``"msg" in project.up(check=False)`` fail loudly instead of passing."""

    args: tuple[str, ...]
    returncode: int
    #: stdout and stderr merged, in the order a terminal shows them (Pulumi writes diagnostics to both).
    output: str

    def expect(self, status: int) -> str:
        """The output, after asserting the run exited exactly ``status``."""
        assert self.returncode == status, (
            f"pulumi {' '.join(self.args)} exited {self.returncode}, expected {status}:\n{self.output}"
        )
        return self.output

    def __bool__(self) -> NoReturn:
        raise TypeError("a CliRun has no truth value: assert on .returncode (or use .expect(status))")

    def __contains__(self, item: object) -> NoReturn:
        raise TypeError("a CliRun has no `in`: check .returncode, then search .output (or use .expect(status))")


#: The exit status of a `pulumi` command that failed (an update or preview that reported errors).
FAILED = 1
#: The exit status of `pulumi preview --expect-no-changes` that found changes (Pulumi v3.274).
CHANGES_PROPOSED = 7


class Project:
    """A copy of the project with its own stack file and certificates, driven by the real CLI."""

    def __init__(
        self, root: Path, pulumi: PulumiEnv, emu: RunningEmulator, stack: str = STACK, *, host: str = "project"
    ) -> None:
        self.dir = root
        self.stack = stack  # several projects sharing one backend need stacks of different names
        self.pulumi = pulumi
        self.emu = emu
        self.certs = root / "stacks" / "certs"
        self.certs.mkdir(parents=True)
        self.keys: dict[str, str] = {}
        (root / "Pulumi.yaml").write_text(project_yaml(host), encoding="utf-8")
        shutil.copy(REPO / "__main__.py", root / "__main__.py")
        (root / f"Pulumi.{stack}.yaml").write_text(f"config:\n  tencentcloud:endpoint: {emu.url}\n", encoding="utf-8")
        pulumi.env.update(emu.env())
        pulumi.env.pop("TENCENTCLOUD_ENDPOINT", None)  # the stack config says where the API is
        pulumi.run("stack", "init", stack, cwd=root)

    def make_cert(self, name: str, cn: str, sans: tuple[str, ...] = (), key_type: str = "rsa") -> None:
        """Write certs/<name>.pem and certs/<name>.key (a fresh key pair each call)."""
        cert_pem, key_pem = make_cert(cn, sans, key_type=key_type)
        (self.certs / f"{name}.pem").write_text(cert_pem, encoding="utf-8")
        (self.certs / f"{name}.key").write_text(key_pem, encoding="utf-8")
        self.keys[name] = key_pem

    def write_stack(self, text: str) -> None:
        (self.dir / "stacks" / f"{self.stack}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")

    def write_www_stack(self) -> None:
        """certs/www.pem and www.key for www.example.com, and a stack file whose one entry, ``www``, uploads them."""
        self.make_cert("www", "www.example.com")
        self.write_stack("certificates:\n" + upload_entry("www", "www"))

    @overload
    def cli(self, *args: str, check: Literal[True] = True) -> str: ...
    @overload
    def cli(self, *args: str, check: Literal[False]) -> CliRun: ...
    def cli(self, *args: str, check: bool = True) -> str | CliRun:
        """`pulumi ARGS --stack STACK`: with ``check`` its output (a non-zero exit raises); without, the run
        (exit status and output) for the caller to judge."""
        proc = self.pulumi.run(*args, "--stack", self.stack, cwd=self.dir, check=check)
        if check:
            return proc.stdout
        return CliRun(args, proc.returncode, proc.stdout)

    def refused(self, *args: str, status: int = FAILED) -> str:
        """The output of `pulumi ARGS --stack STACK`, asserting that it exited exactly ``status``."""
        assert status != 0, "a refusal exits non-zero"
        return self.cli(*args, check=False).expect(status)

    def up_refused(self, status: int = FAILED) -> str:
        """The output of `pulumi up --yes --skip-preview`, asserting that it exited exactly ``status``."""
        return self.refused("up", "--yes", "--skip-preview", status=status)

    def review(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m provider.review ARGS` in the project, as CI runs it (exit status and output, never raising)."""
        return subprocess.run(
            [sys.executable, "-m", "provider.review", *args],
            cwd=self.dir,
            env=self.pulumi.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def start(self, *args: str, new_session: bool = False) -> subprocess.Popen[str]:
        """`pulumi ARGS` on this stack in the background (``PulumiEnv.start``)."""
        return self.pulumi.start(*args, "--stack", self.stack, cwd=self.dir, new_session=new_session)

    def set_secret(self, key: str, value: str) -> None:
        """`pulumi config set --secret KEY` with the value on stdin, as the docs tell users to (`< certs/www.key`)."""
        self.pulumi.run("config", "set", "--secret", key, "--stack", self.stack, cwd=self.dir, input=value)

    @overload
    def up(self, check: Literal[True] = True) -> str: ...
    @overload
    def up(self, check: Literal[False]) -> CliRun: ...
    def up(self, check: bool = True) -> str | CliRun:
        """`pulumi up --yes --skip-preview`: its output, or with ``check=False`` the run (see ``cli``)."""
        if check:
            return self.cli("up", "--yes", "--skip-preview")
        return self.cli("up", "--yes", "--skip-preview", check=False)

    def certificates(self) -> dict[str, dict[str, Any]]:
        """The emulator's certificates by id."""
        return {c["CertificateId"]: c for c in self.emu.certificates()}

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.cli("stack", "output", "--json"))["certificates"]

    def state_resources(self) -> dict[str, dict[str, Any]]:
        state = json.loads(self.cli("stack", "export"))
        return {
            r["urn"].rsplit("::", 1)[1]: r
            for r in state["deployment"].get("resources", [])
            if r["type"] == "pulumi-python:dynamic/tencentcloud:Certificate"
        }


def project_yaml(host: str = "project") -> str:
    """The copy's Pulumi.yaml: this virtualenv, and the dynamic-provider host (one of ``HOSTS``)."""
    if host not in HOSTS:
        raise ValueError(f"host must be one of {HOSTS}, not {host!r}")
    text = f"name: tencent-ssl-e2e\nruntime:\n  name: python\n  options:\n    virtualenv: {Path(sys.prefix)}\n"
    if host == "project":
        text += f"plugins:\n  providers:\n    - name: pulumi-python\n      path: {PLUGIN_DIR}\n"
    return text


def upload_entry(name: str, alias: str, extra: str = "") -> str:
    return f"""\
      {name}:
        upload:
          certificate: certs/{name}.pem
          private_key: {{file: certs/{name}.key}}
        alias: {alias}
{textwrap.indent(textwrap.dedent(extra), "        ") if extra else ""}"""


def config_key_stack(config_key: str) -> str:
    """A stack file whose one entry, ``www``, uploads certs/www.pem with the key in the stack config ``config_key``
    (the ``{config: ...}`` reference is on line 5)."""
    return f"""\
certificates:
  www:
    upload:
      certificate: certs/www.pem
      private_key: {{config: {config_key}}}
"""
