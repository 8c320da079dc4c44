"""Bad input through the real CLI: broken stack files and configs fail in `pulumi preview`, before any API write.

The broken stack files are in ``cases/bad-input/``. A comment ``# ERROR <field path>: <fragment>`` on a line says
that preview must print a problem naming the stack file, that line and that field (the fragment, when given, must
follow on the same line of output). Certificates and keys are generated at test time into ``stacks/certs/``.

All the file cases share ONE project (one `stack init`); each case resets the emulator, writes ``stacks/e2e.yaml``
and runs `pulumi preview`, then reads the emulator's call log: no write, and in fact no call at all.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.certs import encrypt_key, make_ca, make_cert, make_chain, make_key
from support.emulator import RunningEmulator
from support.host import free_port
from support.project import STACK, WRITE_ACTIONS, Project, config_key_stack, upload_entry
from support.pulumi_cli import make_pulumi_env
from support.stack_cases import error_markers, unreadable_files

pytestmark = [pytest.mark.e2e]

CASES = Path(__file__).resolve().parent / "cases" / "bad-input"


def bad_input(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="bad-input", tried=tried, held=held)


def material() -> dict[str, bytes]:
    """Every file a case may name under certs/ (EC keys: fast)."""
    www_cert, www_key = make_cert("www.example.com", ["www.example.com"], key_type="ec")
    expired_cert, expired_key = make_cert(
        "old.example.com", days=1, key_type="ec", not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    )
    chain = make_chain("api.example.com", ["api.example.com"], key_type="ec")
    ca = make_ca("Key Type Test CA", key_type="ec")
    ed_cert, ed_key = make_cert("ed.example.com", ["ed.example.com"], key_type="ed25519", issuer=ca)
    small_cert, small_key = make_cert("small.example.com", ["small.example.com"], key_type="rsa-1024", issuer=ca)
    p521_cert, p521_key = make_cert("p521.example.com", ["p521.example.com"], key_type="ec-p521", issuer=ca)
    dsa_cert, dsa_key = make_cert("dsa.example.com", ["dsa.example.com"], key_type="dsa", issuer=ca)
    unrelated = make_ca("Unrelated Root CA", key_type="ec")
    return {
        "ed25519.pem": ed_cert.encode(),
        "ed25519.key": ed_key.encode(),
        "rsa-1024.pem": small_cert.encode(),
        "rsa-1024.key": small_key.encode(),
        "ec-p521.pem": p521_cert.encode(),
        "ec-p521.key": p521_key.encode(),
        "dsa.pem": dsa_cert.encode(),
        "dsa.key": dsa_key.encode(),
        "chain-root-misplaced.pem": (chain.leaf_pem + chain.root.cert_pem + chain.intermediate.cert_pem).encode(),
        "chain-unrelated-ca.pem": (chain.fullchain_pem + unrelated.cert_pem).encode(),
        "www.pem": www_cert.encode(),
        "www.key": www_key.encode(),
        "other.key": make_key("ec").encode(),
        "expired.pem": expired_cert.encode(),
        "expired.key": expired_key.encode(),
        "fullchain.key": chain.key_pem.encode(),
        "ca-first.pem": (chain.intermediate.cert_pem + chain.leaf_pem).encode(),
        "encrypted.key": encrypt_key(www_key, b"correct horse").encode(),
        **unreadable_files(),
    }


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, pulumi_bin: Path, emulator: RunningEmulator) -> Iterator[Project]:
    """One project for every case in this module: stack initialised, certificates written, two config keys set."""
    root = tmp_path_factory.mktemp("bad-input")
    project = Project(root / "project", make_pulumi_env(root, pulumi_bin), emulator)
    files = material()
    for name, data in files.items():
        (project.certs / name).write_bytes(data)
    (project.certs / "a-directory.pem").mkdir()
    project.keys["www"] = files["www.key"].decode()
    project.keys["other"] = files["other.key"].decode()
    # A key read from the stack config as a secret ({config: ...}): one matching www.pem, one that does not.
    project.set_secret("wwwKey", project.keys["www"])
    project.set_secret("otherKey", project.keys["other"])
    yield project



def preview_fails(project: Project) -> str:
    proc = project.pulumi.run("preview", "--stack", STACK, cwd=project.dir, check=False)
    assert proc.returncode != 0, f"`pulumi preview` should have failed:\n{proc.stdout}"
    return proc.stdout


def lines_naming(out: str, line: int) -> list[str]:
    return [text for text in out.splitlines() if f"stacks/{STACK}.yaml:{line}:" in text]


def assert_names(out: str, line: int, field_path: str, fragment: str = "") -> None:
    """Some output line names the stack file, ``line`` and ``field_path``, with ``fragment`` after the field."""
    candidates = lines_naming(out, line)
    wanted = [t for t in candidates if not field_path or f" {field_path}:" in t]
    assert wanted, f"no line names stacks/{STACK}.yaml:{line} and field {field_path!r}:\n{out}"
    if fragment:
        assert any(fragment in t.split(f"{field_path}:", 1)[-1] for t in wanted), (
            f"{fragment!r} missing after {field_path!r}:\n" + "\n".join(wanted)
        )


def assert_no_call(emu: RunningEmulator) -> None:
    calls = emu.calls()
    writes = [c["Action"] for c in calls if c["Action"] in WRITE_ACTIONS]
    assert writes == [], f"write calls during a failed preview: {writes}"
    assert [c["Action"] for c in calls] == []


def preview_with_config_key(project: Project, config_key: str, fragment: str = "") -> str:
    """Preview (it must fail) a stack file whose key comes from the stack config ``config_key``; the output names
    the reference's line and field, with ``fragment`` after the field."""
    project.write_stack(config_key_stack(config_key))
    out = preview_fails(project)
    assert_names(out, 5, "certificates.www.upload.private_key.config", fragment)
    return out


