"""Every input the review accepts gets a review or one `error: ...` line and exit 1, never a traceback.

`python -m provider.review` in-process (its `main`), with `--preview-json` and `--state-json` files shaped as CLI
v3.274.1 prints them, in the encodings Windows tools write, and with the malformed shapes and options issue 18 found
crashing it. No plan here deletes a certificate, so no API call is made; no `pulumi` is on PATH.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from provider.review.cli import main
from provider.review.plan import CERTIFICATE_TYPE

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
PREFIX = "urn:pulumi:prod::tencent-ssl::"


def resource(name: str, not_after: str = "2026-12-20T00:00:00Z", **extra: Any) -> dict[str, Any]:
    outputs = {
        "source": "upload",
        "domain": f"{name}.example.com",
        "subject_alt_names": [f"{name}.example.com"],
        "not_after": not_after,
        "fingerprint": "ab" * 20,
        "alias": name,
        "private_key": {"ciphertext": "v1:AA"},
    }
    return {"urn": f"{PREFIX}{CERTIFICATE_TYPE}::{name}", "type": CERTIFICATE_TYPE, "id": f"id-{name}",
            "outputs": outputs, **extra}  # fmt: skip


def preview() -> dict[str, Any]:
    """An alias change on `www` (an update: no API call), as `pulumi preview --json` prints it."""
    old = resource("www")
    new = {**old, "inputs": {"source": "upload", "alias": "www2", "private_key": "[secret]"}}
    return {
        "config": {"tencentcloud:endpoint": "http://127.0.0.1:1"},
        "steps": [
            {"op": "same", "urn": f"{PREFIX}pulumi:pulumi:Stack::tencent-ssl-prod"},
            {
                "op": "update",
                "urn": old["urn"],
                "oldState": old,
                "newState": new,
                "diffReasons": ["alias"],
                "detailedDiff": {"alias": {"kind": "update"}},
                "replaceReasons": [],
            },  # fmt: skip
        ],
        "changeSummary": {"update": 1},
        "duration": 1234,
    }


def export() -> dict[str, Any]:
    return {"version": 3, "deployment": {"resources": [resource("www"), resource("kept", "2026-12-10T00:00:00Z")]}}


def run(tmp_path: Path, plan: Any, state: Any, *args: str, encoding: str = "utf-8") -> tuple[int, str, str]:
    """The review of ``plan`` and ``state`` (documents, or bytes as they are), its exit status, stdout and stderr."""
    files = []
    for name, content in (("preview.json", plan), ("state.json", state)):
        path = tmp_path / name
        data = content if isinstance(content, bytes) else json.dumps(content, ensure_ascii=False).encode("utf-8")
        path.write_bytes(data if encoding == "utf-8" else _reencoded(data, encoding))
        files.append(str(path))
    out, err = io.StringIO(), io.StringIO()
    argv = ["--preview-json", files[0], "--state-json", files[1], *args]
    status = main(argv, environ={"PATH": ""}, stdout=out, stderr=err, now=lambda: NOW)
    return status, out.getvalue(), err.getvalue()


def _reencoded(data: bytes, encoding: str) -> bytes:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-8": codecs.BOM_UTF8}
    name = encoding.removesuffix("-bom")
    return bom[name] + data.decode("utf-8").encode(name)


@pytest.mark.reliability(
    area="bad-input",
    tried="the review's --preview-json and --state-json written as UTF-16 (Windows PowerShell's `>`) or UTF-8 with "
    "a BOM",
    held="the same review, byte for byte, as from UTF-8 files",
)
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8-bom"])
def test_utf16_and_utf8_bom_inputs_review_as_utf8_does(tmp_path: Path, encoding: str) -> None:
    # Windows PowerShell 5.1's `pulumi preview --json > preview.json` writes UTF-16 LE with a BOM.
    expected = run(tmp_path, preview(), export())
    assert expected[0] == 0 and "| `www` | update |" in expected[1] and "`kept`" in expected[1], expected
    assert run(tmp_path, preview(), export(), encoding=encoding) == expected


def test_the_preview_on_stdin_may_be_utf16_too(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text(json.dumps(export()), encoding="utf-8")
    expected = run(tmp_path, preview(), export())
    data = codecs.BOM_UTF16_LE + json.dumps(preview()).encode("utf-16-le")
    stdin = io.TextIOWrapper(io.BytesIO(data))  # what sys.stdin is: text over a binary buffer
    out, err = io.StringIO(), io.StringIO()
    args = ["--preview-json", "-", "--state-json", str(tmp_path / "state.json")]
    assert main(args, environ={"PATH": ""}, stdin=stdin, stdout=out, stderr=err, now=lambda: NOW) == 0, err.getvalue()
    assert (0, out.getvalue(), "") == expected


def broken(path: str, value: Any) -> dict[str, Any]:
    """The preview with the value at ``path`` (dot-separated keys and list indexes) replaced."""
    document = preview()
    *parents, last = path.split(".")
    node: Any = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return document


def broken_state(not_after: Any = "2026-12-10T00:00:00Z", **deployment: Any) -> dict[str, Any]:
    document = export()
    document["deployment"]["resources"][1]["outputs"]["not_after"] = not_after
    document["deployment"].update(deployment)
    return document


@pytest.mark.reliability(
    area="bad-input",
    tried="review inputs of the wrong shape (config a list, replaceReasons a number, detailedDiff a list, a not_after "
    "without a zone, JSON nested 100,000 deep, ...) and out-of-range options (--expiring-within 99999999)",
    held="one `error:` line naming what is wrong, exit 1, nothing on stdout, no traceback",
)
@pytest.mark.parametrize(
    ("plan", "state", "args", "said"),
    [
        (broken("config", ["tencentcloud:region"]), export(), [], "the preview's config is not an object"),
        (broken("steps.1.replaceReasons", 3), export(), [], "step on `www`: replaceReasons is not a list"),
        (broken("steps.1.detailedDiff", ["alias"]), export(), [], "step on `www`: detailedDiff is not an object"),
        (broken("steps.1.diffReasons", "alias"), export(), [], "step on `www`: diffReasons is not a list"),
        (broken("steps.1.newState.inputs", "alias"), export(), [], "step on `www`: newState.inputs is not an object"),
        (broken("steps.1.oldState.id", 7), export(), [], "step on `www`: oldState.id is not text"),
        (broken("steps.1.oldState.protect", "no"), export(), [], "step on `www`: protect is not true or false"),
        (broken("steps.1.op", ["update"]), export(), [], "step on `www` is of unknown kind"),
        (broken("steps.1", "update"), export(), [], "the preview's step 2 is not an object"),
        (broken("steps.1.urn", 12), export(), [], "the preview's step 2 has a urn that is not text"),
        (broken("steps", {"op": "update"}), export(), [], "the preview JSON has no list of steps"),
        (preview(), broken_state("2026-12-10T00:00:00"), [], "not_after of `kept` is '2026-12-10T00:00:00', not an"),
        (preview(), broken_state("soon"), [], "not_after of `kept` is 'soon', not an ISO 8601 time with a zone"),
        (preview(), broken_state(resources={"a": 1}), [], "the stack export's deployment.resources is not a list"),
        (preview(), {"deployment": []}, [], "the stack export has no deployment"),
        (b'{"steps": [', export(), [], "the preview is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, export(), [], "the preview is JSON this review cannot read: nested too"),
        (b'{"steps": [], "x": 1' + b"0" * 5000 + b"}", export(), [], "the preview is JSON this review cannot read"),
        (b'{"steps": "\xff\xfe"}', export(), [], "is not UTF-8 (without a byte-order mark) text"),
        (codecs.BOM_UTF16_LE + b"{\x00\xd8", export(), [], "is not UTF-16-LE text"),
        (preview(), export(), ["--expiring-within", "99999999"], "99999999 is not between 0 and 36500"),
        (preview(), export(), ["--expiring-within", "soon"], "not a whole number: 'soon'"),
        (preview(), export(), ["--max-chars", "5"], "5 is not between 1000 and"),
        (preview(), export(), ["--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_a_malformed_input_or_option_is_an_error_naming_it_with_exit_1(
    tmp_path: Path, plan: Any, state: Any, args: list[str], said: str
) -> None:
    status, out, err = run(tmp_path, plan, state, *args)
    assert (status, out) == (1, ""), err
    assert err.startswith("provider.review: error: ") and said in err, err
    assert "Traceback" not in err and err.count("\n") == 1


def test_harmless_oddities_are_tolerated(tmp_path: Path) -> None:
    plan = broken("steps.1.newState.inputs.alias", "\ud800 lone surrogate")  # JSON allows "\ud800"; UTF-8 does not
    plan["config"]["tencentcloud:ratePerAction"] = {"nested": "config"}  # structured config: not read
    plan["steps"].append({"op": "create", "urn": f"{PREFIX}random:index/randomId:RandomId::other", "newState": 3})
    text = json.dumps(plan).encode("ascii")
    status, out, err = run(tmp_path, text, broken_state("2026-12-10T00:00:00+08:00"))
    assert (status, err) == (0, ""), err
    assert "| `alias` | www | ? lone surrogate |" in out
    assert "`kept`: certificate `id-kept` (kept.example.com) expires 2026-12-10T00:00:00+08:00" in out


FAILED_DIAGNOSTICS = [
    {"message": "stacks/prod.yaml: entry `www`: upload.certificate: no such file certs/missing.pem\n",
     "severity": "error", "urn": f"{PREFIX}pulumi:pulumi:Stack::tencent-ssl-prod"},
    {"message": "preview failed\n", "severity": "error"},
]  # fmt: skip


@pytest.mark.parametrize(
    ("plan", "said"),
    [
        # `pulumi preview --json > pv.json` of a rejected stack file: exit 1, no certificate step, error diagnostics.
        (
            {
                "config": {},
                "steps": [{"op": "same", "urn": f"{PREFIX}pulumi:pulumi:Stack::tencent-ssl-prod"}],
                "diagnostics": FAILED_DIAGNOSTICS,
                "changeSummary": {"same": 1},
            },
            "the preview failed: stacks/prod.yaml: entry `www`: upload.certificate: no such file certs/missing.pem",
        ),  # fmt: skip
        ({"steps": [], "diagnostics": [{"message": "preview failed", "severity": "error"}]}, "preview failed"),
        ({}, "the preview JSON has neither steps nor a changeSummary"),
        ({"steps": []}, "the preview JSON has neither steps nor a changeSummary"),
    ],
)
def test_a_failed_or_shapeless_preview_is_an_error_not_no_change(tmp_path: Path, plan: Any, said: str) -> None:
    status, out, err = run(tmp_path, plan, export())
    assert (status, out) == (1, ""), out + err
    assert err.startswith("provider.review: error: ") and said in err, err
    assert "No change" not in out + err


def test_a_preview_with_only_warnings_is_reviewed(tmp_path: Path) -> None:
    plan = preview()
    plan["diagnostics"] = [{"message": "a deprecation", "severity": "warning"}]
    status, out, err = run(tmp_path, plan, export())
    assert status == 0 and "| `www` | update |" in out, err


def test_the_stack_given_with_stack_names_the_review(tmp_path: Path) -> None:
    empty = {"config": {}, "steps": [], "changeSummary": {}}  # no step: nothing names the stack but --stack
    status, out, err = run(tmp_path, empty, {"deployment": {"resources": []}}, "--stack", "staging")
    assert status == 0, err
    assert out.startswith("<!-- tencent-ssl-review stack=staging -->\n"), out
