"""The stack file itself: top level, ``defaults``, entries and their options, and the checks across entries."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..rules import DEFAULT_CREATE_TIMEOUT, DEFAULT_DELETE_TIMEOUT, parse_duration
from ._model import (
    AdoptSource,
    CertificateSpec,
    CertType,
    Source,
    StackFile,
    StackFileError,
)
from ._nodes import Item, describe, is_null, join, suggest
from ._options import OptionReader

__all__ = ["ENTRY_NAME_PATTERN", "load_stack_file", "parse_duration"]

# Pulumi resource names have few limits, but these names also end up in URNs, CLI output and file names.
ENTRY_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
_ENTRY_NAME = re.compile(ENTRY_NAME_PATTERN)

_TOP_KEYS = {"defaults", "certificates"}
_SOURCE_KEYS = ("upload", "adopt", "free")
# Options valid both in an entry and in defaults, with the CertificateSpec field each one sets.
_SHARED_OPTIONS = {
    "project_id": "project_id",
    "tags": "tags",
    "check_resources": "check_resources",
    "rotate": "rotate",
    "delete_timeout": "delete_timeout",
    "create_timeout": "create_timeout",
    "retain": "retain",
    "protect": "protect",
    "allow_expired": "allow_expired",
}
_ENTRY_ONLY = {"alias", "type", "renamed_from", "aliases"}
_ENTRY_KEYS = set(_SOURCE_KEYS) | set(_SHARED_OPTIONS) | _ENTRY_ONLY

Defaults = dict[str, Any]  # option name -> value read from `defaults:`


def load_stack_file(
    path: Path | str,
    *,
    environ: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
    read_secrets: bool = True,
    config: Callable[[str], str | None] | None = None,
) -> StackFile:
    """Read and validate a stack file; raise ``StackFileError`` with every problem found.

    ``environ`` (default ``os.environ``) serves ``{env: VAR}`` keys; ``now`` (default: the current time) decides
    expiry; with ``read_secrets=False`` env and file keys are neither read nor checked against their certificate.
    ``config`` (the Pulumi program passes the stack config) serves ``{config: KEY}`` keys, which are then checked like
    the others, with the line of the reference; without it they are left to the provider's check.
    """
    path = Path(path)
    reader = _StackReader(
        path,
        environ=os.environ if environ is None else environ,
        now=now or dt.datetime.now(dt.UTC),
        read_secrets=read_secrets,
        config=config,
    )
    result = reader.load()
    if reader.problems or result is None:
        raise StackFileError(reader.sorted_problems())
    return result


class _StackReader(OptionReader):
    """One read of one stack file."""

    def __init__(
        self,
        path: Path,
        *,
        environ: Mapping[str, str],
        now: dt.datetime,
        read_secrets: bool,
        config: Callable[[str], str | None] | None,
    ) -> None:
        super().__init__(
            str(path), base_dir=path.parent, environ=environ, now=now, read_secrets=read_secrets, config=config
        )
        self.path = path

    def load(self) -> StackFile | None:
        root = self.read_document(self.path)
        if root is None:
            if not self.problems:
                self.add(
                    None,
                    "",
                    "the stack file is empty; declare 'certificates:' "
                    "(an explicit empty 'certificates:' deletes every certificate of the stack)",
                )
            return None
        if not isinstance(root, yaml.MappingNode):
            self.add(root, "", f"the stack file must be a mapping with a 'certificates' key, not {describe(root)}")
            return None
        items = self.mapping(root, "")
        if items is None:
            return None
        for key, item in items.items():
            # x-* keys hold YAML anchors for reuse (as in docker-compose); everything else must be known.
            if key not in _TOP_KEYS and not key.startswith("x-"):
                self.add(item.key, key, suggest(key, _TOP_KEYS))
        defaults = self.defaults(items["defaults"].value) if "defaults" in items else {}
        if "certificates" not in items:
            # A truncated or half-written file must not read as "no certificates", which would delete them all.
            self.add(
                root,
                "certificates",
                "missing; list the stack's certificates under 'certificates:' "
                "(an empty 'certificates:' deletes them all)",
            )
            return None
        return StackFile(self.path, self.certificates(items["certificates"].value, defaults))

    def defaults(self, node: yaml.Node) -> Defaults:
        if is_null(node):
            return {}
        items = self.mapping(node, "defaults")
        if items is None:
            return {}
        values: Defaults = {}
        for key, item in items.items():
            path = join("defaults", key)
            if key in _SHARED_OPTIONS:
                value = self.option(key, item.value, path)
                if value is not None:
                    values[key] = value
            elif key in _ENTRY_KEYS:
                self.add(item.key, path, f"cannot be a default; set {key!r} in each certificate")
            else:
                self.add(item.key, path, suggest(key, _SHARED_OPTIONS))
        return values

    # -- entries

    def certificates(self, node: yaml.Node, defaults: Defaults) -> tuple[CertificateSpec, ...]:
        if is_null(node):
            return ()
        if isinstance(node, yaml.SequenceNode):
            self.add(node, "certificates", "must be a mapping of entry name to certificate, not a list")
            return ()
        items = self.mapping(node, "certificates")
        if items is None:
            return ()
        specs: list[CertificateSpec] = []
        renames: dict[str, str] = {}  # former name -> the entry claiming it
        adopted: dict[str, str] = {}  # certificate id -> the entry adopting it
        for name, item in items.items():
            spec, former = self.entry(name, item, defaults)
            for old, old_node in former:
                path = f"certificates.{name}.renamed_from"
                if old in items:
                    self.add(old_node, path, f"{old!r} is the name of another entry in this file")
                elif old in renames:
                    self.add(old_node, path, f"{old!r} is already claimed by entry {renames[old]!r}")
                else:
                    renames[old] = name
            if spec is None:
                continue
            if isinstance(spec.source, AdoptSource):
                # Two resources owning one certificate would delete it under each other.
                certificate_id = spec.source.certificate_id
                if certificate_id in adopted:
                    message = f"certificate {certificate_id} is already adopted by entry {adopted[certificate_id]!r}"
                    self.add(item.value, f"certificates.{name}.adopt", message)
                adopted.setdefault(certificate_id, name)
            specs.append(spec)
        return tuple(specs)

    def entry(
        self, name: str, item: Item, defaults: Defaults
    ) -> tuple[CertificateSpec | None, list[tuple[str, yaml.Node]]]:
        """The spec (None if the entry has a problem) and the former names it claims, for the cross-entry checks."""
        path = f"certificates.{name}"
        before = len(self.problems)
        if not _ENTRY_NAME.match(name):
            self.add(
                item.key,
                path,
                "entry names must be 1-63 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit",
            )
        if is_null(item.value):
            self.add(item.key, path, "is empty; give one of upload, adopt or free")
            return None, []
        items = self.mapping(item.value, path)
        if items is None:
            return None, []
        self.unknown_keys(items, _ENTRY_KEYS, path)

        values: dict[str, Any] = {}
        for key in _SHARED_OPTIONS:
            if key in items:
                values[key] = self.option(key, items[key].value, join(path, key))
            elif key in defaults:
                values[key] = defaults[key]
        if "tags" in values:
            own = values["tags"] if "tags" in items else {}
            values["tags"] = self.merged_tags(own, defaults.get("tags"), items.get("tags"), join(path, "tags"))
        alias = ""
        if "alias" in items:
            alias = self.alias(items["alias"].value, join(path, "alias")) or ""
        cert_type: CertType = "SVR"
        if "type" in items:
            if self.choice(items["type"].value, join(path, "type"), ("SVR", "CA")) == "CA":
                cert_type = "CA"
        former = self.renamed_from(name, items, path)
        source = self.source(items, item, path, cert_type, bool(values.get("allow_expired")))

        if source is None or len(self.problems) > before:
            return None, former
        spec = CertificateSpec(
            name=name,
            source=source,
            alias=alias,
            cert_type=cert_type,
            project_id=values.get("project_id", 0),
            tags=values.get("tags", {}),
            check_resources=values.get("check_resources", True),
            rotate=values.get("rotate", True),
            delete_timeout=values.get("delete_timeout", DEFAULT_DELETE_TIMEOUT),
            create_timeout=values.get("create_timeout", DEFAULT_CREATE_TIMEOUT),
            retain=values.get("retain", False),
            protect=values.get("protect", False),
            renamed_from=tuple(old for old, _ in former),
            allow_expired=values.get("allow_expired", False),
            line=item.key.start_mark.line + 1,
        )
        return spec, former

    def source(
        self, items: dict[str, Item], item: Item, path: str, cert_type: CertType, allow_expired: bool
    ) -> Source | None:
        """The entry's one source; every source given is checked, even two, so that one run reports everything."""
        given = [key for key in _SOURCE_KEYS if key in items]
        if not given:
            self.add(item.key, path, "needs one of upload, adopt or free")
        elif len(given) > 1:
            message = f"give exactly one of upload, adopt or free (this entry also has {given[0]!r})"
            self.add(items[given[1]].key, join(path, given[1]), message)
        found: list[Source | None] = []
        for key in given:
            if key == "upload":
                found.append(self.upload(items["upload"], join(path, "upload"), cert_type, allow_expired))
            elif key == "adopt":
                found.append(self.adopt(items["adopt"].value, join(path, "adopt")))
            else:
                if "type" in items and cert_type != "SVR":
                    self.add(items["type"].value, join(path, "type"), "free certificates are always SVR")
                found.append(self.free(items["free"].value, join(path, "free")))
        return found[0] if len(found) == 1 else None

    def renamed_from(self, name: str, items: dict[str, Item], path: str) -> list[tuple[str, yaml.Node]]:
        """Former names (``renamed_from`` or its synonym ``aliases``), which become Pulumi resource aliases."""
        keys = [key for key in ("renamed_from", "aliases") if key in items]
        if not keys:
            return []
        if len(keys) == 2:
            self.add(items["aliases"].key, join(path, "aliases"), "give renamed_from or aliases, not both")
        field_path = join(path, keys[0])
        node = items[keys[0]].value
        elements = self.sequence(node, field_path) if isinstance(node, yaml.SequenceNode) else [node]
        former: list[tuple[str, yaml.Node]] = []
        for element in elements or ():
            old = self.text(element, field_path, what="an entry name")
            if old is None:
                continue
            if not _ENTRY_NAME.match(old):
                self.add(element, field_path, f"{old!r} is not a valid entry name")
            elif old == name:
                self.add(element, field_path, "an entry cannot be renamed from its own name")
            elif old in (seen for seen, _ in former):
                self.add(element, field_path, f"{old!r} is listed twice")
            else:
                former.append((old, element))
        return former
