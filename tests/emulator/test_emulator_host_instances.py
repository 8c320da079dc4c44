"""DescribeHostClbInstanceList through the official SDK client: the CLB listeners a certificate is bound to, their
rule domains (given with the admin binding) and whether the certificate to deploy matches them."""

from __future__ import annotations

import json

import httpx
import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ssl.v20191205 import models

from emulator.host_instances import name_matches
from support.certs import make_cert

pytestmark = pytest.mark.emulator


def _upload(sdk_ssl, domain: str, *sans: str) -> str:
    cert, key = make_cert(domain, sans)
    request = models.UploadCertificateRequest()
    request.from_json_string(json.dumps({"CertificatePublicKey": cert, "CertificatePrivateKey": key}))
    return sdk_ssl.UploadCertificate(request).CertificateId


def _listed(sdk_ssl, **fields):
    request = models.DescribeHostClbInstanceListRequest()
    request.from_json_string(json.dumps(fields))
    return sdk_ssl.DescribeHostClbInstanceList(request)


def test_listeners_bound_to_the_old_certificate_with_their_domains_matched_against_the_new(sdk_ssl, emu):
    old = _upload(sdk_ssl, "www.example.com", "api.example.com")
    new = _upload(sdk_ssl, "other.example.com", "*.example.com")
    for resource, domains in (("lb-1|lbl-1", ["www.example.com", "a.b.example.com"]), ("lb-1|lbl-2", None),
                              ("lb-2|lbl-9", ["api.example.com"])):  # fmt: skip
        body = {"CertificateId": old, "ResourceType": "clb", "ResourceId": resource}
        emu.admin("POST", "/_emulator/bindings", {**body, **({"Domains": domains} if domains else {})})
    emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": new, "ResourceType": "cdn", "ResourceId": "x.example.com"}
    )

    unmatched = _listed(sdk_ssl, CertificateId=new, OldCertificateId=old,
                        Filters=[{"FilterKey": "domainMatch", "FilterValue": "0"}])  # fmt: skip
    assert unmatched.TotalCount == 1
    (instance,) = unmatched.InstanceList
    assert instance.LoadBalancerId == "lb-1"
    (listener,) = instance.Listeners
    assert (listener.ListenerId, listener.SniSwitch, listener.NoMatchDomains) == ("lbl-1", 1, ["a.b.example.com"])
    assert [(r.Domain, r.IsMatch) for r in listener.Rules] == [("www.example.com", True), ("a.b.example.com", False)]
    assert listener.Certificate.CertId == old and "api.example.com" in listener.Certificate.DnsNames

    matched = _listed(sdk_ssl, CertificateId=new, OldCertificateId=old)  # domainMatch 1 is the default
    assert [(i.LoadBalancerId, [x.ListenerId for x in i.Listeners]) for i in matched.InstanceList] == [
        ("lb-1", ["lbl-2"]),
        ("lb-2", ["lbl-9"]),
    ]
    assert [i.LoadBalancerId for i in _listed(sdk_ssl, CertificateId=new, Limit=1, Offset=1).InstanceList] == ["lb-2"]

    with pytest.raises(TencentCloudSDKException) as gone:
        _listed(sdk_ssl, CertificateId="NoSuch01")
    assert gone.value.code == "FailedOperation.CertificateNotFound"
    with pytest.raises(TencentCloudSDKException) as bad:
        _listed(sdk_ssl, CertificateId=new, Filters=[{"FilterKey": "region", "FilterValue": "x"}])
    assert bad.value.code == "InvalidParameterValue"


def test_admin_bindings_show_and_check_domains(emu, sdk_ssl):
    cert = _upload(sdk_ssl, "www.example.com")
    body = {"CertificateId": cert, "ResourceType": "clb", "ResourceId": "lb-1|lbl-1"}
    rows = emu.admin("POST", "/_emulator/bindings", {**body, "Domains": ["www.example.com"]})["Bindings"]
    assert rows == [{**{k: v for k, v in body.items() if k != "CertificateId"}, "Region": rows[0]["Region"],
                     "Domains": ["www.example.com"]}]  # fmt: skip
    with pytest.raises(httpx.HTTPStatusError) as refused:
        emu.admin("POST", "/_emulator/bindings", {**body, "Domains": "www.example.com"})
    assert refused.value.response.status_code == 400 and "Domains" in refused.value.response.json()["Error"]


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [("*.example.com", "a.example.com", True), ("*.example.com", "example.com", False),
     ("*.example.com", "a.b.example.com", False), ("WWW.example.com", "www.EXAMPLE.com", True),
     ("w*.example.com", "www.example.com", False), ("*.com", "example.com", False)],
)  # fmt: skip
def test_the_emulator_matches_names_as_tls_does(pattern: str, host: str, expected: bool) -> None:
    assert name_matches(pattern, host) is expected
