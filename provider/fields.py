"""The certificate's fields, each declared once: the registry every other table of fields is derived from.

One ``Field`` per certificate field says what it is (``kind``: the rule and reading it gets), its default, which
sources have it, whether changing it replaces the certificate, updates the cloud object in place or only steers the
provider (and whether it is bookkeeping, changing it alone no step), whether it is secret, where the stack file
writes it and what it means to a user. Derived from it, elsewhere:

- ``provider.inputs``: ``CertificateInputs``' defaults and metadata, ``REPLACE_FIELDS``, ``NO_STEP_FIELDS``,
  ``SECRET_FIELDS``, how values are read and compared;
- ``provider.validation``: ``check()``'s value check per property;
- ``provider.stackfile``: the options an entry and ``defaults`` share, their JSON Schema (``stacks/stack.schema.json``)
  and how their problems are worded;
- the options table of docs/stack-file.md (``python -m provider.fields docs/stack-file.md`` rewrites it; a test
  compares the committed text).

A field's rule is one of ``provider.rules``' problem functions, which the stack-file loader and ``check()`` both apply,
so the two accept and refuse the same values. Plain data only: this module imports nothing above ``provider.rules``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from . import rules

__all__ = [
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "FIELDS",
    "INPUTS",
    "KEY_ORIGINS",
    "OPTIONS",
    "SOURCES",
    "Field",
    "Kind",
    "by_key",
    "by_name",
    "meaning",
    "options_table",
    "schema_description",
    "with_options_table",
]

SOURCES = ("upload", "adopt", "free")
#: The ways a stack file gives an uploaded certificate's private key (``private_key_from``, which policy packs read).
KEY_ORIGINS = ("file", "env", "config", "inline")

#: Seconds (the input schema's unit, a float as the engine sends numbers): a deletion waits at most 10 minutes unless
#: told otherwise (README, Deletion); a creation waits as long for an upload to be usable or a free certificate issued.
DEFAULT_DELETE_TIMEOUT = 600.0
DEFAULT_CREATE_TIMEOUT = 600.0

#: What a field's value is, which decides its rule, how it is read from the engine and compared, its JSON Schema in
#: the stack file and how a stack-file problem with it is worded.
Kind = Literal[
    "label",  # bookkeeping text the resource sets (no check)
    "text",  # free text
    "alias",  # the console's remark name
    "flag",  # true or false
    "project",  # a Tencent project id
    "tags",  # user tags
    "regions",  # resource type -> regions
    "window",  # days before expiry, e.g. 30d
    "duration",  # seconds, or text such as 10m
    "pem",  # PEM text
    "choice",  # one of ``choices``
    "certificate_id",  # a Tencent certificate id
    "domain",  # a free certificate's host name
    "names",  # former entry name -> ownership token
    "resource_option",  # a Pulumi resource option only (no input property)
]


@dataclass(frozen=True)
class Field:
    """One certificate field. ``name`` is its input property (and ``CertificateSpec`` attribute) name."""

    name: str
    kind: Kind
    default: Any
    doc: str  # what the field is, in one phrase (for code: the input schema)
    sources: tuple[str, ...] = SOURCES
    replace: bool = False  # changing it creates a new certificate and deletes the old one
    in_place: bool = False  # an attribute of the cloud object that an update changes in place
    step: bool = True  # False: bookkeeping, only read at create time or in messages: changing it alone is no step
    secret: bool = False  # a Pulumi secret end to end
    given: bool = False  # always sent by the resource or required: ``check`` fills in no default
    required: bool = False  # its source cannot do without it (the field that says which source it is)
    quiet: bool = False  # the resource leaves it out while it holds its default (``check`` fills it in)
    choices: tuple[str, ...] = ()
    key: str = ""  # the stack-file key below an entry ("" when the file does not write it)
    option: bool = False  # ``defaults:`` may set it too
    shown_key: str = ""  # the options table's first column, when not just the key
    shown_default: str = ""  # the default as the options table says it
    help: str = ""  # what it means to a user (markdown): the options table and the JSON Schema's description

    @property
    def steers(self) -> bool:
        """Whether it only steers the provider (how to delete, rotate, wait...): no input of the cloud object."""
        return not (self.replace or self.in_place)

    @property
    def is_input(self) -> bool:
        """Whether it is an input property of the resource (not a Pulumi resource option only)."""
        return self.kind != "resource_option"

    @property
    def choice_text(self) -> str:
        """``SVR or CA``, ``DNS_AUTO, DNS or FILE``."""
        return " or ".join([", ".join(self.choices[:-1]), self.choices[-1]]) if self.choices else ""


def _flag_default(value: bool) -> str:
    return "true" if value else "false"


FIELDS: tuple[Field, ...] = (
    # -- what the user writes, in the order docs/stack-file.md lists the options
    Field(
        "alias",
        "alias",
        "",
        "the certificate's remark name in the console",
        in_place=True,
        key="alias",
        shown_default='`""`',
        help=f"The certificate's name in the console, at most {rules.MAX_ALIAS} characters.",
    ),
    Field(
        "certificate_type",
        "choice",
        "SVR",
        "SVR (server) or CA",
        sources=("upload",),
        replace=True,
        choices=("SVR", "CA"),
        key="type",
        shown_default="`SVR`",
        help="`SVR` (server certificate) or `CA` (a CA certificate, e.g. for client authentication).",
    ),
    Field(
        "project_id",
        "project",
        0,
        "the Tencent Cloud project",
        in_place=True,
        key="project_id",
        option=True,
        shown_default="`0`",
        help=f"Tencent Cloud project: `0` (the default project) up to {rules.MAX_PROJECT_ID}.",
    ),
    Field(
        "tags",
        "tags",
        {},
        "user tags",
        in_place=True,
        key="tags",
        option=True,
        shown_default="`{}`",
        help=f"Tags, at most {rules.MAX_USER_TAGS} (Tencent allows {rules.MAX_TAGS}; the provider keeps "
        f"{rules.MAX_TAGS - rules.MAX_USER_TAGS}), see [Tags](#tags). In an entry, a key set to null removes a tag "
        "the defaults set.",
    ),
    Field(
        "check_resources",
        "flag",
        True,
        "DeleteCertificate with IsCheckResource: refuse while bound",
        key="check_resources",
        option=True,
        help="Delete with `IsCheckResource`: Tencent refuses to delete a certificate still bound to a CLB, CDN, WAF, "
        "… and `up` fails, naming it, instead of breaking those services. `false` deletes without the check.",
    ),
    Field(
        "renew_before",
        "window",
        "",
        "renew (free) or warn (upload) this long before expiry, e.g. 30d",
        step=False,
        quiet=True,
        key="renew_before",
        option=True,
        shown_default="none",
        help=f'Days before expiry, e.g. `30d` (1d to {rules.MAX_RENEW_WINDOW_DAYS}d); `""` is none, e.g. to turn '
        "off a window `defaults` sets. A free certificate inside the "
        "window is renewed by a plain `pulumi up`: preview plans a replacement and says why, `up` applies for a new "
        "one, waits for it, moves the deployments (`rotate`) and deletes the old one. For an uploaded certificate "
        "inside the window, preview warns with the entry and the date.",
    ),
    Field(
        "deploy_regions",
        "regions",
        {},
        "resource type -> regions a rotation deploys in",
        quiet=True,
        key="deploy_regions",
        option=True,
        shown_default="the stack's region",
        help="For a rotation: resource type → the regions the new certificate is deployed in, for Tencent's "
        f"regional types ({', '.join(f'`{t}`' for t in rules.REGIONAL_TYPES)}), e.g. "
        "`{clb: [ap-guangzhou, ap-shanghai]}`. Other types are not regional. Read from the current file when the "
        "old certificate's deletion runs, so a region added after a failed rotation counts on the next `up`.",
    ),
    Field(
        "rotate",
        "flag",
        True,
        "before deleting a replaced certificate, move what is bound to it to its successor",
        quiet=True,
        key="rotate",
        option=True,
        help="When the entry's certificate is replaced (a renewal: new body and key) and the old one is still bound "
        "to cloud resources, move them to the new certificate with Tencent's one-click update (a deploy record) "
        "before deleting the old one; never onto a domain the new certificate does not cover (checked for resources "
        "listed by domain, CDN, WAF, live, VOD, EdgeOne, and CLB listeners' rule domains; see README, \"Renewing a "
        'certificate that is in use"). `false`: the old behaviour, the delete is refused while bound. The value '
        "recorded in the state is the one that counts, so turn it off in an `up` before the replacement.",
    ),
    Field(
        "delete_timeout",
        "duration",
        DEFAULT_DELETE_TIMEOUT,
        "seconds one run waits for a deletion task",
        key="delete_timeout",
        option=True,
        help="How long a deletion waits for Tencent's deletion task before `up` fails (the certificate then stays "
        "in the stack and the next `up` retries). A replaced certificate's deletion takes it from the current file; "
        "a removed entry keeps the value it had.",
    ),
    Field(
        "create_timeout",
        "duration",
        DEFAULT_CREATE_TIMEOUT,
        "seconds one run waits for a certificate to be usable",
        step=False,
        quiet=True,
        key="create_timeout",
        option=True,
        help="How long a creation waits for the certificate to be ready, or for a free certificate to be issued.",
    ),
    Field(
        "retain",
        "flag",
        False,
        "the stack file's retain: the certificate stays in Tencent Cloud when removed or replaced",
        step=False,
        quiet=True,
        key="retain",
        option=True,
        help="`true`: removing the entry (or destroying the stack) leaves the certificate in the cloud (the run "
        "that removes the entry says so, with the certificate's id and how to adopt it again); so does a "
        "replacement (a renewal): the old certificate is kept as it is, nothing is moved to the new one. Set on an "
        "entry whose replaced certificate Tencent refuses to delete (still pending from an earlier run), it lets go "
        "of that certificate: it leaves the state, undeleted.",
    ),
    Field(
        "protect",
        "resource_option",
        False,
        "Pulumi's protect option",
        key="protect",
        option=True,
        help="`true`: Pulumi refuses to delete or replace the certificate until this is turned off.",
    ),
    Field(
        "allow_expired",
        "flag",
        False,
        "upload an expired certificate",
        sources=("upload",),
        step=False,
        quiet=True,
        key="allow_expired",
        option=True,
        help="`true`: accept an expired certificate for upload.",
    ),
    Field(
        "renamed_from",
        "names",
        {},
        "the entry's former names (renamed_from), each with its ownership token (provider.renames)",
        step=False,
        given=True,
        shown_key="`renamed_from` / `aliases`",
        shown_default="`[]`",
        help="Former entry names, see [Entry names](#entry-names).",
    ),
    # -- the source of the certificate (the stack file's upload, adopt and free)
    Field(
        "source",
        "choice",
        "upload",
        "upload, adopt or free: where the certificate comes from",
        replace=True,
        given=True,
        choices=SOURCES,
    ),
    Field(
        "certificate",
        "pem",
        "",
        "PEM body, chain included",
        sources=("upload",),
        replace=True,
        given=True,
        required=True,
        key="upload.certificate",
    ),
    Field(
        "private_key",
        "pem",
        "",
        "PEM private key (a CA certificate has none)",
        sources=("upload",),
        replace=True,
        secret=True,
        given=True,
        key="upload.private_key",
    ),
    Field(
        "private_key_from",
        "choice",
        "",
        "how the stack file gives the private key: file, env, config or inline (for policy packs; never the key)",
        sources=("upload",),
        step=False,
        given=True,
        choices=KEY_ORIGINS,
    ),
    Field(
        "adopt_id",
        "certificate_id",
        "",
        "the id of the certificate to adopt",
        sources=("adopt",),
        replace=True,
        given=True,
        required=True,
        key="adopt.id",
    ),
    Field(
        "take_over",
        "flag",
        False,
        "adopt even from another stack",
        sources=("adopt",),
        step=False,
        quiet=True,
        key="adopt.take_over",
    ),
    Field(
        "free_domain",
        "domain",
        "",
        "the host name of a free DV certificate",
        sources=("free",),
        replace=True,
        given=True,
        required=True,
        key="free.domain",
    ),
    Field(
        "free_validation",
        "choice",
        "DNS_AUTO",
        "DNS_AUTO, DNS or FILE",
        sources=("free",),
        replace=True,
        quiet=True,
        choices=rules.VALIDATION_METHODS,
        key="free.validation",
    ),
    # -- bookkeeping the resource sets
    Field("entry", "label", "certificate", "the stack-file entry (for messages)", step=False, given=True),
    Field("owner", "label", "", "the entry's ownership token (provider.ownership)", step=False, given=True),
    Field(
        "stack_file", "text", "", "the stack file a renamed entry is written in (for messages)", step=False, given=True
    ),
)

#: The input properties (every field but the Pulumi resource options).
INPUTS: tuple[Field, ...] = tuple(f for f in FIELDS if f.is_input)
#: The options an entry and ``defaults:`` share, in the stack file.
OPTIONS: tuple[Field, ...] = tuple(f for f in FIELDS if f.option)

_BY_NAME = {f.name: f for f in FIELDS}
_BY_KEY = {f.key: f for f in FIELDS if f.key}


def by_name(name: str) -> Field:
    """The field whose input property (or resource option) is ``name``."""
    return _BY_NAME[name]


def by_key(key: str) -> Field | None:
    """The field the stack file writes at ``key`` (below an entry, e.g. ``renew_before``, ``adopt.id``), if any."""
    return _BY_KEY.get(key)


_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_TRUE_OR_FALSE = "true or false only: yes/no/on/off are text, not booleans."


def _shown_default(f: Field) -> str:
    if f.shown_default:
        return f.shown_default
    if isinstance(f.default, bool):
        return f"`{_flag_default(f.default)}`"
    if f.kind == "duration":
        return f"`{int(f.default) // 60}m`"
    return f"`{f.default}`"


def meaning(f: Field) -> str:
    """What the field means to a user: its help, and what changing it does to the certificate."""
    if f.replace:
        return f"{f.help} Changing it replaces the certificate."
    return f"{f.help} Updated in place." if f.in_place else f.help


def schema_description(f: Field) -> str:
    """The field's description in the stack file's JSON Schema: its meaning, with its default, as plain text."""
    text = _LINK.sub(r"\1", meaning(f))
    default = _shown_default(f).replace("`", "")
    text += f" Default: {default}."
    if f.kind in ("flag", "resource_option"):
        text += f" {_TRUE_OR_FALSE}"
    return text


def options_table(fields: Iterable[Field] = FIELDS) -> str:
    """The options table of docs/stack-file.md (markdown): every field the stack file writes with a help text."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    for f in fields:
        if f.help:
            rows.append(f"| {f.shown_key or f'`{f.key}`'} | {_shown_default(f)} | {meaning(f)} |")
    return "\n".join(rows) + "\n"


#: The lines around the generated table in docs/stack-file.md.
TABLE_START = "<!-- options table: generated from provider/fields.py by `python -m provider.fields`; do not edit -->"
TABLE_END = "<!-- end of the options table -->"


def with_options_table(document: str, fields: Iterable[Field] = FIELDS) -> str:
    """``document`` (docs/stack-file.md) with the table between its markers replaced by the current one."""
    start, end = document.index(TABLE_START) + len(TABLE_START), document.index(TABLE_END)
    return f"{document[:start]}\n{options_table(fields)}{document[end:]}"


def main(argv: Sequence[str]) -> int:
    """``python -m provider.fields [DOC]``: print the options table, or rewrite it in DOC (docs/stack-file.md)."""
    if not argv:
        sys.stdout.write(options_table())
        return 0
    path = Path(argv[0])
    path.write_text(with_options_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
