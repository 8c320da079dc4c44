"""The provider's settings are stated once: each variable the client reads has one config key, one default region."""

from __future__ import annotations

import inspect
from pathlib import Path

from provider import settings
from provider.ssl import SslService
from provider.tencentcloud import config, credentials

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_variable_the_client_reads_has_one_config_key() -> None:
    read = {
        value
        for module in (config, credentials)
        for name, value in vars(module).items()
        if name.startswith("ENV_") and isinstance(value, str)
    }
    assert sorted(settings.CONFIG_KEYS.values()) == sorted(read)
    assert set(settings.SECRET_CONFIG_KEYS) <= set(settings.CONFIG_KEYS)


def test_the_readme_lists_each_pair() -> None:
    text = README.read_text(encoding="utf-8")
    for key, variable in settings.CONFIG_KEYS.items():
        assert f"| `{variable}` | `{key}`" in text, key


def test_one_default_region() -> None:
    assert settings.DEFAULT_REGION is config.DEFAULT_REGION
    default = inspect.signature(SslService.__init__).parameters["region"].default
    assert default is config.DEFAULT_REGION
