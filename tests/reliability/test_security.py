"""Security: the emulator refuses what it must, and no secret leaks from the product.

The emulator's signature rules are tested one by one in tests/emulator/test_emulator_auth.py (wrong key, body, host,
content type, scope date, skew both ways, token) and its loopback guard in tests/emulator/test_emulator_admin.py
(reads and reset from non-loopback addresses). Here: a refused request commits nothing (no certificate, no state
change), and the real CLI run end to end (preview, up, a replacement, refresh, destroy) with a security token never
shows a private key, the SecretKey or the token in its output, the exported state, the pickled provider or the
emulator's call log.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator import create_app
from emulator.app import EmulatorConfig
from emulator.clock import Clock
from emulator.store import Store
from support.certs import make_cert
from support.emulator import RunningEmulator, random_credentials, start_emulator
from support.project import STACK, Project, upload_entry
from support.pulumi_cli import PulumiEnv
from support.raw_api import RawApi


def security(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="security", tried=tried, held=held)


# ------------------------------------------------------------------------------ the emulator refuses


@pytest.mark.parametrize(
    ("override", "code"),
    [
        pytest.param(
            {"secret_key": "not-the-key"},
            "AuthFailure.SignatureFailure",
            id="bad-signature",
            marks=security(
                "UploadCertificate signed with the wrong SecretKey, over HTTP",
                "AuthFailure.SignatureFailure; no certificate created; the call log holds neither key",
            ),
        ),
        pytest.param(
            {"timestamp": int(time.time()) - 301},
            "AuthFailure.SignatureExpire",
            id="expired-timestamp",
            marks=security(
                "UploadCertificate with a timestamp 301 s old, over HTTP",
                "AuthFailure.SignatureExpire; no certificate created",
            ),
        ),
        pytest.param(
            {"secret_id": "AKID" + "0" * 32},
            "AuthFailure.SecretIdNotFound",
            id="unknown-secret-id",
            marks=security(
                "UploadCertificate with an unknown SecretId, over HTTP",
                "AuthFailure.SecretIdNotFound; no certificate created",
            ),
        ),
    ],
)
@pytest.mark.emulator
def test_a_refused_request_changes_nothing(
    api: RawApi, emu: RunningEmulator, override: dict[str, Any], code: str
) -> None:
    cert_pem, key_pem = make_cert("www.example.com", key_type="ec")
    if "timestamp" in override:
        override = {"timestamp": int(time.time()) - 301}  # recomputed: the param list is built at import
    error = api.error(
        "UploadCertificate", {"CertificatePublicKey": cert_pem, "CertificatePrivateKey": key_pem}, **override
    )
    assert error["Code"] == code
    assert emu.certificates() == []
    (call,) = emu.calls()
    assert call["Action"] == "UploadCertificate" and call["ErrorCode"] == code
    logged = json.dumps(call)
    assert emu.secret_key not in logged and "not-the-key" not in logged
    assert_no_key_lines(logged, key_pem)


def _in_process(requests: list[tuple[str, str, str, Any]]) -> list[httpx.Response]:
    """Send ``(client_host, method, path, json)`` requests to one in-process app, in order (no packet is sent)."""
    store = Store()
    app = create_app(store, Clock(), EmulatorConfig(credentials={"AKIDx": "key"}))

    async def go() -> list[httpx.Response]:
        out = []
        for host, method, path, body in requests:
            transport = httpx.ASGITransport(app=app, client=(host, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
                out.append(await client.request(method, path, json=body))
        return out

    loop = asyncio.new_event_loop()  # a private loop: see tests/emulator/test_emulator_admin.py
    try:
        return loop.run_until_complete(go())
    finally:
        loop.close()
        store.close()


ADMIN_WRITES = [
    ("PUT", "/_emulator/settings", {"DeleteTaskOutcome": 4, "RoleAuthorized": False}),
    ("POST", "/_emulator/clock", {"AdvanceSeconds": 7200}),
    ("POST", "/_emulator/bindings", {"CertificateId": "GjTNRoK7", "ResourceType": "clb", "ResourceId": "lb-1"}),
    ("POST", "/_emulator/faults", {"Action": "*", "Kind": "drop", "Count": 5}),
]
ADMIN_READS = ["/_emulator/settings", "/_emulator/clock", "/_emulator/faults"]


@security(
    "admin writes (settings, clock, bindings, faults) from non-loopback clients 10.0.0.5, 192.168.1.20, 2001:db8::1 "
    "(in-process ASGI, no packet sent)",
    "each is refused with 403 and nothing changed: settings, clock and faults read back the same from loopback",
)
def test_admin_writes_from_a_non_loopback_address_change_nothing() -> None:
    reads = [("127.0.0.1", "GET", path, None) for path in ADMIN_READS]
    hostile = [
        (host, method, path, body)
        for host in ("10.0.0.5", "192.168.1.20", "2001:db8::1")
        for method, path, body in ADMIN_WRITES
    ]
    responses = _in_process(reads + hostile + reads)
    before, refused, after = responses[: len(reads)], responses[len(reads) : -len(reads)], responses[-len(reads) :]
    assert all(r.status_code == 403 and "loopback" in r.json()["Error"] for r in refused)
    before_json = [r.json() for r in before]
    after_json = [r.json() for r in after]
    before_json[1].pop("Now", None), before_json[1].pop("NowGmt8", None)
    after_json[1].pop("Now", None), after_json[1].pop("NowGmt8", None)
    assert after_json == before_json
    # The control: the same writes from loopback do change things.
    (changed,) = _in_process([("127.0.0.1", *ADMIN_WRITES[0])])
    assert changed.status_code == 200


# ------------------------------------------------------------------------------ no secret leaks


def key_lines(key_pem: str) -> list[str]:
    """The base64 body lines of a PEM key (what matters, not the header)."""
    return [line for line in key_pem.strip().splitlines() if not line.startswith("-----")]


def assert_no_key_lines(text: str, key_pem: str, where: str = "") -> None:
    flat = text.replace("\\n", "\n")
    for line in key_lines(key_pem):
        assert line not in flat, f"a private key line appears in {where or 'the text'}"
    assert "PRIVATE KEY-----" not in flat, f"a PEM private key header appears in {where or 'the text'}"


@pytest.fixture
def token_emulator() -> Iterator[tuple[RunningEmulator, str]]:
    """An emulator of our own that requires an STS token (``--token``) on every request, and that token."""
    secret_id, secret_key = random_credentials()
    token = "tok-" + secrets.token_urlsafe(32)
    with start_emulator(secret_id=secret_id, secret_key=secret_key, extra_args=["--token", token]) as running:
        running.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 0.5})
        yield running, token



@pytest.mark.e2e
@security(
    "preview, up, a key rotation (replace), refresh, export and destroy through the real CLI with verbose logs "
    "(-v=9, --logflow) and an STS token; keys from a file, an env var and the stack config; SecretKey from the "
    "stack config, token from TENCENTCLOUD_SECURITY_TOKEN",
    "no private key line, SecretKey or token in any CLI output or log, in `stack export`, in the pickled "
    "__provider, or in the emulator's call log and output",
)
def test_no_secret_reaches_output_state_pickle_or_call_log(
    tmp_path: Path, pulumi_env: PulumiEnv, token_emulator: tuple[RunningEmulator, str]
) -> None:
    emu, token = token_emulator
    project = Project(tmp_path / "project", pulumi_env, emu)
    # The SecretKey comes from the stack config as a secret; the token from the environment.
    project.pulumi.env.pop("TENCENTCLOUD_SECRET_KEY")
    project.pulumi.env["TENCENTCLOUD_SECURITY_TOKEN"] = token
    project.set_secret("tencentcloud:secretKey", emu.secret_key)
    project.make_cert("www", "www.example.com")
    project.make_cert("api", "api.example.com")
    project.make_cert("cfg", "cfg.example.com")
    project.pulumi.env["RELIABILITY_API_KEY"] = project.keys["api"]
    project.set_secret("cfgKey", project.keys["cfg"])

    def stack() -> None:
        project.write_stack(
            "certificates:\n"
            + upload_entry("www", "www")
            + "      api:\n        upload: {certificate: certs/api.pem, private_key: {env: RELIABILITY_API_KEY}}\n"
            + "      cfg:\n        upload: {certificate: certs/cfg.pem, private_key: {config: cfgKey}}\n"
        )

    verbose = ("--logtostderr", "--logflow", "-v=9")
    outputs: dict[str, str] = {}

    def run(label: str, *args: str) -> None:
        proc = project.pulumi.run(*args, "--stack", STACK, *verbose, cwd=project.dir)
        outputs[label] = proc.stdout

    stack()
    run("preview", "preview", "--diff")
    run("up", "up", "--yes", "--skip-preview")
    assert len(project.certificates()) == 3
    old_keys = dict(project.keys)
    # A key rotation: new certificate and key for www, replaced through the CLI.
    project.make_cert("www", "www.example.com")
    run("preview-replace", "preview", "--diff")
    assert "replace" in outputs["preview-replace"]
    run("up-replace", "up", "--yes", "--skip-preview")
    run("refresh", "refresh", "--yes")
    outputs["export"] = project.cli("stack", "export")
    shown = project.cli("stack", "export", "--show-secrets")
    run("destroy", "destroy", "--yes")
    assert project.certificates() == {}

    all_keys = {**{f"old-{k}": v for k, v in old_keys.items()}, **project.keys}
    secrets_by_name = {"SecretKey": emu.secret_key, "token": token}
    outputs["emulator call log"] = json.dumps(emu.calls())
    outputs["emulator output"] = emu.output()
    outputs["__provider (pickled)"] = "\n".join(pickled_providers(shown))
    assert outputs["__provider (pickled)"], "no __provider found in the exported state"

    for where, text in outputs.items():
        for name, key_pem in all_keys.items():
            assert_no_key_lines(text, key_pem, f"{where} (key of {name})")
        for name, value in secrets_by_name.items():
            assert value not in text, f"the {name} appears in {where}"
    # The verbose logs really were captured (so the scan above covered them): the engine logs each Create call to the
    # dynamic provider, and its success, only at verbosity 7 and up (JSON lines with "v": 7; the progress display
    # may share a line with one).
    created = set()
    for line in outputs["up"].splitlines():
        start = line.find('{"time"')
        record = json.JSONDecoder().raw_decode(line[start:])[0] if start >= 0 else {}
        found = re.match(r"Provider\[\w+\]\.Create\(urn:\S+::pulumi-python:dynamic/tencentcloud:Certificate::(\w+)\) "
                         r"success: id=", record.get("msg", ""))  # fmt: skip
        if found and record.get("v", 0) >= 7:
            created.add(found.group(1))
    assert created == {"www", "api", "cfg"}, "the verbose engine log of `up` was not captured"
    # The state holds the keys as secrets (ciphertext), which --show-secrets decrypts: the scan saw real values.
    assert any(line in shown.replace("\\n", "\n") for line in key_lines(old_keys["api"]))


def pickled_providers(exported: str) -> list[str]:
    """The decoded ``__provider`` pickles of the state (bytes as latin-1 text, for scanning)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "__provider":
                    if isinstance(item, dict) and "plaintext" in item:  # a secret, decrypted by --show-secrets
                        item = json.loads(item["plaintext"])
                    found.append(base64.b64decode(item).decode("latin-1"))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(exported))
    return found
