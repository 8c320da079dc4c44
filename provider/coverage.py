"""No deploy onto a domain the certificate does not cover: host-name matching as TLS clients do it, and the check.

A rotation moves what is bound to the old certificate onto the new one; a new certificate for other names would
then be served on a domain it does not cover, and every client of that domain would refuse the connection. Before a
deploy record is started, each bound resource whose domain is known is matched against the new certificate's names
(``covers``), and the deploy is refused naming the resources it would break.

Matching follows RFC 6125 section 6.4 as browsers apply it (and the CA/Browser Forum's rules for wildcards): names
compare case-insensitively, a trailing dot aside; a wildcard is a whole left-most label, ``*.example.com``, and
stands for exactly one label: it covers ``a.example.com``, not ``example.com`` nor ``a.b.example.com``; a partial
label (``w*.example.com``) or a wildcard over a single label (``*.com``) covers nothing. Internationalised names
compare as given (A-labels such as ``xn--bcher-kva.example`` as Tencent lists them): no conversion is attempted.

Where a resource's domain is known: ``DescribeDeployedResources`` lists the resources of a type by id or by domain
(SSL API, ``DeployedResources.Resources``). The types keyed by their domain (CDN, WAF, live, VOD and EdgeOne
acceleration domains) are checked by that domain; CLB listeners (``lb-…|lbl-…``) by the domains of their rules,
which ``DescribeHostClbInstanceList`` lists with the ones Tencent finds the new certificate misses (both count). The
others (TKE, COS, API gateway …, a CLB listener without rule domains, or when that listing fails) are listed by id,
their domain is not known here, and they are not refused on that ground.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .errors import CertificateError
from .ssl import DeployedResources, SslService
from .ssl.deploy import ListenerDomains
from .tencentcloud.errors import TencentCloudError

__all__ = [
    "DOMAIN_KEYED_TYPES",
    "covers",
    "listener_misses",
    "missing_domains",
    "refuse_uncovered",
    "resource_domain",
    "uncovered",
]

#: Resource types DescribeDeployedResources lists by their domain.
DOMAIN_KEYED_TYPES = frozenset({"cdn", "waf", "live", "vod", "teo"})

# A DNS name (a leading "*." allowed): labels of letters, digits, hyphens (and underscores, seen in CDN names), and
# letters of a name given in its U-label form; at least two labels, so an id such as lb-7x3kq2|lbl-80 is none.
_LABEL = r"[\w-]{1,63}"
_HOST = re.compile(rf"(?:\*\.)?{_LABEL}(?:\.{_LABEL})+\.?")


def _normal(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _matches(pattern: str, host: str) -> bool:
    pattern, host = _normal(pattern), _normal(host)
    if not pattern or not host:
        return False
    if pattern == host:
        return True
    if not pattern.startswith("*.") or "*" in pattern[2:]:
        return False  # a partial-label wildcard (w*.example.com) matches nothing
    base = pattern[2:]
    if "." not in base:
        return False  # *.com: a wildcard over a top-level domain
    label, dot, rest = host.partition(".")
    # Exactly one label, itself no wildcard: a certificate for a.example.com does not serve the CDN's *.example.com.
    return bool(dot) and bool(label) and label != "*" and rest == base


def covers(names: Iterable[str], host: str) -> bool:
    """Whether a certificate for ``names`` (its common name and SANs) is valid for ``host``, as TLS matches it."""
    return any(_matches(name, host) for name in names)


def resource_domain(resource_type: str, resource: str) -> str | None:
    """The domain a bound resource serves, when DescribeDeployedResources lists it by domain; else ``None``."""
    if resource_type.lower() not in DOMAIN_KEYED_TYPES:
        return None
    name = resource.strip()
    return name if _HOST.fullmatch(name) else None


def uncovered(names: Sequence[str], bound: Iterable[DeployedResources]) -> list[tuple[str, str]]:
    """``(type, domain)`` of each bound resource with a known domain that ``names`` do not cover."""
    return [
        (group.resource_type, domain)
        for group in bound
        for resource in group.resources
        if (domain := resource_domain(group.resource_type, resource)) is not None and not covers(names, domain)
    ]


def listener_misses(names: Sequence[str], listeners: Iterable[ListenerDomains]) -> list[tuple[str, str]]:
    """``(listener, domain)`` of each CLB listener rule domain ``names`` do not cover, or Tencent says they miss."""
    return [
        (listener.resource_id, domain)
        for listener in listeners
        for domain in dict.fromkeys((*listener.domains, *listener.unmatched))
        if domain in listener.unmatched or not covers(names, domain)
    ]


def missing_domains(
    names: Sequence[str], bound: Iterable[DeployedResources], listeners: Iterable[ListenerDomains]
) -> list[str]:
    """Each bound resource (and CLB listener rule) whose domain ``names`` miss, as a refusal names it."""
    missing = [f"{kind.upper()} {domain}" for kind, domain in uncovered(names, bound)]
    return missing + [f"CLB listener {listener} ({domain})" for listener, domain in listener_misses(names, listeners)]


def refuse_uncovered(ssl: SslService, entry: str, old: str, new: str, bound: Sequence[DeployedResources]) -> None:
    """Raise ``CertificateError`` before a deploy of ``new`` onto a resource of ``old`` whose domain it misses.

    ``bound`` lists the resources (as a refused delete named them); without any they are read from Tencent Cloud.
    """
    resources = list(bound) or ssl.describe_deployed_resources([old], sorted(DOMAIN_KEYED_TYPES | {"clb"}))
    keyed = any(resource_domain(g.resource_type, r) for g in resources for r in g.resources)
    clb = any(g.resource_type == "clb" for g in resources)
    if not (keyed or clb):
        return
    names = ssl.describe_certificate_detail(new).domains
    listeners: list[ListenerDomains] = []
    if clb:
        try:
            listeners = ssl.clb_listeners_missed(old, new)
        except TencentCloudError:
            pass  # the listeners' domains cannot be known: not refused on that ground
    missing = missing_domains(names, resources, listeners)
    if not missing:
        return
    raise CertificateError(
        f"{entry}: refusing to deploy certificate {new} ({', '.join(names) or 'no domain'}) where certificate {old} "
        f"is bound: it does not cover {', '.join(missing)}, whose clients would reject it. Nothing was deployed or "
        f"deleted; certificate {old} stays in the stack and keeps serving them. Give the entry a certificate that "
        "covers these domains (or move those resources to another certificate first), then run `pulumi up` again"
    )
