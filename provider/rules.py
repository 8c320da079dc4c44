"""Tencent's limits on a certificate's alias and tags, and the provider's own tags: one source for both readers.

The stack-file loader (``provider.stackfile``) and the provider's ``check()`` (``provider.validation``) both judge
user input by these rules, so a file the loader accepts is never refused later by the provider, and the other way
round. Plain values and functions only: no Pulumi, no HTTP. A ``*_problem`` function returns what is wrong as a
phrase (``None`` when nothing is), and each caller places it in its own message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "CERTIFICATE_ID_PATTERN",
    "CLAIM_TAG",
    "CREATE_TAG",
    "DEPLOY_TAG",
    "DURATION_PATTERN",
    "RENEW_WINDOW_PATTERN",
    "MAX_ALIAS",
    "MAX_PROJECT_ID",
    "REGIONAL_TYPES",
    "REGION_LIST_PROBLEM",
    "REGION_PATTERN",
    "RESOURCE_TYPE_PATTERN",
    "MAX_TAG_KEY",
    "MAX_TAG_VALUE",
    "MAX_TAGS",
    "MAX_USER_TAGS",
    "OWNER_TAG",
    "PROVIDER_TAGS",
    "PROVIDER_TAGS_AT_ONCE",
    "REPLACES_SEPARATOR",
    "REPLACES_TAG",
    "RESERVED_TAG_PREFIXES",
    "TAG_SPECIALS",
    "VALIDATION_METHODS",
    "MAX_TIMEOUT",
    "alias_problem",
    "project_id_problem",
    "region_problem",
    "resource_type_problem",
    "certificate_id_problem",
    "free_domain",
    "is_duration",
    "parse_duration",
    "parse_renew_window",
    "renew_window_problem",
    "timeout_problem",
    "is_reserved_tag",
    "tag_key_problem",
    "tag_text_problem",
    "tag_value_problem",
    "user_tags",
    "split_replaced",
    "NO_RECORD",
    "WAITING_TAG",
    "waiting_mark",
]

# One run never waits longer than a day: a deletion task or a free certificate's validation still running then is
# resumed by the next `up` (the provider keeps their ids), so a longer wait would only hold a CI job hostage.
MAX_TIMEOUT = 24 * 3600

#: A duration with units (90s, 10m, 1h30m); also an ECMA-262 pattern, for the stack file's JSON Schema.
DURATION_PATTERN = r"^(?=[0-9])(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$"
#: Tencent certificate ids are 8 letters and digits (e.g. GjTNRoK7), in the console, the API and Terraform.
CERTIFICATE_ID_PATTERN = r"^[A-Za-z0-9]{8}$"
#: A renewal window in days (``30d``): how long before a certificate expires ``up`` renews it.
RENEW_WINDOW_PATTERN = r"^[0-9]+d$"
MAX_RENEW_WINDOW_DAYS = 366
# Matched whole (``fullmatch``), never stripped: the stack file's schema takes no spaces or line breaks around a value
# either, and check() must accept exactly what the loader accepts.
_DURATION = re.compile(DURATION_PATTERN)
_RENEW_WINDOW = re.compile(RENEW_WINDOW_PATTERN)
_CERTIFICATE_ID = re.compile(CERTIFICATE_ID_PATTERN)
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

VALIDATION_METHODS = ("DNS_AUTO", "DNS", "FILE")  # ApplyCertificate DvAuthMethod

#: Tencent project ids are 32-bit signed integers in the API (ProjectId: Integer); 0 is the default project.
MAX_PROJECT_ID = 2**31 - 1

#: Resource types whose deploy needs regions: UpdateCertificateInstance's ResourceTypesRegions, whose SDK model
#: (tencentcloud-sdk-python-ssl) lists exactly these. The product's one list (the emulator keeps its own, as Tencent).
REGIONAL_TYPES = ("clb", "tke", "apigateway", "waf", "tcb", "tse", "cos", "mqtt", "scf", "tdmq")
#: A resource type as the SSL API spells it (lower-case ASCII letters), and a region name (ap-guangzhou, na-ashburn,
#: ap-shanghai-fsi); also ECMA-262 patterns, for the stack file's JSON Schema.
RESOURCE_TYPE_PATTERN = r"^[a-z]+$"
REGION_PATTERN = r"^[a-z]+(-[a-z]+)+(-[0-9]+)?$"
REGION_LIST_PROBLEM = "must be a list of region names such as ap-guangzhou"
_RESOURCE_TYPE = re.compile(RESOURCE_TYPE_PATTERN)
_REGION = re.compile(REGION_PATTERN)

# Tencent documents no alias limit for UploadCertificate/ModifyCertificateAlias (the SDK's models say only
# "备注名称"); 200 is what the console accepts.
MAX_ALIAS = 200

#: Tag keys the provider writes on every certificate it creates; never user tags, kept on every tag change.
OWNER_TAG = "pulumi:owner"  # which stack and entry manage the certificate (provider.ownership)
CLAIM_TAG = "pulumi:claim"  # which create of that entry took it last (provider.ownership)
CREATE_TAG = "pulumi:create"  # a create still in flight (provider.creation)
REPLACES_TAG = "pulumi:replaces"  # the certificate a replacement replaces, written by its create (provider.rotation)
#: Separates the ids in ``pulumi:replaces``: the certificate replaced, then the pending deletions it took over. A
#: comma is allowed in Tencent tag values (https://www.tencentcloud.com/document/product/651/13354), never in an id.
REPLACES_SEPARATOR = ","
DEPLOY_TAG = "pulumi:deploy"  # on a replaced certificate: "<successor>/<deploy record>" of its rotation
#: ``pulumi:deploy`` on a certificate whose deletion failed before any rotation recorded a record: still, a certificate
#: of the entry that is waiting to be deleted (preview reports it, provider.rotation.waiting_deletions).
NO_RECORD = "none"
#: Written with ``pulumi:deploy`` (never on a certificate whose create is in flight): the stack part of the owner mark
#: (``waiting_mark``), one value for every waiting certificate of a stack, so that preview finds them all with one
#: exact key-and-value filter (Tencent documents no wildcard value: provider.sharing).
WAITING_TAG = "pulumi:waiting"
PROVIDER_TAGS = (OWNER_TAG, CLAIM_TAG, CREATE_TAG, REPLACES_TAG, DEPLOY_TAG, WAITING_TAG)
#: At most this many of them at once: pulumi:create and pulumi:waiting never are on the same certificate.
PROVIDER_TAGS_AT_ONCE = len(PROVIDER_TAGS) - 1

# Tencent's Tag limits: https://www.tencentcloud.com/document/product/651/13354. A resource holds 50 tags, five of
# which the provider keeps for itself (PROVIDER_TAGS_AT_ONCE).
MAX_TAGS = 50
MAX_USER_TAGS = MAX_TAGS - PROVIDER_TAGS_AT_ONCE
MAX_TAG_KEY = 127
MAX_TAG_VALUE = 255
#: Tencent reserves qcloud*, tencent*, project* and qcs:; the provider reserves pulumi:. Compared case-insensitively.
RESERVED_TAG_PREFIXES = ("qcloud", "tencent", "project", "qcs:", "pulumi:")
# ASCII and full-width, per the Tag doc.
TAG_SPECIALS = frozenset("+-=._:/@()[],;>< ") | frozenset("＋－＝／＠（）【】：")


def is_reserved_tag(key: str) -> bool:
    """Whether a tag key has a prefix Tencent or the provider reserves (so it is never a user tag)."""
    return key.lower().startswith(RESERVED_TAG_PREFIXES)


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags without the reserved ones (Tencent's system tags and the provider's own)."""
    return {k: v for k, v in tags.items() if not is_reserved_tag(k)}


