"""One-click update actions refuse what Tencent refuses, with the codes its SDK lists for them; pagination;
the per-action rate limit; records survive a restart."""

from __future__ import annotations

import pytest

from support.certs import make_cert
from support.emulator import random_credentials, start_emulator
from support.raw_api import RawApi

pytestmark = pytest.mark.emulator


@pytest.fixture
def certs(api, emu):
    """An old certificate bound to one clb and one cdn resource, and a new one; records are created on call one.

    The rate limit is off: these tests send more than ten calls of one action a second.
    """
    emu.admin("PUT", "/_emulator/settings", {"DeployCreateCalls": 0, "DeploySeconds": 0, "RateLimit": False})
    old, new = api.upload(*make_cert("e.example.com")), api.upload(*make_cert("e.example.com"))
    for kind, resource in (("clb", "lb-1"), ("cdn", "e.example.com")):
        emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": kind, "ResourceId": resource})
    return old, new


def code(api, action, params):
    return api.error(action, params)["Code"]


def test_update_certificate_instance_refusals(api, emu, certs):
    old, new = certs
    base = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb"]}
    cert, key = make_cert("e.example.com")
    pending_free = api.ok("ApplyCertificate", {"DvAuthMethod": "DNS", "DomainName": "free.example.com"})
    ca = api.upload(make_cert("ca.example.com")[0], None, CertificateType="CA")
    cases = [
        ({**base, "OldCertificateId": "missing1"}, "FailedOperation.CertificateNotFound"),
        ({**base, "CertificateId": "missing2"}, "FailedOperation.CertificateNotFound"),
        ({**base, "ResourceTypes": ["mainframe"]}, "FailedOperation.CertificateHostResourceTypeInvalid"),
        ({**base, "ResourceTypes": ["antiddos"]}, "FailedOperation.CertificateHostResourceTypeInvalid"),
        ({**base, "ResourceTypes": []}, "InvalidParameterValue"),
        ({**base, "ResourceTypes": ["waf"]}, "FailedOperation.CertificateDeployInstanceEmpty"),
        ({**base, "CertificateId": old}, "FailedOperation.InvalidParam"),
        ({**base, "CertificateId": pending_free["CertificateId"]}, "FailedOperation.CertificateNotAvailable"),
        ({**base, "CertificateId": ca}, "FailedOperation.CertificateNotAvailable"),
        ({"OldCertificateId": old, "ResourceTypes": ["clb"]}, "MissingParameter"),
        ({"OldCertificateId": old, "ResourceTypes": ["clb"], "CertificatePublicKey": cert}, "MissingParameter"),
        ({"OldCertificateId": old, "ResourceTypes": ["clb"], "CertificatePrivateKey": key}, "MissingParameter"),
        ({"OldCertificateId": old, "ResourceTypes": ["clb"], "CertificatePublicKey": cert,
          "CertificatePrivateKey": make_cert("e.example.com")[1]}, "FailedOperation.CertificateMismatch"),
        ({"OldCertificateId": old, "ResourceTypes": ["clb"], "CertificatePublicKey": "junk",
          "CertificatePrivateKey": key}, "FailedOperation.CertificateParseError"),
        ({**base, "ResourceTypesRegions": [{"ResourceType": "clb", "Regions": []}]}, "InvalidParameter.RegionNotEmpty"),
        ({**base, "ResourceTypesRegions": [{"ResourceType": "mainframe", "Regions": ["x"]}]},
         "FailedOperation.CertificateHostResourceTypeInvalid"),
        ({**base, "ResourceTypesRegions": [{"Regions": ["ap-guangzhou"]}]}, "MissingParameter"),
        ({**base, "ExpiringNotificationSwitch": 2}, "InvalidParameterValue"),
        ({**base, "ResourceTypes": "clb"}, "InvalidParameterValue"),
        ({**base, "Colour": "blue"}, "UnknownParameter"),
        ({"CertificateId": new, "ResourceTypes": ["clb"]}, "MissingParameter"),
    ]  # fmt: skip
    for params, expected in cases:
        assert code(api, "UpdateCertificateInstance", params) == expected, params
    missing = api.error("UpdateCertificateInstance", {"OldCertificateId": old, "ResourceTypes": ["clb"]})
    assert "CertificateId" in missing["Message"]
    assert api.ok("DescribeHostUpdateRecord", {})["TotalCount"] == 0  # nothing was created by any of them


def test_describe_refusals_and_filters(api, emu, certs):
    old, new = certs
    record_id = api.ok("UpdateCertificateInstance", {"OldCertificateId": old, "CertificateId": new,
                                                     "ResourceTypes": ["clb"]})["DeployRecordId"]  # fmt: skip
    detail = "DescribeHostUpdateRecordDetail"
    # DeployRecordId, Limit and Offset are strings in the SDK model.
    assert code(api, detail, {"DeployRecordId": record_id}) == "InvalidParameterValue"
    assert code(api, detail, {"DeployRecordId": "abc"}) == "InvalidParameterValue"
    assert code(api, detail, {"DeployRecordId": str(record_id), "Limit": "-1"}) == "InvalidParameterValue"
    assert code(api, detail, {"DeployRecordId": "999"}) == "FailedOperation.CertificateDeployNotExist"
    assert code(api, detail, {}) == "MissingParameter"
    listing = "DescribeHostUpdateRecord"
    assert code(api, listing, {"CertificateId": "missing1"}) == "FailedOperation.CertificateNotFound"
    assert code(api, listing, {"Limit": -1}) == "InvalidParameterValue"
    assert api.ok(listing, {"CertificateId": new, "OldCertificateId": old})["TotalCount"] == 1
    assert api.ok(listing, {"CertificateId": old})["TotalCount"] == 0  # old is no record's new certificate
    assert api.ok(listing, {"Offset": 1})["DeployRecordList"] == []


