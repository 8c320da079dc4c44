"""Fuzzing the review's two JSON inputs: Hypothesis strategies and the property every run must hold.

The property: whatever `--preview-json` and `--state-json` hold, `python -m provider.review` (run in-process through
its `main`) exits 0, 1 or 2; prints no traceback; on 1 prints exactly one `provider.review: error: ...` line and
nothing on stdout, never the catch-all "failed unexpectedly" (that one means a bug the fuzz found); on 0 and 2 prints
a comment (or a JSON document) and nothing on stderr. The inputs are arbitrary JSON documents and mutations of real
documents (a value replaced by any JSON value, a key dropped, a list item doubled, one node moved to another place,
the text cut short), written in UTF-8, UTF-8 with a BOM or UTF-16 with a BOM.
"""

from __future__ import annotations

import codecs
import copy
import io
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from provider.review.cli import main
from provider.review.plan import CERTIFICATE_TYPE

__all__ = ["Inputs", "any_document", "check_review", "fuzz", "inputs_from", "json_values", "mutated"]


def fuzz(max_examples: int) -> settings:
    """Bounded and derandomised settings: the same examples in the same time on every run. The fixtures are shared
    by every example on purpose: the review only reads, so no example changes what the next one sees."""
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Values that steer the review down its branches, mixed into the random ones.
_MEANINGFUL = st.sampled_from(
    [
        CERTIFICATE_TYPE,
        "[secret]",
        "delete",
        "delete-replaced",
        "discard",
        "replace",
        "create-replacement",
        "create",
        "update",
        "same",
        "adopt",
        "free",
        "upload",
        "2026-12-10T00:00:00Z",
        "2026-12-10T00:00:00",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+14:00",
        "urn:pulumi:prod::tencent-ssl::" + CERTIFICATE_TYPE + "::www",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "[x](https://evil.example) @octocat <img src=x> |",
        "error: preview failed\n",
        'error: resource "urn:pulumi:p::p::t::n" cannot be deleted\nbecause it is protected',
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | _MEANINGFUL
)
#: Any JSON value (small).
json_values = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10) | _MEANINGFUL, inner, max_size=4),
    max_leaves=16,
)
_ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom"])


def any_document() -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents, some shaped like a preview or an export at their top."""
    shaped = st.fixed_dictionaries(
        {"steps": st.lists(json_values, max_size=4)}, optional={"config": json_values, "diagnostics": json_values}
    ) | st.fixed_dictionaries({"deployment": st.fixed_dictionaries({"resources": st.lists(json_values, max_size=4)})})
    return json_values | shaped


def _places(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a document, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found.append((node, key))
        _places(value, found)
    return found


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` with one to four changes, each at a place drawn from the document as it then is."""
    document = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 4))):
        places = _places(document, [])
        if not places:
            return draw(json_values)
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "replace", "drop", "double", "move"]))
        if action == "replace":
            container[key] = draw(json_values)
        elif action == "drop":
            del container[key]
        elif action == "double" and isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))
        elif action == "move":
            source, source_key = draw(st.sampled_from(places))
            container[key] = copy.deepcopy(source[source_key])
    return document


@dataclass(frozen=True)
class Inputs:
    """The two documents, how each file is written (encoding, cut short after so many bytes) and the options."""

    preview: Any
    state: Any
    encodings: tuple[str, str]
    cuts: tuple[int | None, int | None]
    args: tuple[str, ...]

    def files(self, ids: Mapping[str, str]) -> tuple[bytes, bytes]:
        """The bytes of the two files, each placeholder in ``ids`` replaced by its value (an emulator's id)."""
        preview, state = (
            _encoded(document, encoding, cut, ids)
            for document, encoding, cut in zip((self.preview, self.state), self.encodings, self.cuts, strict=True)
        )
        return preview, state


def _encoded(document: Any, encoding: str, cut: int | None, ids: Mapping[str, str]) -> bytes:
    text = json.dumps(document, ensure_ascii=False, allow_nan=True)
    for placeholder, value in ids.items():
        text = text.replace(placeholder, value)
    data = text.encode("utf-8", "surrogatepass")
    if encoding == "utf-8-sig":
        data = codecs.BOM_UTF8 + data
    elif encoding.startswith("utf-16"):
        name = encoding.removesuffix("-bom")
        bom = codecs.BOM_UTF16_LE if name == "utf-16-le" else codecs.BOM_UTF16_BE
        data = bom + text.encode(name, "surrogatepass")
    return data if cut is None else data[:cut]


_CUTS = st.none() | st.none() | st.none() | st.integers(0, 400)
_OPTIONS = st.sampled_from(
    [(), ("--format", "json"), ("--expiring-within", "0"), ("--expiring-within", "36500"), ("--max-chars", "1000")]
)


def inputs_from(previews: st.SearchStrategy[Any], states: st.SearchStrategy[Any]) -> st.SearchStrategy[Inputs]:
    """Two documents drawn from ``previews`` and ``states``, encoded, sometimes cut short, and the options."""
    return st.builds(
        Inputs,
        previews,
        states,
        st.tuples(_ENCODINGS, _ENCODINGS),
        st.tuples(_CUTS, _CUTS),
        _OPTIONS,
    )


def check_review(
    inputs: Inputs, environ: Mapping[str, str], ids: Mapping[str, str] | None = None, out: io.StringIO | None = None
) -> int:
    """Run the review on ``inputs`` (placeholders replaced by ``ids``) and assert the property; returns the exit
    status (stdout into ``out``)."""
    with tempfile.TemporaryDirectory() as tmp:
        preview, state = Path(tmp, "preview.json"), Path(tmp, "state.json")
        files = inputs.files(ids or {})
        preview.write_bytes(files[0])
        state.write_bytes(files[1])
        out, err = out or io.StringIO(), io.StringIO()
        argv = ["--preview-json", str(preview), "--state-json", str(state), *inputs.args]
        status = main(argv, environ=environ, stdout=out, stderr=err)
    said, printed = err.getvalue(), out.getvalue()
    assert status in (0, 1, 2), status
    assert "Traceback" not in said + printed
    if status == 1:
        assert printed == "" and said.startswith("provider.review: error") and said.count("\n") == 1, said
        assert "failed unexpectedly" not in said, said
    else:
        assert said == "" and printed.endswith("\n"), said
        if "--format" in inputs.args:
            assert json.loads(printed)["exit_code"] == status
        else:
            assert printed.startswith("<!-- tencent-ssl-review stack=")
        printed.encode("utf-8")  # what CI posts must be writable as UTF-8
    return status
