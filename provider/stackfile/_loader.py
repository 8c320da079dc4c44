"""The stack file itself: its data checked by the schema, then ``defaults``, entries and the checks across entries.

A load reads the YAML into plain data (``_nodes``), judges its structure by the JSON Schema (``_structure``), and then
reads what the schema passed into ``CertificateSpec``s, with the checks no schema can make: the certificate files and
keys (``_sources``), durations in seconds and merged tags (``_options``), and, across entries, a certificate id
adopted twice and former names (``renamed_from``) that clash. Every problem of the file is reported at once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..fields import OPTIONS, SOURCES
from ..rules import parse_duration
from ._model import AdoptSource, CertificateSpec, CertType, Source, StackFile, StackFileError
from ._nodes import Loc
from ._options import OptionReader
from ._schema import ENTRY_NAME_PATTERN
from ._structure import check_structure

__all__ = ["ENTRY_NAME_PATTERN", "load_stack_file", "parse_duration"]

_SOURCE_KEYS = SOURCES  # each source is written under its own name
# Options valid both in an entry and in defaults: the registry's.
_SHARED_OPTIONS = tuple(f.key for f in OPTIONS)

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
        data = self.document(root)
        if id(root) in self.poisoned:
            return None
        check_structure(self, data)
        # A truncated or half-written file must not read as "no certificates", which would delete them all: the
        # schema requires the key, and without it nothing is declared.
        if not isinstance(data, dict) or "certificates" not in data:
            return None
        defaults = self.defaults(data.get("defaults"))
        certificates = self.certificates(data["certificates"], defaults)
        return StackFile(
            self.path, certificates, self.released(data.get("release"), data["certificates"], certificates)
        )

    def released(self, data: Any, entries: Any, specs: tuple[CertificateSpec, ...] = ()) -> tuple[str, ...]:
        """The names under ``release:``; one also declared under certificates cannot be let go of and kept, and one
        an entry's ``renamed_from`` takes over cannot be let go of as well (Pulumi would see the name twice)."""
        renamed = {old: spec.name for spec in specs for old in spec.renamed_from}
        if not isinstance(data, list) or self.blocked(("release",)):
            return ()
        names: list[str] = []
        for index, name in enumerate(data):
            if not isinstance(name, str) or not self.clean(("release", index)):
                continue
            if isinstance(entries, dict) and name in entries:
                self.report(
                    ("release", index),
                    f"{name!r} is also an entry under certificates: remove the entry to release its certificate, "
                    "or take the name out of release",
                )
                continue
            if name in renamed:
                self.report(
                    ("release", index),
                    f"{name!r} is also in the renamed_from of entry {renamed[name]!r}: an entry's former name moves "
                    f"its certificate to that entry; take it out of release, or out of {renamed[name]}'s renamed_from "
                    "to let go of the former entry's certificate instead",
                )
                continue
            names.append(name)
        return tuple(names)

    def document(self, root: yaml.Node) -> Any:
        """The file's plain data; ``x-*`` keys hold YAML anchors for reuse (as in docker-compose) and are not read."""
        self.root = root
        if not isinstance(root, yaml.MappingNode) or self.tag_problem(root, ""):
            return self.plain(root, "")
        pairs = self._merged_pairs(root, "")
        if pairs is None:
            self.poisoned.add(id(root))
            return None
        return {key.value: None if key.value.startswith("x-") else self.plain(value, key.value) for key, value in pairs}

    def defaults(self, data: Any) -> Defaults:
        values: Defaults = {}
        if not isinstance(data, dict) or self.blocked(("defaults",)):
            return values
        for key in _SHARED_OPTIONS:
            if key in data and self.clean(("defaults", key)):
                value = self.option(key, data[key], ("defaults", key))
                if value is not None:
                    values[key] = value
        return values

    # -- entries

    def certificates(self, data: Any, defaults: Defaults) -> tuple[CertificateSpec, ...]:
        if not isinstance(data, dict) or self.blocked(("certificates",)):
            return ()
        specs: list[CertificateSpec] = []
        renames: dict[str, str] = {}  # former name -> the entry claiming it
        adopted: dict[str, str] = {}  # certificate id -> the entry adopting it
        for name, entry in data.items():
            loc: Loc = ("certificates", name)
            if not isinstance(entry, dict) or self.blocked(loc):
                continue
            spec, former = self.entry(name, entry, defaults)
            for old, old_loc in former:
                if old in data:
                    # Pulumi finds an entry by its own name before any alias, so the other entry keeps its state.
                    self.report(
                        old_loc,
                        f"{old!r} is the name of another entry in this file, which keeps that name's certificate: "
                        "nothing would be renamed. To swap or chain names, rename through a name not in use, one "
                        "`pulumi up` per step",
                    )
                elif old in renames:
                    self.report(
                        old_loc,
                        f"{old!r} is already claimed by entry {renames[old]!r}: one certificate can move to one "
                        "entry only",
                    )
                else:
                    renames[old] = name
            if spec is None:
                continue
            if isinstance(spec.source, AdoptSource):
                # Two resources owning one certificate would delete it under each other.
                certificate_id = spec.source.certificate_id
                if certificate_id in adopted:
                    message = f"certificate {certificate_id} is already adopted by entry {adopted[certificate_id]!r}"
                    self.report(loc + ("adopt",), message)
                adopted.setdefault(certificate_id, name)
            specs.append(spec)
        return tuple(specs)

    def entry(
        self, name: str, entry: dict[str, Any], defaults: Defaults
    ) -> tuple[CertificateSpec | None, list[tuple[str, Loc]]]:
        """The spec (None without a source the schema passed) and the former names it claims, with their places."""
        loc: Loc = ("certificates", name)
        values: dict[str, Any] = {}
        for key in _SHARED_OPTIONS:
            if key in entry:
                if self.clean(loc + (key,)):
                    values[key] = self.option(key, entry[key], loc + (key,))
            elif key in defaults:
                values[key] = defaults[key]
        if values.get("tags") is not None:
            own = values["tags"] if "tags" in entry else {}
            tags_loc = loc + ("tags",) if "tags" in entry else None
            values["tags"] = self.merged_tags(own, defaults.get("tags"), tags_loc)
        alias = self.written(loc + ("alias",)) if "alias" in entry and self.clean(loc + ("alias",)) else ""
        cert_type: CertType = "CA" if entry.get("type") == "CA" and self.clean(loc + ("type",)) else "SVR"
        former = self.renamed_from(name, entry, loc)
        source = self.source(entry, loc, cert_type, bool(values.get("allow_expired")))
        if source is None:
            return None, former
        # An option neither the entry nor defaults set (or one refused) takes the spec's default, the schema's.
        options = {key: value for key, value in values.items() if value is not None}
        spec = CertificateSpec(
            name=name,
            source=source,
            alias=alias,
            cert_type=cert_type,
            renamed_from=tuple(old for old, _ in former),
            line=self.line_of(loc),
            **options,
        )
        return spec, former

    def line_of(self, loc: Loc) -> int:
        key = self.locate(loc)[0]
        assert key is not None
        return key.start_mark.line + 1

    def source(self, entry: dict[str, Any], loc: Loc, cert_type: CertType, allow_expired: bool) -> Source | None:
        """The entry's one source, when the schema passed it; the checks of each source given are made."""
        given = [key for key in _SOURCE_KEYS if key in entry]
        found: list[Source | None] = []
        for key in given:
            key_loc = loc + (key,)
            if key == "upload" and not self.blocked(key_loc):
                found.append(self.upload(entry["upload"], key_loc, cert_type, allow_expired))
            elif key == "adopt" and self.clean(key_loc):
                found.append(self.adopt(entry["adopt"], key_loc))
            elif key == "free" and self.clean(key_loc):
                found.append(self.free(entry["free"], key_loc))
        return found[0] if len(given) == 1 and len(found) == 1 else None

    def renamed_from(self, name: str, entry: dict[str, Any], loc: Loc) -> list[tuple[str, Loc]]:
        """Former names (``renamed_from`` or its synonym ``aliases``), which become Pulumi resource aliases."""
        key = next((key for key in ("renamed_from", "aliases") if key in entry), None)
        if key is None or self.blocked(loc + (key,)):
            return []
        value = entry[key]
        names = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        former: list[tuple[str, Loc]] = []
        for index, old in names:
            old_loc = loc + (key,) if index is None else loc + (key, index)
            if not self.clean(old_loc):
                continue
            if old == name:
                self.report(old_loc, "an entry cannot be renamed from its own name")
            else:
                former.append((old, old_loc))
        return former