def keys_absent(out: str, project: Project) -> None:
    for key_pem in project.keys.values():
        for body_line in key_pem.strip().splitlines()[1:-1]:
            assert body_line not in out


CASE_FILES = sorted(CASES.glob("*.yaml"))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            path,
            id=path.stem,
            marks=bad_input(
                f"stack file `{path.stem}` (cases/bad-input/{path.name})",
                "preview fails naming the file, line and field of every marked problem; the emulator saw no call",
            ),
        )
        for path in CASE_FILES
    ],
)
def test_a_broken_stack_file_fails_preview_naming_file_line_and_field(
    shared: Project, emu: RunningEmulator, case: Path
) -> None:
    text = case.read_text(encoding="utf-8")
    expected = error_markers(text)
    assert expected, f"{case.name} marks no problem"
    (shared.dir / "stacks" / f"{STACK}.yaml").write_text(text, encoding="utf-8")

    out = preview_fails(shared)
    for line, field_path, fragment in expected:
        assert_names(out, line, field_path, fragment)
    keys_absent(out, shared)
    assert_no_call(emu)


def test_there_are_at_least_twenty_broken_files() -> None:
    assert len(CASE_FILES) >= 20


@bad_input(
    "a stack file that is not UTF-8 (a Latin-1 byte on line 4)",
    "preview fails naming the file and line 4; no call",
)
def test_a_stack_file_that_is_not_utf8(shared: Project, emu: RunningEmulator) -> None:
    text = "certificates:\n  www:\n    adopt: GjTNRoK7\n    alias: caf\u00e9\n"
    (shared.dir / "stacks" / f"{STACK}.yaml").write_bytes(text.encode("latin-1"))
    out = preview_fails(shared)
    assert lines_naming(out, 4) and "UTF-8" in out, out
    assert_no_call(emu)


@pytest.mark.parametrize(
    ("kind", "make", "reason"),
    [
        pytest.param(
            "FIFO",
            os.mkfifo,
            "is not a regular file (a FIFO)",
            id="fifo",
            marks=bad_input(
                "the stack file is a FIFO (named pipe) with no writer",
                "preview fails at once saying the stack file is not a regular file (a FIFO); no hang; no call",
            ),
        ),
        pytest.param(
            "symlink to /dev/zero",
            lambda path: path.symlink_to("/dev/zero"),
            "is not a regular file (a character device)",
            id="dev-zero",
            marks=bad_input(
                "the stack file is a symlink to /dev/zero",
                "preview fails at once saying the stack file is not a regular file (a character device); "
                "no MemoryError; no call",
            ),
        ),
    ],
)
def test_a_stack_file_that_is_not_a_regular_file(
    shared: Project, emu: RunningEmulator, kind: str, make: Callable[[Path], None], reason: str
) -> None:
    path = shared.dir / "stacks" / f"{STACK}.yaml"
    path.unlink(missing_ok=True)
    make(path)
    try:
        # A bounded wait: before the fix a FIFO hung the program, and /dev/zero ended in MemoryError.
        proc = shared.pulumi.run("preview", "--stack", STACK, cwd=shared.dir, check=False, timeout=180)
    finally:
        path.unlink()  # the next case writes a plain file here; writing into a FIFO would block
    assert proc.returncode != 0, proc.stdout
    assert f"stacks/{STACK}.yaml: stack file {reason}" in proc.stdout, proc.stdout
    assert "MemoryError" not in proc.stdout and "Traceback" not in proc.stdout
    assert_no_call(emu)


