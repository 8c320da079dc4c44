"""Reply -> model mapping: the field tables cover their models, and each converter's handling of Tencent's JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from provider.ssl import wire
from provider.ssl.models import CertificateDetail, CertificateSummary, DeleteTask, DeployedResources, DvAuthRecord

UTC = dt.UTC


@pytest.mark.parametrize(
    ("model", "table", "left_out"),
    [
        (CertificateDetail, wire.CERTIFICATE_DETAIL_FIELDS, set()),
        (CertificateSummary, wire.CERTIFICATE_SUMMARY_FIELDS, set()),
        (DeleteTask, wire.DELETE_TASK_FIELDS, set()),
        (DvAuthRecord, wire.DV_AUTH_FIELDS, set()),
        (DvAuthRecord, wire.DV_AUTH_DETAIL_FIELDS, {"verify_type"}),  # DvAuthDetail's own fields carry no type
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_each_table_maps_every_field_of_its_model_once(model: type, table: wire.FieldTable, left_out: set[str]) -> None:
    names = [name for name, _key, _convert in table]
    keys = [key for _name, key, _convert in table]
    assert len(set(names)) == len(names) and len(set(keys)) == len(keys)
    assert set(names) == {f.name for f in dataclasses.fields(model)} - left_out


DETAIL_REPLY: dict[str, Any] = {
    "CertificateId": "Abc123",
    "Domain": "www.example.com",
    "Alias": "www",
    "CertificateType": "SVR",
    "Status": 1,
    "StatusMsg": None,
    "StatusName": "issued",
    "ProjectId": "1024",  # a string in Describe* replies
    "From": "upload",
    "SubjectAltName": ["www.example.com", None, "", "example.com"],
    "CertBeginTime": "2024-01-01 08:00:00",  # GMT+8
    "CertEndTime": "2025-01-01 07:59:59",
    "InsertTime": "0000-00-00 00:00:00",
    "CertFingerprint": "AB:CD EF",
    "VerifyType": "DNS",
    "IsDv": True,
    "PackageType": "2",
    "CertificatePublicKey": "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n\n",
    "Tags": [{"TagKey": "team", "TagValue": "web"}, {"TagKey": "", "TagValue": "x"}, {"TagKey": "empty"}],
    "DvAuthDetail": {
        "DvAuthKey": "flat-key",
        "DvAuths": [
            {
                "DvAuthDomain": "www.example.com",
                "DvAuthKey": "_dnsauth",
                "DvAuthValue": "v1",
                "DvAuthVerifyType": "DNS",
                "DvAuthPath": None,
                "DvAuthSubDomain": "www",
            },
            "not a record",
        ],
    },
    "CertificatePrivateKey": "never read",
}


def test_certificate_detail_converts_every_field() -> None:
    assert wire.certificate_detail(DETAIL_REPLY, "ignored") == CertificateDetail(
        certificate_id="Abc123",
        domain="www.example.com",
        alias="www",
        certificate_type="SVR",
        status=1,
        status_message="",
        status_name="issued",
        project_id=1024,
        source="upload",
        subject_alt_names=("www.example.com", "example.com"),
        not_before=dt.datetime(2024, 1, 1, 0, 0, tzinfo=UTC),
        not_after=dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        inserted_at=None,
        fingerprint="abcdef",
        verify_type="DNS",
        is_dv=True,
        package_type="2",
        public_key="-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
        tags={"team": "web", "empty": ""},
        dv_auths=(DvAuthRecord("www.example.com", "_dnsauth", "v1", verify_type="DNS", sub_domain="www"),),
    )


def test_an_empty_detail_reply_degrades_to_empty_values() -> None:
    detail = wire.certificate_detail({key: None for _f, key, _c in wire.CERTIFICATE_DETAIL_FIELDS}, "Asked01")
    assert detail.certificate_id == "Asked01"  # the id asked about, when the reply leaves it out
    assert detail.status == -1 and detail.project_id == 0  # -1: no status, not PENDING
    assert (detail.domain, detail.public_key, detail.fingerprint) == ("", "", "")
    assert (detail.subject_alt_names, detail.tags, detail.dv_auths) == ((), {}, ())
    assert detail.not_before is None and detail.is_dv is False


def test_dv_auth_detail_without_a_list_is_one_record() -> None:
    reply = {"DvAuthDetail": {"DvAuthKey": "k", "DvAuthValue": "v", "DvAuthKeySubDomain": "s", "DvAuthPath": "/p"}}
    assert wire.certificate_detail(reply, "c").dv_auths == (DvAuthRecord("", "k", "v", path="/p", sub_domain="s"),)
    assert wire.certificate_detail({"DvAuthDetail": {"DvAuthDomain": "d"}}, "c").dv_auths == ()


def test_certificate_summary() -> None:
    assert wire.certificate_summary(DETAIL_REPLY) == CertificateSummary(
        certificate_id="Abc123",
        domain="www.example.com",
        alias="www",
        certificate_type="SVR",
        status=1,
        project_id=1024,
        source="upload",
        inserted_at=None,
        not_after=dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        tags={"team": "web", "empty": ""},
        # What a refresh reads from the listing too.
        subject_alt_names=("www.example.com", "example.com"),
        not_before=dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC),
        status_name="issued",
        status_message="",
    )


def test_delete_task() -> None:
    row = {"TaskId": "t1", "CertId": "c1", "Status": "4", "Error": None, "Domains": ["a.com"]}
    assert wire.delete_task(row) == DeleteTask("t1", "c1", 4, "", ("a.com",))
    assert wire.delete_task({}).status == -1


def test_deployed_resources() -> None:
    row = {"CertificateId": "c1", "Type": None, "ResourceIds": ["lb-1"], "Resources": []}
    assert wire.deployed_resources(row, "clb") == DeployedResources("c1", "clb", 1, ("lb-1",))
    assert wire.deployed_resources({"CertificateId": "c1", "Type": "cdn", "Count": 0}, "cdn") is None
    assert wire.deployed_resources({"Count": "2"}, "waf") == DeployedResources("", "waf", 2, ())


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0), (True, 1), (3.9, 3), (" 12 ", 12), ("-3", -3), ("1.5", 0), ("x", 0), ([], 0)],
)
def test_as_int(value: Any, expected: int) -> None:
    assert wire.as_int(value) == expected


def test_parse_tencent_time_variants() -> None:
    eight = dt.datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
    assert wire.parse_tencent_time("2024-05-01 08:00:00") == eight
    assert wire.parse_tencent_time("2024-05-01T08:00:00") == eight
    assert wire.parse_tencent_time("2024-05-01T00:00:00+00:00") == eight
    assert wire.parse_tencent_time("2024-05-01") == eight - dt.timedelta(hours=8)
    for value in (None, "", "  ", "0000-00-00 00:00:00", "soon", 1714521600):
        assert wire.parse_tencent_time(value) is None
