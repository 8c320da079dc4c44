"""The Tag service slice: ModifyResourceTags and DescribeResourceTagsByResourceIds share data with the SSL Tags."""

from __future__ import annotations

import pytest

from support.certs import make_cert

pytestmark = pytest.mark.emulator

OWNER = "100000000001"


@pytest.fixture
def cert_id(api):
    cert, key = make_cert("tags.example.com")
    return api.upload(cert, key, Tags=[{"TagKey": "env", "TagValue": "dev"}])


def _resource(cert_id, uin=OWNER, region="ap-guangzhou"):
    return f"qcs::ssl:{region}:uin/{uin}:certificate/{cert_id}"


def _describe(api, ids, **params):
    body = {"ServiceType": "ssl", "ResourcePrefix": "certificate", "ResourceIds": ids, "ResourceRegion": "ap-guangzhou"}
    return api.ok("DescribeResourceTagsByResourceIds", {**body, **params}, service="tag")


def test_upload_tags_are_visible_through_the_tag_service(api, cert_id):
    response = _describe(api, [cert_id])
    assert response["TotalCount"] == 1 and response["Offset"] == 0 and response["Limit"] == 15
    (row,) = response["Tags"]
    assert (row["ResourceId"], row["TagKey"], row["TagValue"]) == (cert_id, "env", "dev")


@pytest.mark.parametrize("uin", [OWNER, ""])
def test_modify_resource_tags_replaces_and_deletes(api, cert_id, uin):
    api.ok(
        "ModifyResourceTags",
        {"Resource": _resource(cert_id, uin), "ReplaceTags": [{"TagKey": "env", "TagValue": "prod"},
                                                              {"TagKey": "team", "TagValue": "web"}]},
        service="tag",
    )  # fmt: skip
    tags = api.ok("DescribeCertificate", {"CertificateId": cert_id})["Tags"]
    assert tags == [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "web"}]
    api.ok(
        "ModifyResourceTags", {"Resource": _resource(cert_id, uin), "DeleteTags": [{"TagKey": "env"}]}, service="tag"
    )
    assert [(t["TagKey"], t["TagValue"]) for t in _describe(api, [cert_id])["Tags"]] == [("team", "web")]
    listed = api.ok("DescribeCertificates", {"Tags": [{"TagKey": "team", "TagValue": "web"}]})
    assert [c["CertificateId"] for c in listed["Certificates"]] == [cert_id]


def test_paging_of_tag_rows(api, cert_id):
    api.ok(
        "ModifyResourceTags",
        {"Resource": _resource(cert_id), "ReplaceTags": [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(4)]},
        service="tag",
    )
    page = _describe(api, [cert_id, "unknown1"], Offset=2, Limit=2)
    assert page["TotalCount"] == 5 and [t["TagKey"] for t in page["Tags"]] == ["k1", "k2"]
    assert api.error(
        "DescribeResourceTagsByResourceIds",
        {"ServiceType": "ssl", "ResourcePrefix": "certificate", "ResourceIds": [cert_id], "ResourceRegion": "",
         "Offset": 1, "Limit": 2},
        service="tag",
    )["Code"] == "InvalidParameterValue.OffsetInvalid"  # fmt: skip
    assert _describe(api, [cert_id], ServiceType="cvm")["Tags"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Resource": "qcs::cvm:ap-guangzhou:uin/:instance/ins-1", "DeleteTags": [{"TagKey": "a"}]},
         "InvalidParameterValue.ResourceDescriptionError"),
        ({"Resource": "garbage", "DeleteTags": [{"TagKey": "a"}]}, "InvalidParameterValue.ResourceDescriptionError"),
        ({"Resource": "qcs::ssl::uin/999:certificate/{id}", "DeleteTags": [{"TagKey": "a"}]},
         "InvalidParameterValue.UinInvalid"),
        ({"Resource": "qcs::ssl::uin/:certificate/missing1", "DeleteTags": [{"TagKey": "a"}]}, "ResourceNotFound"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}"}, "InvalidParameter"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}", "ReplaceTags": [{"TagKey": "a", "TagValue": "1"}],
          "DeleteTags": [{"TagKey": "a"}]}, "InvalidParameterValue.DeleteTagsParamError"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}", "ReplaceTags": [{"TagKey": "qcloud:x", "TagValue": "1"}]},
         "InvalidParameterValue.ReservedTagKey"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}", "ReplaceTags": [{"TagKey": "k" * 128, "TagValue": "1"}]},
         "InvalidParameterValue.TagKeyLengthExceeded"),
        # The SDK model: "may be omitted, but not an empty array", "at most 10 tags".
        ({"Resource": "qcs::ssl::uin/:certificate/{id}", "ReplaceTags": [], "DeleteTags": [{"TagKey": "a"}]},
         "InvalidParameter"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}", "DeleteTags": []}, "InvalidParameter"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}",
          "ReplaceTags": [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(11)]},
         "LimitExceeded.TagNumPerRequest"),
        ({"Resource": "qcs::ssl::uin/:certificate/{id}", "DeleteTags": [{"TagKey": f"k{i}"} for i in range(11)]},
         "LimitExceeded.TagNumPerRequest"),
    ],
)  # fmt: skip
def test_tag_errors(api, cert_id, params, code):
    params = {**params, "Resource": params["Resource"].replace("{id}", cert_id)}
    assert api.error("ModifyResourceTags", params, service="tag")["Code"] == code


