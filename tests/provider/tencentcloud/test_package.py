"""The package surface and its boundaries: exported names, httpx confined to the transport, no import side effects."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import provider.tencentcloud as package
from support.surface import imported_names, reexports

PACKAGE_DIR = Path(package.__file__).parent


def test_exported_members() -> None:
    # `__all__`, the lazy table and the TYPE_CHECKING imports name the same things, from the same modules.
    sources = reexports(package)
    assert sorted(package.__all__) == sorted(sources)
    assert package._SOURCES == sources
    for name, module in sources.items():
        assert name in importlib.import_module(f"provider.tencentcloud.{module}").__all__, name
        assert getattr(package, name) is not None, name
    assert set(package.__all__) <= set(dir(package))


def test_every_name_the_repo_imports_is_exported() -> None:
    # The rest of the repo, tests included, imports from provider.tencentcloud only what it exports (or a module).
    assert imported_names("provider.tencentcloud") <= set(package.__all__)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        package.Nope  # noqa: B018
    assert not hasattr(package, "nope")


def test_importing_the_signer_loads_neither_the_client_nor_httpx() -> None:
    # The emulator imports the signer alone; the package's names load lazily, so httpx stays out of that process.
    code = (
        "import sys\n"
        "import provider.tencentcloud.signer\n"
        "loaded = {'httpx', 'httpcore', 'provider.tencentcloud.client', 'provider.tencentcloud.transport'}\n"
        "assert not loaded & set(sys.modules), sorted(loaded & set(sys.modules))\n"
        "from provider.tencentcloud import ApiError\n"
        "assert 'httpx' not in sys.modules\n"
        "from provider.tencentcloud import Client, ClientSettings, Credentials\n"
        "assert 'httpx' not in sys.modules\n"
        "Client(Credentials('id', 'key'), ClientSettings(endpoint='http://127.0.0.1:9')).close()\n"
        "assert 'httpx' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE_DIR.parents[1])


def test_the_program_and_the_provider_host_load_httpx_only_with_a_client() -> None:
    # Every preview and up starts both processes, and neither needs HTTP until a call is made (a preview makes none):
    # httpx would be a fifth of their import time.
    code = (
        "import sys\n"
        "import provider.program, provider.host.server, provider.certificate\n"
        "loaded = {'httpx', 'httpcore', 'provider.tencentcloud.transport'} & set(sys.modules)\n"
        "assert not loaded, sorted(loaded)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE_DIR.parents[1])


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_transport_imports_httpx() -> None:
    importers = {p.name for p in PACKAGE_DIR.glob("*.py") if {"httpx", "httpcore"} & _imports(p)}
    # client.py names httpx.BaseTransport in a TYPE_CHECKING block only (checked below).
    assert importers <= {"transport.py", "client.py"}
    client_source = (PACKAGE_DIR / "client.py").read_text()
    assert "if TYPE_CHECKING:\n    import httpx\n" in client_source
    assert client_source.count("import httpx") == 1


def test_nothing_above_the_package_is_imported() -> None:
    for path in PACKAGE_DIR.glob("*.py"):
        assert not {"pulumi", "provider", "emulator"} & _imports(path), path.name


def test_import_has_no_side_effects() -> None:
    # Importing must not open sockets or start threads (audit hooks see both), nor read TENCENTCLOUD_* variables.
    code = (
        "import os, sys\n"
        "def hook(event, args):\n"
        "    if event in ('socket.__new__', '_thread.start_new_thread'):\n"
        "        raise RuntimeError(f'import-time side effect: {event}')\n"
        "sys.addaudithook(hook)\n"
        "class Watched(dict):\n"
        "    def __getitem__(self, key):\n"
        "        assert not key.startswith('TENCENTCLOUD'), key\n"
        "        return super().__getitem__(key)\n"
        "    def get(self, key, default=None):\n"
        "        assert not key.startswith('TENCENTCLOUD'), key\n"
        "        return super().get(key, default)\n"
        "os.environ = Watched(os.environ)\n"
        "import provider.tencentcloud\n"
        "provider.tencentcloud.Client  # the lazily loaded names too\n"
        "import provider.tencentcloud.transport\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE_DIR.parents[1])
