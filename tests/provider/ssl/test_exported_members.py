"""The package surface: every name callers import from ``provider.ssl``, and the exceptions' public path."""

from __future__ import annotations

import importlib

import pytest

import provider.ssl as package
from support.surface import imported_names, reexports


def test_exported_members() -> None:
    # `__all__` is exactly what the package takes from its modules, and each module exports what it gives.
    sources = reexports(package)
    assert sorted(package.__all__) == sorted(sources)
    for name, module in sources.items():
        assert name in importlib.import_module(f"provider.ssl.{module}").__all__, name
        assert getattr(package, name) is not None, name


def test_every_name_the_repo_imports_is_exported() -> None:
    # The rest of the repo, tests included, imports from provider.ssl only what it exports.
    assert imported_names("provider.ssl") <= set(package.__all__)


@pytest.mark.parametrize("module", ["errors", "models", "wire", "service", "delete_codes"])
def test_every_module_lists_what_it_defines(module: str) -> None:
    loaded = importlib.import_module(f"provider.ssl.{module}")
    assert set(loaded.__all__) <= set(dir(loaded))


def test_exceptions_keep_their_public_module_path() -> None:
    # Tracebacks a user sees and pickles name the exception by module and class: keep `provider.ssl.X`.
    errors = [obj for obj in vars(package).values() if isinstance(obj, type) and issubclass(obj, package.SslError)]
    assert len(errors) == 14
    for error in errors:
        assert error.__module__ == "provider.ssl", error
        assert getattr(package, error.__qualname__) is error