def tag_text_problem(text: str, what: str, limit: int, *, allow_empty: bool) -> str | None:
    """What is wrong with a tag key or value ``text`` (``what`` names it in the phrase), or ``None``."""
    if not text:
        return None if allow_empty else f"{what} must not be empty"
    if len(text) > limit:
        return f"{what} must be at most {limit} characters (has {len(text)})"
    if text != text.strip(" "):
        return f"{what} must not start or end with a space"
    bad = sorted({ch for ch in text if not (ch.isalnum() or ch in TAG_SPECIALS)})
    if bad:
        shown = " ".join(repr(ch) for ch in bad[:5])
        return (
            f"{what} has characters Tencent does not allow in tags: {shown} "
            "(allowed: letters, digits, spaces, + - = . _ : / @ ( ) [ ] , ; > <)"
        )
    return None


def tag_key_problem(key: str, *, what: str = "tag key") -> str | None:
    """What is wrong with a user tag key: its text, or a reserved prefix; ``None`` when it is fine."""
    problem = tag_text_problem(key, what, MAX_TAG_KEY, allow_empty=False)
    if problem is None and is_reserved_tag(key):
        problem = f"tag key {key!r} uses a reserved prefix ({', '.join(RESERVED_TAG_PREFIXES)})"
    return problem


