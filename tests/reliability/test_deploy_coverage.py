"""A rotation never puts a certificate on a domain it does not cover, through the real CLI (provider/coverage.py).

The entry's certificate is bound to a CDN domain and a CLB listener whose rule serves the same domain (the emulator's
admin bindings, DescribeHostClbInstanceList); the "renewal"
is a certificate for other names. The checked delete of the old one is refused while it is bound, and the rotation
that would move the bindings is refused before any deploy record is started.
"""

from __future__ import annotations

import pytest

from support.project import Project, upload_entry

pytestmark = pytest.mark.e2e

CDN = {"ResourceType": "cdn", "ResourceId": "www.example.com"}
CLB = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80", "Domains": ["www.example.com"]}  # an SNI rule


def coverage(tried: str, held: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="rotation", tried=tried, held=held)


def bound_to(project: Project) -> dict[str, str]:
    """Resource id -> the certificate it is bound to."""
    rows = project.emu.admin("GET", "/_emulator/bindings")["Bindings"]
    return {row["ResourceId"]: row["CertificateId"] for row in rows}


def in_use(project: Project) -> str:
    project.make_cert("www", "www.example.com")
    project.write_stack("certificates:\n" + upload_entry("www", "www"))
    project.up()
    old = str(project.outputs()["www"]["id"])
    for binding in (CDN, CLB):
        project.emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, **binding})
    return old


@coverage(
    "a renewal of an entry bound to CDN domain www.example.com and a CLB listener with a certificate for "
    "other.example.com",
    "up fails naming the CDN domain and the CLB listener before any deploy record (no UpdateCertificateInstance); "
    "both resources stay on the old certificate, which stays in the stack",
)
def test_a_renewal_for_other_names_is_never_deployed_onto_the_domain_it_misses(project: Project) -> None:
    old = in_use(project)
    project.make_cert("www", "other.example.com")
    out = project.up_refused()
    assert "refusing to deploy certificate" in out and "does not cover CDN www.example.com" in out, out
    assert "CLB listener lb-7x3kq2|lbl-80 (www.example.com)" in out
    assert "Traceback" not in out
    actions = [c["Action"] for c in project.emu.calls()]
    assert "UpdateCertificateInstance" not in actions
    assert bound_to(project) == {"www.example.com": old, "lb-7x3kq2|lbl-80": old}
    assert old in project.certificates()
    assert old in {r["outputs"]["certificate_id"] for r in project.state_resources().values()}


@coverage(
    "a renewal of the same entry with a wildcard certificate, *.example.com, that covers the bound CDN domain",
    "up moves the CDN domain and the CLB listener to it and deletes the old certificate",
)
def test_a_wildcard_renewal_that_covers_the_domain_is_deployed(project: Project) -> None:
    old = in_use(project)
    project.make_cert("www", "example.com", ("*.example.com",))
    project.up()
    new = str(project.outputs()["www"]["id"])
    assert bound_to(project) == {"www.example.com": new, "lb-7x3kq2|lbl-80": new}
    assert old not in project.certificates()