def test_retry_and_rollback_refusals(api, emu, certs):
    old, new = certs
    record_id = api.ok("UpdateCertificateInstance", {"OldCertificateId": old, "CertificateId": new,
                                                     "ResourceTypes": ["clb"]})["DeployRecordId"]  # fmt: skip
    (group,) = api.ok("DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id)})["RecordDetailList"]
    detail_id = group["List"][0]["Id"]
    retry, rollback = "UpdateCertificateRecordRetry", "UpdateCertificateRecordRollback"
    assert code(api, retry, {}) == "MissingParameter"
    assert code(api, retry, {"DeployRecordId": 1}) == "FailedOperation.CertificateDeployNotExist"
    assert code(api, retry, {"DeployRecordDetailId": record_id}) == "FailedOperation.CertificateDeployNotExist"
    assert code(api, retry, {"DeployRecordId": 1, "DeployRecordDetailId": detail_id}) == (
        "FailedOperation.CertificateDeployNotExist")  # fmt: skip
    not_failed = "FailedOperation.CertificateDeployRetryStatusInvalid"
    assert code(api, retry, {"DeployRecordDetailId": detail_id}) == not_failed
    assert code(api, retry, {"DeployRecordId": "1"}) == "InvalidParameterValue"
    assert code(api, rollback, {}) == "MissingParameter"
    assert code(api, rollback, {"DeployRecordId": detail_id}) == "FailedOperation.CertificateDeployNotExist"
    # The old certificate is gone: there is nothing to roll back to.
    api.ok("DeleteCertificate", {"CertificateId": old})
    assert code(api, rollback, {"DeployRecordId": record_id}) == "FailedOperation.CertificateNotFound"


def test_detail_pagination(api, emu, certs):
    old, new = certs
    for i in range(11):
        binding = {"CertificateId": old, "ResourceType": "clb", "ResourceId": f"lb-x{i}"}
        emu.admin("POST", "/_emulator/bindings", binding)
    record_id = api.ok("UpdateCertificateInstance", {"OldCertificateId": old, "CertificateId": new,
                                                     "ResourceTypes": ["clb", "cdn"]})["DeployRecordId"]  # fmt: skip

    def page(**params):
        response = api.ok("DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id), **params})
        assert response["TotalCount"] == 13 and response["SuccessTotalCount"] == 13
        return [(g["ResourceType"], g["TotalCount"], len(g["List"])) for g in response["RecordDetailList"]]

    assert page() == [("clb", 12, 10)]  # Limit defaults to 10
    assert page(Limit="0") == [("clb", 12, 10)]  # as in Tencent's example, 0 is the default
    assert page(Limit="5", Offset="10") == [("clb", 12, 2), ("cdn", 1, 1)]
    assert page(Limit="500") == [("clb", 12, 12), ("cdn", 1, 1)]


def test_the_new_actions_are_rate_limited(api, emu, certs):
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": True, "RateLimitPerSecond": 0.01})
    for action, params in (
        ("DescribeHostUpdateRecord", {}),
        ("DescribeHostUpdateRecordDetail", {"DeployRecordId": "1"}),
        ("UpdateCertificateInstance", {"OldCertificateId": "x", "ResourceTypes": ["clb"]}),
        ("UpdateCertificateRecordRetry", {"DeployRecordId": 1}),
        ("UpdateCertificateRecordRollback", {"DeployRecordId": 1}),
    ):
        api.call(action, params)
        error = api.error(action, params)
        assert error["Code"] == "LimitExceeded.RateLimitExceeded" and action in error["Message"]


def test_records_survive_a_restart(tmp_path):
    db = tmp_path / "deploy.db"
    secret_id, secret_key = random_credentials()
    with start_emulator(db, secret_id=secret_id, secret_key=secret_key) as first, RawApi(first) as api:
        first.admin("PUT", "/_emulator/settings", {"DeploySeconds": 100, "SignatureClock": "real"})
        old, new = api.upload(*make_cert("p.example.com")), api.upload(*make_cert("p.example.com"))
        first.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": "clb", "ResourceId": "lb-1",
                                                    "Region": "ap-shanghai"})  # fmt: skip
        request = {"OldCertificateId": old, "CertificateId": new, "ResourceTypes": ["clb"]}
        assert api.ok("UpdateCertificateInstance", request)["DeployRecordId"] == 0
        record_id = api.ok("UpdateCertificateInstance", request)["DeployRecordId"]
        before = api.ok("DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id)})
    with start_emulator(db, secret_id=secret_id, secret_key=secret_key) as second, RawApi(second) as api:
        after = api.ok("DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id)})
        assert after == {**before, "RequestId": after["RequestId"]}
        assert api.ok("UpdateCertificateInstance", request)["DeployRecordId"] == record_id
        second.admin("POST", "/_emulator/clock", {"AdvanceSeconds": 150})
        (group,) = api.ok("DescribeHostUpdateRecordDetail", {"DeployRecordId": str(record_id)})["RecordDetailList"]
        assert [(d["Status"], d["Region"]) for d in group["List"]] == [(1, "ap-shanghai")]
        (binding,) = second.admin("GET", "/_emulator/bindings")["Bindings"]
        assert binding == {"CertificateId": new, "ResourceType": "clb", "ResourceId": "lb-1", "Region": "ap-shanghai"}
