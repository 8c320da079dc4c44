"""Fuzzing the review's two JSON inputs in-process, the pre-flight asking the emulator over real HTTP.

Seeds in the shape CLI v3.274.1 prints (`pulumi preview --json`, `pulumi stack export`) cover every verdict: a
replacement rotating a bound certificate, a removal refused while bound, a retained one, a protected one (the failed
preview's diagnostics), an adopt entry renamed, a deletion pending after a failed rotation with its recorded
successor, a certificate expiring soon. Hypothesis mutates them and also throws arbitrary JSON; `support.review_fuzz`
states the property. tests/e2e/test_review_fuzz_real.py does the same with documents the real CLI printed.
"""

from __future__ import annotations

import functools
import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider.review.plan import CERTIFICATE_TYPE
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.project import WRITE_ACTIONS
from support.review_fuzz import Inputs, any_document, check_review, fuzz, inputs_from, mutated

# A failing example is printed whole (the seeds hold PEMs): Hypothesis' warning about its size must not hide it.
pytestmark = [pytest.mark.emulator, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

PREFIX = "urn:pulumi:prod::tencent-ssl::"
OWNER = "16959028cb08.6b2d97af4874"  # the `old` entry's owner token (provider.ownership)
PROTECTED = (
    'error: Preview failed: resource "{urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, '
    "either remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the "
    "command:\n`pulumi state unprotect '{urn}'`\n"
)


@functools.cache
def pem(cn: str) -> str:
    return make_cert(cn, (f"alt.{cn}",))[0]


def state(name: str, id_: str, **extra: Any) -> dict[str, Any]:
    outputs = {
        "source": "upload",
        "certificate": pem(f"{name}.example.com"),
        "domain": f"{name}.example.com",
        "subject_alt_names": [f"{name}.example.com"],
        "not_after": "2027-03-01T00:00:00Z",
        "fingerprint": "ab" * 20,
        "alias": name,
        "check_resources": True,
        "rotate": True,
        "certificate_id": id_,
    }
    outputs.update(extra.pop("outputs", {}))
    return {"urn": f"{PREFIX}{CERTIFICATE_TYPE}::{name}", "type": CERTIFICATE_TYPE, "id": id_, "custom": True,
            "inputs": {}, "outputs": outputs, **extra}  # fmt: skip


def seeds(ids: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A preview and the export of its stack, for certificates with these emulator ids."""
    www_new = {**state("www", ""), "inputs": {"source": "upload", "certificate": pem("www2.example.com"),
                                              "private_key": "[secret]", "alias": "www"}}  # fmt: skip
    guarded = state("guarded", ids["guarded"], protect=True)
    legacy_api = {"urn": f"{PREFIX}{CERTIFICATE_TYPE}::legacy-api", "type": CERTIFICATE_TYPE,
                  "inputs": {"source": "adopt", "adopt_id": ids["legacy"]}}  # fmt: skip
    soon = state("soon", ids["soon"], outputs={"not_after": "2026-12-20T00:00:00Z"})
    preview = {
        "config": {"tencentcloud:region": "ap-guangzhou"},
        "steps": [
            {"op": "same", "urn": f"{PREFIX}pulumi:pulumi:Stack::tencent-ssl-prod"},
            {"op": "replace", "urn": www_new["urn"], "oldState": state("www", ids["www"]), "newState": www_new,
             "diffReasons": ["certificate", "private_key"], "replaceReasons": ["certificate"],
             "detailedDiff": {"certificate": {"kind": "update-replace"}, "private_key": {"kind": "update"}}},
            {"op": "delete", "urn": guarded["urn"], "oldState": guarded},
            {"op": "delete", "urn": f"{PREFIX}{CERTIFICATE_TYPE}::api", "oldState": state("api", ids["api"])},
            {"op": "delete", "urn": f"{PREFIX}{CERTIFICATE_TYPE}::shop",
             "oldState": state("shop", "gone0001", retainOnDelete=True)},
            {"op": "delete", "urn": f"{PREFIX}{CERTIFICATE_TYPE}::legacy", "oldState": state("legacy", ids["legacy"])},
            {"op": "create", "urn": legacy_api["urn"], "newState": legacy_api},
            {"op": "update", "urn": soon["urn"], "oldState": soon,
             "newState": {**soon, "inputs": {"source": "upload", "alias": "@soon"}}, "diffReasons": ["alias"]},
        ],
        "diagnostics": [
            {"urn": guarded["urn"], "message": PROTECTED.format(urn=guarded["urn"]), "severity": "error"},
            {"message": "error: preview failed\n", "severity": "error"},
        ],
        "changeSummary": {"create": 1, "delete": 4, "replace": 1, "same": 1, "update": 1},
        "duration": 1234,
    }  # fmt: skip
    left = state("old", ids["old"], delete=True, outputs={"owner": OWNER})
    successor = state("old", ids["new"], outputs={"replaces": ids["old"], "owner": OWNER})
    resources = [state("www", ids["www"]), guarded, state("api", ids["api"]), state("legacy", ids["legacy"]), soon,
                 state("shop", "gone0001", retainOnDelete=True), left, successor]  # fmt: skip
    return preview, {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


#: The seeds' certificate ids: placeholders the ``ids`` fixture maps to certificates in the emulator.
NAMES = ("www", "api", "old", "new", "legacy", "guarded", "soon")
PLACEHOLDERS = {name: f"Z{name:_<7}" for name in NAMES}


@functools.cache
def seed_documents() -> tuple[dict[str, Any], dict[str, Any]]:
    return seeds(PLACEHOLDERS)


def seed(which: int) -> st.SearchStrategy[Any]:
    """A seed document, built at the first draw (its PEMs take a moment), then always the same object."""
    return st.deferred(lambda: st.just(seed_documents()[which]))


PREVIEW, EXPORT = seed(0), seed(1)


@pytest.fixture
def ids(ssl: SslService, emu: RunningEmulator) -> dict[str, str]:
    """Placeholder -> emulator id: www, api, old and legacy bound to CLBs, the others not."""
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
    found: dict[str, str] = {}
    for name in NAMES:
        cert, key = make_cert(f"{name}.example.com")
        # As a replacement's create marks it: the entry's owner, and the certificate it replaces (what up follows).
        tags = {"pulumi:owner": OWNER, "pulumi:replaces": found[PLACEHOLDERS["old"]]} if name == "new" else None
        found[PLACEHOLDERS[name]] = ssl.upload(public_key=cert, private_key=key, tags=tags).certificate_id
    for name in ("www", "api", "old", "legacy"):
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": found[PLACEHOLDERS[name]], "ResourceType": "clb",
                                                  "ResourceId": f"lb-{name}"})  # fmt: skip
    return found


def environ(emu: RunningEmulator) -> dict[str, str]:
    return {**emu.env(), "PATH": ""}  # no `pulumi`: the inputs are all the review reads


def test_the_seeds_reach_every_verdict(ids: dict[str, str], emu: RunningEmulator) -> None:
    # What the fuzz starts from is judged in full, so mutations start deep in the pre-flight and the renderers.
    preview, export = seed_documents()
    out = io.StringIO()
    assert check_review(Inputs(preview, export, ("utf-8", "utf-8"), (None, None), ()), environ(emu), ids, out) == 2
    comment = out.getvalue()
    assert "| `api` | **delete** |" in comment and "still bound to CLB: lb-api" in comment
    assert "| `guarded` | **delete** |" in comment and "protected: Pulumi refuses" in comment
    assert "up moves them to the new certificate (rotate)" in comment  # www
    assert "entry legacy-api adopts" in comment and "the rotation will be retried" in comment
    assert "retained: gone0001" in comment and "Expiring within 30 days" in comment


def one_mutated() -> st.SearchStrategy[Inputs]:
    """The seeds, one or both mutated."""
    return st.one_of(
        inputs_from(PREVIEW.flatmap(mutated), EXPORT),
        inputs_from(PREVIEW, EXPORT.flatmap(mutated)),
        inputs_from(PREVIEW.flatmap(mutated), EXPORT.flatmap(mutated)),
    )


def arbitrary() -> st.SearchStrategy[Inputs]:
    """Mostly arbitrary documents on both sides (in-process only, fast); sometimes a seed beside an arbitrary one."""
    return st.one_of(
        inputs_from(any_document(), any_document()),
        inputs_from(any_document(), any_document()),
        inputs_from(any_document(), any_document()),
        inputs_from(any_document(), any_document()),
        inputs_from(PREVIEW, any_document()),
        inputs_from(any_document(), EXPORT),
    )


def no_write_after(emu: RunningEmulator, before: int) -> None:
    assert not {c["Action"] for c in emu.calls()[before:]} & WRITE_ACTIONS


# Most mutations keep certificates to delete, so the pre-flight asks the emulator: about 0.5 s each at Tencent's
# 10 calls per second per action. make test runs a few dozen; make test-long hundreds.
@pytest.mark.reliability(
    area="bad-input",
    tried="mutations of previews and exports in the CLI's shape, and arbitrary JSON, in UTF-8, UTF-8 with a BOM and "
    "UTF-16, given to the review (seeded, bounded)",
    held="exit 0, 1 or 2 only; on 1 one `error:` line saying what is wrong, never a traceback; no write call",
)
@fuzz(40)
@given(case=one_mutated())
def test_mutated_previews_and_exports_never_crash_the_review(
    case: Inputs, ids: dict[str, str], emu: RunningEmulator
) -> None:
    before = len(emu.calls())
    check_review(case, environ(emu), ids)
    no_write_after(emu, before)


@fuzz(100)
@given(case=arbitrary())
def test_arbitrary_json_never_crashes_the_review(case: Inputs, ids: dict[str, str], emu: RunningEmulator) -> None:
    check_review(case, environ(emu), ids)


@pytest.mark.long
@fuzz(600)
@given(case=one_mutated())
def test_many_mutations_never_crash_the_review(case: Inputs, ids: dict[str, str], emu: RunningEmulator) -> None:
    before = len(emu.calls())
    check_review(case, environ(emu), ids)
    no_write_after(emu, before)


@pytest.mark.long
@fuzz(2000)
@given(case=arbitrary())
def test_much_arbitrary_json_never_crashes_the_review(case: Inputs, ids: dict[str, str], emu: RunningEmulator) -> None:
    check_review(case, environ(emu), ids)