@bad_input(
    "a very large stack file (a 2 MiB inline certificate)",
    "preview fails naming the field and line; no call",
)
def test_a_very_large_inline_certificate(shared: Project, emu: RunningEmulator) -> None:
    body = "A" * (2 << 20)
    text = (
        "certificates:\n  www:\n    upload:\n      private_key: {file: certs/www.key}\n      certificate: |\n"
        "        -----BEGIN CERTIFICATE-----\n"
        f"        {body}\n"
        "        -----END CERTIFICATE-----\n"
    )
    (shared.dir / "stacks" / f"{STACK}.yaml").write_text(text, encoding="utf-8")
    out = preview_fails(shared)
    assert_names(out, 5, "certificates.www.upload.certificate", "too large")
    assert body[:100] not in out
    assert_no_call(emu)


@bad_input(
    "`private_key: {config: nosuchKey}` with no such key in the stack config",
    "preview fails naming the file, line and field, and says which `pulumi config set --secret` to run; no call",
)
def test_a_config_key_missing_from_the_stack_config(shared: Project, emu: RunningEmulator) -> None:
    out = preview_with_config_key(shared, "nosuchKey")
    assert "nosuchKey" in out and "pulumi config set --secret" in out
    assert_no_call(emu)


@bad_input(
    "`private_key: {config: otherKey}` holding a key that does not match the certificate",
    "the provider's check fails preview naming the file, line and field of the entry; no call; no key in the output",
)
def test_a_config_key_that_does_not_match_the_certificate(shared: Project, emu: RunningEmulator) -> None:
    out = preview_with_config_key(shared, "otherKey", "does not match")
    keys_absent(out, shared)
    assert_no_call(emu)


@bad_input(
    "`private_key: {config: edKey}` holding an Ed25519 key (a key type Tencent does not take)",
    "preview fails naming the file, line and field of the config reference and the key type; no call; no key in "
    "the output",
)
def test_a_config_key_of_a_type_tencent_does_not_take(shared: Project, emu: RunningEmulator) -> None:
    shared.keys["ed"] = make_key("ed25519")
    shared.set_secret("edKey", shared.keys["ed"])
    out = preview_with_config_key(shared, "edKey", "the key in config edKey is an Ed25519 key")
    keys_absent(out, shared)
    assert_no_call(emu)


@bad_input(
    "a good stack file with a matching `{config: wwwKey}` key (the control case)",
    "preview succeeds and the emulator saw no write",
)
def test_the_control_case_previews(shared: Project, emu: RunningEmulator) -> None:
    shared.write_stack(
        "certificates:\n"
        + upload_entry("www", "www")
        + "      api:\n        upload: {certificate: certs/www.pem, private_key: {config: wwwKey}}\n"
    )
    out = shared.cli("preview")
    assert "+ 5 to create" in out, out  # the stack, its identity, two certificates and the retained record
    keys_absent(out, shared)
    assert [c for c in emu.calls() if c["Action"] in WRITE_ACTIONS] == []


# ------------------------------------------------------------------------------ credentials and endpoint


@bad_input(
    "TENCENTCLOUD_SECRET_ID/KEY unset and no tencentcloud:secretId/secretKey config",
    "preview makes no call; up fails saying how to set the credentials; the emulator saw no call and state is empty",
)
def test_missing_credentials(project: Project) -> None:
    project.write_www_stack()
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
        project.pulumi.env.pop(name, None)  # the provider process inherits the CLI's environment, nothing else
    project.cli("preview")
    proc = project.pulumi.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=project.dir, check=False)
    out = proc.stdout
    assert proc.returncode != 0, out
    assert "No Tencent Cloud credentials" in out
    assert "tencentcloud:secretKey" in out and "TENCENTCLOUD_SECRET_KEY" in out
    assert project.emu.calls() == []
    assert project.state_resources() == {}


@bad_input(
    "`tencentcloud:endpoint: not a url` in the stack config",
    "preview fails naming the stack config's tencentcloud:endpoint and the expected form; the emulator saw no call",
)
def test_an_endpoint_that_is_not_a_url(project: Project) -> None:
    project.write_www_stack()
    project.cli("config", "set", "tencentcloud:endpoint", "not a url")
    out = preview_fails(project)
    assert "tencentcloud:endpoint" in out and "must be a URL like http://127.0.0.1:8787" in out, out
    assert project.emu.calls() == []
    assert project.state_resources() == {}


@pytest.mark.long
@bad_input(
    "`tencentcloud:endpoint` pointing at a closed loopback port",
    "preview makes no call; up fails with a connection error naming the endpoint after its bounded retries; "
    "nothing reaches the emulator and the state is empty",
)
def test_an_endpoint_on_a_closed_port(project: Project) -> None:
    project.write_www_stack()
    closed = free_port()  # a port that was free a moment ago, now closed
    project.cli("config", "set", "tencentcloud:endpoint", f"http://127.0.0.1:{closed}")
    project.cli("preview")
    proc = project.pulumi.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=project.dir, check=False)
    out = proc.stdout
    assert proc.returncode != 0, out
    assert "www" in out and f"127.0.0.1:{closed}" in out
    assert project.emu.calls() == []
    assert project.state_resources() == {}
