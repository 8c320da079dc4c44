"""Which ``tencentcloud:*`` settings the engine gave the provider from the state rather than from the stack's file.

``refresh`` and ``destroy`` without ``--run-program`` do not run the program: the engine loads the stack's default
provider from the state and configures it with the config the last ``up`` recorded there, and never calls
CheckConfig first, as it does for a provider the program registers. A ``tencentcloud:*`` value changed since would
then be ignored without a word; ``stale_settings`` compares the recorded values with ``Pulumi.<stack>.yaml`` so the
host can say so. Values are compared, never quoted: some are credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from provider.settings import CONFIG_KEYS

__all__ = ["stack_of", "stale_settings", "stale_settings_warning"]


def stale_settings(recorded: Mapping[str, Any], urn: str, directory: Path) -> list[str]:
    """The ``tencentcloud:*`` keys whose value in the stack's config file differs from ``recorded`` (a secret in the
    file: only whether it is set). Empty when the file cannot be found or read: nothing to compare with."""
    stack = stack_of(urn)
    if not stack:
        return []
    config = _file_config(_config_dir(directory) / f"Pulumi.{stack}.yaml")
    if config is None:
        return []
    # An ESC environment can supply values the file does not list: then only values the file lists are compared.
    complete = "environment" not in config
    values = config.get("config")
    values = values if isinstance(values, dict) else {}
    stale = []
    for key in CONFIG_KEYS:
        have = _text(recorded.get(key))
        want = values.get(key)
        if isinstance(want, dict) and "secure" in want:
            changed = have is None
        elif want is None:
            changed = have is not None and complete
        else:
            changed = have != _text(want)
        if changed:
            stale.append(key)
    return stale


def stale_settings_warning(keys: list[str], urn: str) -> str:
    """What the host prints when ``keys`` (from ``stale_settings``) is not empty."""
    return (
        "warning: this run reaches Tencent Cloud with the settings the last `up` recorded in the stack's state, not "
        f"those in Pulumi.{stack_of(urn)}.yaml, which differ for {', '.join(keys)}: without --run-program, "
        "`refresh` and `destroy` do not run the program and the engine gives the provider the recorded config. To "
        "use the file's settings, run it again with --run-program (or run `pulumi up` first)"
    )


def stack_of(urn: str) -> str:
    """The stack name in a URN (``urn:pulumi:<stack>::<project>::...``); empty if it is not one."""
    if not urn.startswith("urn:pulumi:"):
        return ""
    return urn.removeprefix("urn:pulumi:").split("::", 1)[0]


def _config_dir(directory: Path) -> Path:
    """Where the stack config files are: the project's ``stackConfigDir``, or beside ``Pulumi.yaml``."""
    project = _file_config(directory / "Pulumi.yaml") or _file_config(directory / "Pulumi.yml") or {}
    sub = project.get("stackConfigDir")
    return directory / sub if isinstance(sub, str) and sub else directory


def _file_config(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _text(value: Any) -> str | None:
    """A config value as the engine passes it (a string); YAML's ``true`` is the CLI's ``"true"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None
