"""Deploy-record operations (provider/ssl/deploy.py): requests as the SDK models shape them, replies parsed.

An in-process fake answers the calls: what is tested here is the request each operation sends and how its reply is
read, not HTTP (the client's own tests cover that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from tencentcloud.ssl.v20191205 import models

from provider.ssl import SslService
from provider.ssl.deploy import DeployDetailStatus


class FakeApi:
    """Answers each action with the next canned reply and records the requests."""

    def __init__(self, replies: Mapping[str, list[dict[str, Any]]]) -> None:
        self.replies = {action: list(answers) for action, answers in replies.items()}
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def call(self, service: str, version: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        assert (service, version) == ("ssl", "2019-12-05")
        self.requests.append((action, dict(params)))
        return self.replies[action].pop(0)


def test_start_deploy_sends_the_sdk_fields() -> None:
    api = FakeApi({"UpdateCertificateInstance": [{"DeployRecordId": 0, "DeployStatus": 1}, {"DeployRecordId": 42}]})
    ssl = SslService(api)
    first = ssl.start_deploy("OldCert1", "NewCert1", ["clb", "cdn"], {"clb": ["ap-guangzhou"], "cdn": []})
    assert (first.record_id, first.created) == (0, True)  # 0: still being created, call again
    assert api.requests[0] == (
        "UpdateCertificateInstance",
        {
            "OldCertificateId": "OldCert1",
            "CertificateId": "NewCert1",
            "ResourceTypes": ["clb", "cdn"],
            "ResourceTypesRegions": [{"ResourceType": "clb", "Regions": ["ap-guangzhou"]}],
        },
    )
    assert ssl.start_deploy("OldCert1", "NewCert1", ["clb"]).record_id == 42
    assert "ResourceTypesRegions" not in api.requests[1][1]


def test_deploy_details_reads_every_page_and_group() -> None:
    def row(i: int, status: int, error: str = "") -> dict[str, Any]:
        return {"Id": i, "InstanceId": f"lb-{i}", "ListenerId": f"lbl-{i}", "Region": "ap-guangzhou",
                "Status": status, "ErrorMsg": error, "Domains": None}  # fmt: skip

    page1 = {"TotalCount": 3, "RecordDetailList": [{"ResourceType": "clb", "List": [row(1, 1), row(2, 2, "denied")]}]}
    cdn_row = {"Id": 3, "Status": 3, "Domains": ["a.example"]}
    page2 = {"TotalCount": 3, "RecordDetailList": [{"ResourceType": "cdn", "List": [cdn_row]}]}
    api = FakeApi({"DescribeHostUpdateRecordDetail": [page1, page2]})
    details = SslService(api).deploy_details(7)
    assert [d.detail_id for d in details] == [1, 2, 3]
    assert [a for a, _ in api.requests] == ["DescribeHostUpdateRecordDetail"] * 2
    assert api.requests[1][1]["Offset"] == "2" and api.requests[0][1] == {"DeployRecordId": "7", "Offset": "0",
                                                                           "Limit": "200"}  # fmt: skip
    ok, failed, running = details
    assert ok.succeeded and ok.finished
    assert failed.status == DeployDetailStatus.FAILED and failed.finished and not failed.succeeded
    assert failed.error == "denied" and failed.describe() == "CLB lb-2 (listener lbl-2, ap-guangzhou)"
    assert not running.finished and running.resource_type == "cdn" and running.describe() == "CDN a.example"


def test_records_retry_and_rollback() -> None:
    api = FakeApi(
        {
            "DescribeHostUpdateRecord": [{"TotalCount": 1, "DeployRecordList": [
                {"Id": 9, "CertId": "NewCert1", "OldCertId": "OldCert1", "ResourceTypes": ["clb"], "Status": 2}]}],
            "UpdateCertificateRecordRetry": [{}],
            "UpdateCertificateRecordRollback": [{"DeployRecordId": 10}],
        }
    )  # fmt: skip
    ssl = SslService(api)
    [record] = ssl.deploy_records("OldCert1", "NewCert1")
    assert (record.record_id, record.resource_types, record.status) == (9, ("clb",), 2)
    ssl.retry_deploy(9)
    assert ssl.roll_back_deploy(9) == 10
    assert api.requests[1] == ("UpdateCertificateRecordRetry", {"DeployRecordId": 9})


#: ``UpdateRecordDetail.Status`` as the official SDK's model documents it (its Chinese meaning), and what each means
#: for a rotation, written by hand: (meaning, name, finished, succeeded).
DOCUMENTED = {
    0: ("待部署", "PENDING", False, False),
    1: ("部署成功", "DEPLOYED", True, True),
    2: ("部署失败", "FAILED", True, False),
    3: ("部署中", "DEPLOYING", False, False),
    4: ("回滚成功", "ROLLED_BACK", True, False),
    5: ("回滚失败", "ROLLBACK_FAILED", True, False),
    6: ("无资源，无需部署", "NOTHING_TO_DEPLOY", True, True),
}


def test_the_statuses_are_the_sdks() -> None:
    doc = models.UpdateRecordDetail.__init__.__doc__ or ""
    documented = re.search(r":param _Status:(.*?):type Status", doc, re.S)
    assert documented is not None, "the SDK no longer documents UpdateRecordDetail.Status"
    listed = {int(n): meaning.strip() for n, meaning in re.findall(r"^\s*([0-9]+)：(.+)$", documented.group(1), re.M)}
    assert listed == {n: meaning for n, (meaning, *_rest) in DOCUMENTED.items()}
    assert {s.value: s.name for s in DeployDetailStatus} == {n: name for n, (_m, name, *_r) in DOCUMENTED.items()}


@pytest.mark.parametrize("status", list(DOCUMENTED))
def test_each_documented_status_is_read_as_tencent_means_it(status: int) -> None:
    _meaning, name, finished, succeeded = DOCUMENTED[status]
    row = {"Id": 1, "InstanceId": "lb-1", "Region": "ap-guangzhou", "Status": status, "ErrorMsg": "", "Domains": None}
    api = FakeApi({"DescribeHostUpdateRecordDetail": [{"TotalCount": 1, "RecordDetailList": [
        {"ResourceType": "clb", "List": [row]}]}]})  # fmt: skip
    [detail] = SslService(api).deploy_details(7)
    assert detail.status == status and DeployDetailStatus(detail.status).name == name
    assert (detail.finished, detail.succeeded) == (finished, succeeded)
