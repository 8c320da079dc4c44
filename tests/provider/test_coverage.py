"""Host-name matching as TLS does it, and the check that keeps a rotation off domains the new certificate misses.

The matching (provider.coverage.covers) is tested by examples and by properties over generated names; the check
(refuse_uncovered) against the emulator over HTTP, with certificates uploaded and bound through its admin API.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider.coverage import covers, listener_misses, refuse_uncovered, resource_domain, uncovered
from provider.errors import CertificateError
from provider.ssl import DeployedResources, SslService
from provider.ssl.deploy import ListenerDomains
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.raw_api import RawApi


@pytest.mark.parametrize(
    ("names", "host", "expected"),
    [
        (["www.example.com"], "www.example.com", True),
        (["WWW.Example.COM"], "www.example.com", True),  # case-insensitive
        (["www.example.com."], "www.example.com", True),  # a trailing dot is the same name
        (["other.example.com"], "www.example.com", False),
        (["*.example.com"], "a.example.com", True),
        (["*.example.com"], "example.com", False),  # a wildcard is one label, never none
        (["*.example.com"], "a.b.example.com", False),  # nor two
        (["*.Example.com"], "A.example.COM", True),
        (["w*.example.com"], "www.example.com", False),  # partial-label wildcards match nothing
        (["*.com"], "example.com", False),  # no wildcard over a top-level domain
        (["a.*.example.com"], "a.b.example.com", False),  # only the left-most label
        (["a.example.com"], "*.example.com", False),  # a wildcard CDN domain needs the wildcard itself
        (["*.example.com"], "*.example.com", True),
        (["example.com", "*.example.com"], "example.com", True),  # any of the names
        (["*.xn--bcher-kva.example"], "shop.xn--bcher-kva.example", True),  # IDN A-labels as given
        (["*.xn--bcher-kva.example"], "shop.bücher.example", False),  # no conversion between forms
        ([], "www.example.com", False),
        (["www.example.com"], "", False),
    ],
)
def test_covers(names: list[str], host: str, expected: bool) -> None:
    assert covers(names, host) is expected


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_BASE = st.lists(_LABEL, min_size=2, max_size=4).map(".".join)


def _flip(text: str, data: st.DataObject) -> str:
    return "".join(c.upper() if data.draw(st.booleans()) else c for c in text)


@given(label=_LABEL, base=_BASE, data=st.data())
def test_a_wildcard_covers_exactly_one_more_label_in_any_case(label: str, base: str, data: st.DataObject) -> None:
    wildcard = f"*.{base}"
    assert covers([_flip(wildcard, data)], _flip(f"{label}.{base}", data))
    assert not covers([wildcard], base)
    assert not covers([wildcard], f"{label}.{label}.{base}")


@given(host=_BASE, other=_BASE)
def test_a_plain_name_covers_itself_and_only_itself(host: str, other: str) -> None:
    assert covers([host], host)
    assert covers([host], host.upper() + ".")
    assert covers([host], other) is (host == other)


def test_the_domain_of_a_bound_resource_is_known_only_where_it_is_listed_by_domain() -> None:
    assert resource_domain("cdn", "www.example.com") == "www.example.com"
    assert resource_domain("waf", "*.example.com") == "*.example.com"
    assert resource_domain("clb", "lb-7x3kq2|lbl-80") is None  # listed by id
    assert resource_domain("clb", "www.example.com") is None  # a CLB's resources are ids, whatever they look like
    assert resource_domain("cdn", "cdn-7x3kq2") is None  # not a domain: not judged
    bound = [
        DeployedResources("A", "cdn", 2, ("www.example.com", "other.example.com")),
        DeployedResources("A", "clb", 1, ("lb-7x3kq2|lbl-80",)),
    ]
    assert uncovered(["www.example.com"], bound) == [("cdn", "other.example.com")]
    assert uncovered(["*.example.com"], bound) == []


def _upload(api: RawApi, cn: str, *sans: str) -> str:
    cert_pem, key_pem = make_cert(cn, sans)
    return api.upload(cert_pem, key_pem)


@pytest.mark.emulator
@pytest.mark.usefixtures("fake_time")  # the emulator's rate limit off, as for every test of this folder
def test_a_deploy_onto_a_domain_the_new_certificate_misses_is_refused(ssl: SslService, emu: RunningEmulator) -> None:
    with RawApi(emu) as api:
        old = _upload(api, "www.example.com")
        new = _upload(api, "other.example.com")
        wildcard = _upload(api, "example.com", "*.example.com")
    for kind, resource in (("cdn", "www.example.com"), ("clb", "lb-7x3kq2|lbl-80")):
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": kind, "ResourceId": resource})

    with pytest.raises(CertificateError) as refused:
        refuse_uncovered(ssl, "www", old, new, [])  # the bound resources are read from the API
    message = str(refused.value)
    assert f"www: refusing to deploy certificate {new} (other.example.com)" in message
    assert "CDN www.example.com" in message and "lb-7x3kq2" not in message  # the listener's domains are not known
    assert f"certificate {old} stays in the stack" in message

    refuse_uncovered(ssl, "www", old, wildcard, [])  # *.example.com covers www.example.com: no refusal
    named = [DeployedResources(old, "clb", 1, ("lb-7x3kq2|lbl-80",))]
    refuse_uncovered(ssl, "www", old, new, named)  # only resources of unknown domain: not refused on that ground

    # The listener's rule domains, once known (DescribeHostClbInstanceList), are checked too.
    listener_binding = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80", "Domains": ["api.example.com"]}
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **listener_binding})
    with pytest.raises(CertificateError) as listener:
        refuse_uncovered(ssl, "www", old, new, named)
    assert "CLB listener lb-7x3kq2|lbl-80 (api.example.com)" in str(listener.value)
    refuse_uncovered(ssl, "www", old, wildcard, named)


def test_listener_misses_counts_both_our_matching_and_tencents() -> None:
    listeners = [
        ListenerDomains("lb-1|lbl-1", ("www.example.com", "a.b.example.com"), ()),
        ListenerDomains("lb-1|lbl-2", ("shop.example.com",), ("shop.example.com",)),  # Tencent says it misses
        ListenerDomains("lb-2|lbl-3", (), ()),
    ]
    assert listener_misses(["*.example.com"], listeners) == [
        ("lb-1|lbl-1", "a.b.example.com"),
        ("lb-1|lbl-2", "shop.example.com"),
    ]
