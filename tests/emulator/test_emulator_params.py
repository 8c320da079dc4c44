"""Parameter validation: Tencent's MissingParameter / UnknownParameter / InvalidParameterValue."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.emulator


def test_a_missing_required_parameter(api):
    error = api.error("DescribeCertificateDetail", {})
    assert error == {
        "Code": "MissingParameter",
        "Message": "The request is missing a required parameter `CertificateId`.",
    }


def test_an_unknown_parameter(api):
    error = api.error("DescribeCertificates", {"Limt": 5})
    assert error["Code"] == "UnknownParameter" and "`Limt`" in error["Message"]


def test_an_unknown_nested_parameter_is_named_with_its_path(api):
    error = api.error("DescribeCertificates", {"Tags": [{"TagKey": "a", "Colour": "red"}]})
    assert error["Code"] == "UnknownParameter" and "`Tags.0.Colour`" in error["Message"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"Limit": "10"}, "Limit"),
        ({"Limit": True}, "Limit"),
        ({"Offset": -1}, "Offset"),
        ({"CertIds": "abc"}, "CertIds"),
        ({"CertIds": [1]}, "CertIds.0"),
        ({"CertificateType": "XYZ"}, "CertificateType"),
    ],
)
def test_invalid_values(api, params, name):
    error = api.error("DescribeCertificates", params)
    assert error["Code"] == "InvalidParameterValue" and f"`{name}`" in error["Message"]


def test_a_bool_parameter_rejects_strings(api):
    error = api.error("DeleteCertificate", {"CertificateId": "abcdefgh", "IsCheckResource": "true"})
    assert error["Code"] == "InvalidParameterValue"


def test_null_means_absent(api):
    assert api.ok("DescribeCertificates", {"Limit": None, "SearchKey": None})["TotalCount"] == 0


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_a_body_that_is_not_a_json_object(api, body):
    assert api.error("DescribeCertificates", body=body)["Code"] == "InvalidParameter"


def test_an_empty_body_means_no_parameters(api):
    assert api.ok("DescribeCertificates", body=b"")["TotalCount"] == 0
