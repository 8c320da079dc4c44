"""A package's public surface as the rest of the repository uses it: the names imported from it, found by reading
every Python file, so the package tests check ``__all__`` against its users without restating it."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

__all__ = ["REPO", "imported_names", "python_files", "reexports"]

REPO = Path(__file__).resolve().parents[2]


def python_files(root: Path = REPO) -> Iterator[Path]:
    """Every ``.py`` file below ``root``, outside hidden folders (``.venv``, caches)."""
    for path in sorted(root.rglob("*.py")):
        if not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path


def _module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, path: Path, root: Path) -> str:
    if node.level == 0:
        return node.module or ""
    package = _module_of(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imported_names(package: str, root: Path = REPO) -> set[str]:
    """Names imported with ``from <package> import name`` (absolute or relative) anywhere below ``root``, except
    the package's own submodules and imports inside the package itself."""
    names: set[str] = set()
    own_folder = root.joinpath(*package.split("."))
    for path in python_files(root):
        if own_folder in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and _absolute(node, path, root) == package:
                names.update(alias.name for alias in node.names)
    return {name for name in names if importlib.util.find_spec(f"{package}.{name}") is None}


def reexports(package: ModuleType) -> dict[str, str]:
    """Each name a package's ``__init__.py`` imports from one of its own modules (``from .module import name``,
    under ``TYPE_CHECKING`` too), with that module's name."""
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text())
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        for alias in node.names
    }
