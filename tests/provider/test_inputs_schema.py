"""The typed input schema (provider.inputs.CertificateInputs): what derives from it, and how it reads the engine."""

from __future__ import annotations

import dataclasses

from provider.certificate import CertificateArgs
from provider.inputs import (
    ALL_INPUTS,
    NO_STEP_FIELDS,
    REPLACE_FIELDS,
    SECRET_FIELDS,
    CertificateInputs,
    input_names,
    normalise_inputs,
)


def test_the_derived_tables() -> None:
    assert set(REPLACE_FIELDS) == {
        "source", "certificate", "private_key", "certificate_type", "adopt_id", "free_domain", "free_validation"
    }  # fmt: skip
    assert NO_STEP_FIELDS == {"entry", "owner", "allow_expired", "create_timeout", "take_over", "renew_before"}
    assert SECRET_FIELDS == {"private_key"}
    assert set(input_names("adopt")) == {
        "source", "entry", "owner", "alias", "project_id", "tags", "check_resources", "rotate", "renew_before",
        "deploy_regions", "delete_timeout", "create_timeout", "adopt_id", "take_over",
    }  # fmt: skip
    assert ALL_INPUTS == {f.name for f in dataclasses.fields(CertificateInputs)}


def test_every_resource_argument_is_a_schema_field() -> None:
    args = {f.name for f in dataclasses.fields(CertificateArgs)}
    assert args <= ALL_INPUTS
    assert set(CertificateArgs(adopt_id="GjTNRoK7").to_inputs()) <= ALL_INPUTS
    assert set(CertificateArgs(certificate="pem", private_key="key").to_inputs()) <= ALL_INPUTS


def test_parse_reads_the_engines_plain_values() -> None:
    spec = CertificateInputs.parse(
        {"source": "adopt", "adopt_id": "GjTNRoK7", "project_id": 3.0, "tags": {"n": 1}, "check_resources": False,
         "delete_timeout": "10m", "certificate": "ignored: not an adopt field", "claim": "an output, ignored"}
    )  # fmt: skip
    assert spec.source == "adopt" and spec.adopt_id == "GjTNRoK7"
    assert spec.project_id == 3 and isinstance(spec.project_id, int)
    assert spec.tags == {"n": "1"} and spec.check_resources is False and spec.delete_timeout == 600.0
    assert spec.certificate == "" and spec.take_over is False and spec.create_timeout == 600.0


def test_defaults_check_fills_in_come_from_the_schema() -> None:
    assert normalise_inputs({"source": "free", "free_domain": "Shop.Example.com"}, "free") == {
        "source": "free", "free_domain": "shop.example.com", "alias": "", "project_id": 0, "tags": {},
        "check_resources": True, "rotate": True, "renew_before": "", "deploy_regions": {}, "delete_timeout": 600.0,
        "create_timeout": 600.0,
        "free_validation": "DNS_AUTO",
    }  # fmt: skip


def test_repr_never_shows_the_private_key() -> None:
    spec = CertificateInputs.parse({"source": "upload", "certificate": "CERT", "private_key": "TOPSECRET"})
    assert spec.private_key == "TOPSECRET"
    assert "TOPSECRET" not in repr(spec) and "CERT" in repr(spec)
