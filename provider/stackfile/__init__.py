"""Stack files: ``stacks/<stack>.yaml`` read and validated into typed certificate specs.

``load_stack_file(path)`` returns a ``StackFile`` or raises ``StackFileError`` carrying every problem found, each with
the file, line, column and field (``stacks/dev.yaml:12:9: certificates.www.alias: must be at most 200 characters``),
so an invalid file never reaches the cloud. The format is documented in ``docs/stack-file.md`` and mirrored, as far
as JSON Schema can express it, by ``stacks/stack.schema.json``.

This package knows nothing of HTTP or Pulumi. Private-key references (``SecretRef``) stay references; the program
resolves them (``resolve_secret`` for env/file/inline, the stack config for ``config``). No message, ``repr`` or
exception raised here contains key material.

Modules, by concern: ``_model`` (results and errors), ``_files`` (reading the stack file and the files it names),
``_compose`` (YAML text to nodes: scalar resolution, nesting and alias limits), ``_nodes`` (nodes to plain data and
back to positions, merge keys, YAML-level problems), ``_schema`` (the JSON Schema), ``_structure`` and ``_wording``
(the schema's errors as problems at their nodes, in the loader's words), ``_pem`` (certificates, keys), ``_sources``
(files, PEM and keys of upload, adopt and free), ``_options`` (durations, tags), ``_loader`` (the file, defaults,
entries, the checks across entries).
"""

from __future__ import annotations

from ..fields import DEFAULT_CREATE_TIMEOUT, DEFAULT_DELETE_TIMEOUT
from ._loader import ENTRY_NAME_PATTERN, load_stack_file, parse_duration
from ._model import (
    AdoptSource,
    CertificateSpec,
    CertType,
    FreeSource,
    Problem,
    SecretError,
    SecretKind,
    SecretRef,
    Source,
    StackFile,
    StackFileError,
    UploadSource,
)
from ._pem import MAX_PEM_BYTES, canonical_chain, resolve_secret
from ._sources import VALIDATION_METHODS

__all__ = [
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "ENTRY_NAME_PATTERN",
    "MAX_PEM_BYTES",
    "VALIDATION_METHODS",
    "AdoptSource",
    "CertType",
    "CertificateSpec",
    "FreeSource",
    "Problem",
    "SecretError",
    "SecretKind",
    "SecretRef",
    "Source",
    "StackFile",
    "StackFileError",
    "UploadSource",
    "load_stack_file",
    "canonical_chain",
    "parse_duration",
    "resolve_secret",
]