def test_deleting_a_certificate_deletes_its_tags(api, cert_id):
    api.ok("DeleteCertificate", {"CertificateId": cert_id})
    assert _describe(api, [cert_id])["Tags"] == []


def test_ten_tags_per_request_are_allowed(api, cert_id):
    ten = [{"TagKey": f"k{i}", "TagValue": "v", "Category": "Custom"} for i in range(10)]
    api.ok("ModifyResourceTags", {"Resource": _resource(cert_id), "ReplaceTags": ten}, service="tag")
    assert _describe(api, [cert_id], Limit=20)["TotalCount"] == 11
    gone = [{"TagKey": f"k{i}"} for i in range(10)]
    api.ok("ModifyResourceTags", {"Resource": _resource(cert_id), "DeleteTags": gone}, service="tag")
    assert _describe(api, [cert_id])["TotalCount"] == 1


def test_untag_resources_removes_keys_from_several_certificates(api, cert_id):
    cert, key = make_cert("tags2.example.com")
    other = api.upload(cert, key, Tags=[{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "keep", "TagValue": "1"}])
    reply = api.ok(
        "UnTagResources",
        {"ResourceList": [_resource(cert_id), _resource(other, uin="")], "TagKeys": ["env", "absent"]},
        service="tag",
    )
    assert reply["FailedResources"] == []
    assert _describe(api, [cert_id])["Tags"] == []
    assert [(t["ResourceId"], t["TagKey"]) for t in _describe(api, [other])["Tags"]] == [(other, "keep")]
    # Again: a key already gone is no failure (a retried call changes nothing).
    again = api.ok("UnTagResources", {"ResourceList": [_resource(cert_id)], "TagKeys": ["env"]}, service="tag")
    assert again["FailedResources"] == []


def test_untag_resources_lists_a_missing_certificate_and_changes_the_others(api, cert_id):
    reply = api.ok(
        "UnTagResources",
        {"ResourceList": [_resource("missing1"), _resource(cert_id)], "TagKeys": ["env"]},
        service="tag",
    )
    [failed] = reply["FailedResources"]
    assert failed["Resource"] == _resource("missing1") and failed["Code"] == "ResourceNotFound" and failed["Message"]
    assert _describe(api, [cert_id])["Tags"] == []


@pytest.mark.parametrize(
    ("resources", "keys", "code"),
    [
        (11, 1, "LimitExceeded.ResourceNumPerRequest"),  # the SDK model: ResourceList "N取值范围：0~9"
        (0, 1, "LimitExceeded.ResourceNumPerRequest"),
        (1, 11, "LimitExceeded.TagNumPerRequest"),
        (1, 0, "LimitExceeded.TagNumPerRequest"),
    ],
)
def test_untag_resources_limits(api, cert_id, resources, keys, code):
    params = {"ResourceList": [_resource(cert_id)] * resources, "TagKeys": [f"k{i}" for i in range(keys)]}
    assert api.error("UnTagResources", params, service="tag")["Code"] == code


def test_untag_resources_refuses_a_malformed_resource(api, cert_id):
    params = {"ResourceList": ["garbage", _resource(cert_id)], "TagKeys": ["env"]}
    code = api.error("UnTagResources", params, service="tag")["Code"]
    assert code == "InvalidParameterValue.ResourceDescriptionError"
    assert [t["TagKey"] for t in _describe(api, [cert_id])["Tags"]] == ["env"]
