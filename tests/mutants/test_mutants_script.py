"""scripts/mutants.py's table against the tree: every mutant still applies (so `make mutants` tests what it names),
every test it lists exists, and docs/MUTANTS.md reports a run of exactly these mutants with none surviving."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutants_script", REPO / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


mutants = _load()
NAMES = [m.name for m in mutants.MUTANTS]


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=NAMES)
def test_each_mutant_applies_once_compiles_and_is_undone_exactly(mutant: Any, tmp_path: Path) -> None:
    for name, _, _ in mutant.edits:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tmp_path / name)
    originals = mutants.apply(tmp_path, mutant)
    for name, old, new in mutant.edits:
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert new in text and old != new, f"{mutant.name} did not change {name}"
        # A mutant must break behaviour, not the syntax: a module that no longer compiles fails every test for a
        # reason that proves nothing.
        compile(text, name, "exec")
    mutants.restore(originals)
    for name, _, _ in mutant.edits:
        assert (tmp_path / name).read_bytes() == (REPO / name).read_bytes()


def test_a_mutant_whose_code_moved_is_refused_naming_it(tmp_path: Path) -> None:
    mutant = mutants.MUTANTS[0]
    (tmp_path / mutant.path).parent.mkdir(parents=True)
    (tmp_path / mutant.path).write_text("# the code moved\n", encoding="utf-8")
    with pytest.raises(mutants.MutantMoved, match=f"mutant {mutant.name}: its old text is not in {mutant.path}"):
        mutants.apply(tmp_path, mutant)
    assert (tmp_path / mutant.path).read_text(encoding="utf-8") == "# the code moved\n"


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=NAMES)
def test_every_listed_test_exists(mutant: Any) -> None:
    assert mutant.tests, f"{mutant.name} lists no test to catch it"
    for test in mutant.tests:
        path, _, name = test.partition("::")
        assert (REPO / path).is_file(), f"{mutant.name}: {path} does not exist"
        if name:
            function = name.split("[", 1)[0]
            source = (REPO / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {re.escape(function)}\(", source, re.MULTILINE), f"{mutant.name}: {test}"


def test_the_document_reports_a_run_of_exactly_these_mutants_all_caught() -> None:
    document = (REPO / "docs" / "MUTANTS.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \|[^\n]*\| (caught|\*\*survived\*\*)[^|]*\|", document, re.MULTILINE)
    assert [name for name, _ in rows] == NAMES
    assert {result for _, result in rows} == {"caught"}
    assert f"{len(NAMES)} of {len(NAMES)} mutants caught" in document