def tag_value_problem(value: str, *, what: str = "tag value") -> str | None:
    """What is wrong with a tag value (empty is allowed), or ``None``."""
    return tag_text_problem(value, what, MAX_TAG_VALUE, allow_empty=True)


def alias_problem(alias: str) -> str | None:
    """What is wrong with a certificate alias, as ``must ...``, or ``None``."""
    if len(alias) > MAX_ALIAS:
        return f"must be at most {MAX_ALIAS} characters (has {len(alias)})"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in alias):
        return "must not contain control characters or line breaks"
    return None


def project_id_problem(value: int) -> str | None:
    """What is wrong with a Tencent project id (a whole number), as ``must ...``, or ``None``."""
    if not 0 <= value <= MAX_PROJECT_ID:
        return f"must be a project id: 0 (the default project) or a positive integer up to {MAX_PROJECT_ID}"
    return None


def resource_type_problem(kind: str) -> str | None:
    """What is wrong with a resource type named in ``deploy_regions`` (``clb``, ``waf``...), or ``None``."""
    # ASCII only: str.isalpha() would take "clé", which no API type is and the schema's pattern refuses.
    return None if _RESOURCE_TYPE.fullmatch(kind) else f"{kind!r} is not a resource type such as clb or waf"


def region_problem(region: str) -> str | None:
    """What is wrong with a region name in ``deploy_regions``, or ``None``."""
    return None if _REGION.fullmatch(region) else f"{region!r} is not a region name such as ap-guangzhou"


def parse_duration(text: str) -> int:
    """``90s``, ``10m``, ``1h30m`` -> seconds; raises ``ValueError`` for anything else (a unit is required)."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 90s, 10m or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def is_duration(text: str) -> bool:
    """Whether ``text`` is a duration as the stack file writes it: exactly (no spaces or line break around it)."""
    return _DURATION.fullmatch(text) is not None


def timeout_problem(seconds: float) -> str | None:
    """What is wrong with a create or delete timeout of ``seconds``, as ``must ...``, or ``None``."""
    if not 1 <= seconds <= MAX_TIMEOUT:
        return "must be between 1s and 24h (a wait still running then is resumed by the next `pulumi up`)"
    return None


def certificate_id_problem(value: str) -> str | None:
    """What is wrong with a Tencent certificate id, as ``must ...``, or ``None``."""
    if not _CERTIFICATE_ID.fullmatch(value):
        return f"must be a Tencent certificate id (8 letters or digits, e.g. GjTNRoK7), not {value!r}"
    return None


def free_domain(value: str) -> tuple[str | None, str | None]:
    """A free certificate's domain in its one spelling (lower case, no final dot, punycode), or why it is not one.

    Returns ``(domain, None)`` or ``(None, problem)``. Tencent's free DV certificates are for one host name each:
    no wildcard.
    """
    domain = value.lower().removesuffix(".")
    if domain.startswith("*."):
        return None, "free certificates cannot be wildcards; list each host name as its own entry"
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None, f"{value!r} is not a valid domain name"
    labels = domain.split(".")
    if (
        len(domain) > 253
        or len(labels) < 2
        or not all(_DNS_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        return None, f"{value!r} is not a valid domain name (e.g. shop.example.com)"
    return domain, None


def parse_renew_window(text: str) -> int:
    """``30d`` -> seconds; raises ``ValueError`` for anything else."""
    if not _RENEW_WINDOW.fullmatch(text):
        raise ValueError(f"{text!r} is not a number of days such as 30d")
    return int(text[:-1]) * 86400


def renew_window_problem(text: str) -> str | None:
    """What is wrong with a ``renew_before`` window, as ``must ...``/``is ...``, or ``None``."""
    try:
        days = parse_renew_window(text) // 86400
    except ValueError as error:
        return str(error)
    if not 1 <= days <= MAX_RENEW_WINDOW_DAYS:
        return f"must be between 1d and {MAX_RENEW_WINDOW_DAYS}d, not {text!r}"
    return None


def split_replaced(value: str) -> list[str]:
    """The ids a ``pulumi:replaces`` value (or a ``replaces`` output) names, in order."""
    return [part.strip() for part in value.split(REPLACES_SEPARATOR) if part.strip()]


def waiting_mark(owner: str) -> str:
    """The ``pulumi:waiting`` value of a certificate whose owner mark is ``owner``: its stack part (the hash before
    the dot, ``provider.ownership.owner_token``), the same for every entry of the stack, 12 hex characters. A token of
    an older version has no dot: the whole token, one entry's ("" for no owner: never written, never read)."""
    return owner.partition(".")[0]
