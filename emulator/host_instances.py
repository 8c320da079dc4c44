"""DescribeHostClbInstanceList: the CLB listeners a certificate would be deployed to, and whether it matches them.

Tencent lists, for the certificate to deploy (``CertificateId``), the account's CLB instances with their HTTPS
listeners and each listener's rules, the domain of each rule, whether the certificate matches it (``IsMatch``) and
the domains it does not match (``NoMatchDomains``, per rule and per listener); ``OldCertificateId`` keeps the
listeners that certificate is bound to, and the ``domainMatch`` filter ("1", the default, or "0") the listeners that
match or not (SDK model DescribeHostClbInstanceListRequest). The emulator's listeners are the admin API's ``clb``
bindings (``lb-x|lbl-y``) with the ``Domains`` given when they were bound (a listener bound without domains has no
rules and matches). Matching is the TLS rule: case-insensitive, a wildcard is one whole left-most label.
"""

from __future__ import annotations

from typing import Any

from emulator.context import SSL, Context, action
from emulator.errors import invalid_value, missing, not_found
from emulator.params import Int, List, Obj, Str

__all__ = ["ACTIONS", "name_matches"]

_LIMIT = 10


def name_matches(pattern: str, host: str) -> bool:
    """Whether a certificate name ``pattern`` is valid for ``host`` (RFC 6125 6.4: one-label left-most wildcards)."""
    pattern, host = pattern.strip().rstrip(".").lower(), host.strip().rstrip(".").lower()
    if pattern == host:
        return bool(host)
    if not pattern.startswith("*.") or "*" in pattern[2:] or "." not in pattern[2:]:
        return False
    label, dot, rest = host.partition(".")
    return bool(dot and label) and label != "*" and rest == pattern[2:]


def _listener(ctx: Context, bound_to: str, resource_id: str, names: list[str]) -> dict[str, Any]:
    _, _, listener_id = resource_id.partition("|")
    bound = ctx.store.get_cert(bound_to)
    certificate = {"CertId": bound_to, "DnsNames": bound.all_domains() if bound else [], "CertCaId": "",
                   "SSLMode": "UNIDIRECTIONAL"}  # fmt: skip
    rules, unmatched = [], []
    for n, domain in enumerate(ctx.store.resource_domains("clb", resource_id), start=1):
        match = any(name_matches(name, domain) for name in names)
        if not match:
            unmatched.append(domain)
        rules.append({"LocationId": f"loc-{listener_id or 'x'}-{n}", "Domain": domain, "IsMatch": match,
                      "Certificate": certificate, "NoMatchDomains": [] if match else [domain], "Url": "/"})  # fmt: skip
    return {
        "ListenerId": listener_id,
        "ListenerName": listener_id,
        "SniSwitch": 1 if rules else 0,
        "Protocol": "HTTPS",
        "Certificate": certificate,
        "Rules": rules,
        "NoMatchDomains": unmatched,
    }


@action(
    SSL,
    "DescribeHostClbInstanceList",
    {
        "Offset": Int(minimum=0),
        "Limit": Int(minimum=0),
        "CertificateId": Str(),
        "IsCache": Int(choices=(0, 1)),
        "Filters": List(Obj({"FilterKey": Str(required=True), "FilterValue": Str(required=True)})),
        "AsyncCache": Int(choices=(0, 1)),
        "OldCertificateId": Str(),
    },
)
def describe_host_clb_instance_list(ctx: Context) -> dict[str, Any]:
    """The CLB instances and listeners of the account (or those ``OldCertificateId`` is bound to), matched against
    ``CertificateId``."""
    p = ctx.params
    cert_id = p.get("CertificateId")
    if not cert_id:
        raise missing("CertificateId")
    cert = ctx.store.get_cert(cert_id)
    if cert is None:
        raise not_found(cert_id)
    want_match = "1"
    for row in p.get("Filters") or []:
        if row["FilterKey"] != "domainMatch" or row["FilterValue"] not in ("0", "1"):
            raise invalid_value("Filters", "the only filter is domainMatch, with the value 0 or 1")
        want_match = row["FilterValue"]
    old = p.get("OldCertificateId")
    if old and ctx.store.get_cert(old) is None:
        raise not_found(old)
    sources = [old] if old else [c.id for c in ctx.store.certs()]
    names = cert.all_domains()
    instances: dict[str, list[dict[str, Any]]] = {}
    for source in sources:
        for kind, resource_id in ctx.store.bindings(source):
            if kind != "clb":
                continue
            listener = _listener(ctx, source, resource_id, names)
            if (not listener["NoMatchDomains"]) == (want_match == "1"):
                instances.setdefault(resource_id.partition("|")[0], []).append(listener)
    every = [
        {"LoadBalancerId": lb, "LoadBalancerName": lb, "Listeners": listeners, "Forward": 1}
        for lb, listeners in sorted(instances.items())
    ]
    offset, limit = p.get("Offset") or 0, p.get("Limit") or _LIMIT
    return {
        "TotalCount": len(every),
        "InstanceList": every[offset : offset + limit],
        "AsyncTotalNum": 0,
        "AsyncOffset": 0,
        "AsyncCacheTime": "",
    }


ACTIONS = [describe_host_clb_instance_list]
