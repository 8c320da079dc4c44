"""DescribeCertificates: paging, ordering and every filter."""

from __future__ import annotations

import datetime as dt

import pytest

from support.certs import make_ca, make_cert

pytestmark = pytest.mark.emulator


@pytest.fixture
def three(api):
    """Three certificates uploaded oldest to newest: (a, b, c) with different domains, aliases and projects."""
    ids = []
    for i, (domain, alias, project, days) in enumerate(
        [("alpha.example.com", "first", 0, 30), ("beta.example.org", "second", 5, 60), ("gamma.example.net", "", 5, 20)]
    ):
        cert, key = make_cert(domain, [domain, f"www{i}.{domain}"], days=days)
        ids.append(api.upload(cert, key, Alias=alias, ProjectId=project, Tags=[{"TagKey": "n", "TagValue": str(i)}]))
    return ids


def _ids(response):
    return [c["CertificateId"] for c in response["Certificates"]]


def test_default_order_is_newest_first_and_limit_defaults_to_10(api, three):
    response = api.ok("DescribeCertificates", {})
    assert response["TotalCount"] == 3 and _ids(response) == three[::-1]


def test_offset_and_limit(api, three):
    response = api.ok("DescribeCertificates", {"Offset": 1, "Limit": 1})
    assert response["TotalCount"] == 3 and _ids(response) == [three[1]]
    assert _ids(api.ok("DescribeCertificates", {"Offset": 3})) == []
    # Tencent treats a Limit above 1000 as 1000.
    assert _ids(api.ok("DescribeCertificates", {"Limit": 5000})) == three[::-1]


def test_search_key_is_fuzzy_on_id_alias_and_domain(api, three):
    assert _ids(api.ok("DescribeCertificates", {"SearchKey": "BETA"})) == [three[1]]
    assert _ids(api.ok("DescribeCertificates", {"SearchKey": "firs"})) == [three[0]]
    assert _ids(api.ok("DescribeCertificates", {"SearchKey": three[2][:6]})) == [three[2]]
    assert _ids(api.ok("DescribeCertificates", {"SearchKey": "www1.beta"})) == [three[1]]
    assert api.ok("DescribeCertificates", {"SearchKey": "nothing-like-it"})["TotalCount"] == 0


def test_filters(api, three, emu):
    # A dozen lists in a row: faster than the per-second rate limit allows (that limit has tests of its own).
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
    assert _ids(api.ok("DescribeCertificates", {"ProjectId": 5})) == [three[2], three[1]]
    assert _ids(api.ok("DescribeCertificates", {"ProjectId": 0})) == [three[0]]
    assert _ids(api.ok("DescribeCertificates", {"CertIds": [three[0], three[2], "zzzzzzzz"]})) == [three[2], three[0]]
    assert _ids(api.ok("DescribeCertificates", {"Tags": [{"TagKey": "n", "TagValue": "1"}]})) == [three[1]]
    # No wildcard value (Tencent documents none): a key without a value, or with "", matches only an empty value.
    assert _ids(api.ok("DescribeCertificates", {"Tags": [{"TagKey": "n"}]})) == []
    assert _ids(api.ok("DescribeCertificates", {"Tags": [{"TagKey": "n", "TagValue": ""}]})) == []
    assert _ids(api.ok("DescribeCertificates", {"Tags": [{"TagKey": "other"}]})) == []
    assert api.ok("DescribeCertificates", {"CertificateType": "CA"})["TotalCount"] == 0
    assert api.ok("DescribeCertificates", {"CertificateType": "SVR"})["TotalCount"] == 3
    assert api.ok("DescribeCertificates", {"CertificateStatus": [1]})["TotalCount"] == 3
    assert api.ok("DescribeCertificates", {"FilterSource": "buy"})["TotalCount"] == 0
    assert api.ok("DescribeCertificates", {"Upload": 1})["TotalCount"] == 3


def test_certificate_type_filter_and_expiration_sort(api, three):
    ca = make_ca("Some CA")
    ca_id = api.upload(ca.cert_pem, None, CertificateType="CA")
    assert _ids(api.ok("DescribeCertificates", {"CertificateType": "CA"})) == [ca_id]
    ascending = _ids(api.ok("DescribeCertificates", {"ExpirationSort": "ASC", "CertificateType": "SVR"}))
    assert ascending == [three[2], three[0], three[1]]


def test_list_items_carry_the_documented_fields(api, three):
    item = api.ok("DescribeCertificates", {"CertIds": [three[1]]})["Certificates"][0]
    assert item["SubjectAltName"] == ["beta.example.org", "www1.beta.example.org"]  # with the main domain
    assert item["ProjectId"] == "5" and item["Status"] == 1 and item["Alias"] == "second"
    assert item["Tags"] == [{"TagKey": "n", "TagValue": "1"}]
    assert item["IsExpiring"] is False and item["IsDv"] is False and item["Deployable"] is True
    assert "CertificatePrivateKey" not in item
    expiring = api.ok("DescribeCertificates", {"FilterExpiring": 1})
    assert set(_ids(expiring)) == {three[0], three[2]}


def test_expired_certificates_filter_by_their_effective_status(api):
    cert, key = make_cert("old.example.com", days=1, not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    old = api.upload(cert, key)
    assert _ids(api.ok("DescribeCertificates", {"CertificateStatus": [3]})) == [old]
    assert api.ok("DescribeCertificates", {"CertificateStatus": [1]})["TotalCount"] == 0
