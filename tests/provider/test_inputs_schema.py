"""The typed input schema (provider.inputs.CertificateInputs): what derives from it, and how it reads the engine."""

from __future__ import annotations

import dataclasses

from provider.certificate import CertificateArgs
from provider.inputs import (
    ALL_INPUTS,
    NO_STEP_FIELDS,
    REPLACE_FIELDS,
    REQUIRED_INPUTS,
    SECRET_FIELDS,
    CertificateInputs,
    default_of,
    defaults_of,
    input_names,
    normalise_inputs,
)
from provider.stackfile import AdoptSource, CertificateSpec, FreeSource


def test_the_derived_tables() -> None:
    assert set(REPLACE_FIELDS) == {
        "source", "certificate", "private_key", "certificate_type", "adopt_id", "free_domain", "free_validation"
    }  # fmt: skip
    assert NO_STEP_FIELDS == {
        "entry", "owner", "renamed_from", "stack_file", "retain", "allow_expired", "create_timeout", "take_over",
        "renew_before", "private_key_from",
    }  # fmt: skip
    assert SECRET_FIELDS == {"private_key"}
    assert set(input_names("adopt")) == {
        "source", "entry", "owner", "renamed_from", "stack_file", "alias", "project_id", "tags", "check_resources",
        "rotate", "retain", "renew_before", "deploy_regions", "delete_timeout", "create_timeout", "adopt_id",
        "take_over",
    }  # fmt: skip
    assert ALL_INPUTS == {f.name for f in dataclasses.fields(CertificateInputs)}


def test_every_resource_argument_is_a_schema_field() -> None:
    args = {f.name for f in dataclasses.fields(CertificateArgs)}
    assert args <= ALL_INPUTS
    assert set(CertificateArgs(adopt_id="GjTNRoK7").to_inputs()) <= ALL_INPUTS
    assert set(CertificateArgs(certificate="pem", private_key="key").to_inputs()) <= ALL_INPUTS


def test_the_resource_arguments_and_the_stack_file_spec_default_as_the_schema_does() -> None:
    assert REQUIRED_INPUTS == {"upload": ("certificate",), "adopt": ("adopt_id",), "free": ("free_domain",)}
    # An argument left unset sends the schema's default (tags and deploy_regions: None until then).
    for source, args in (
        ("upload", CertificateArgs(certificate="pem")),
        ("adopt", CertificateArgs(adopt_id="GjTNRoK7")),
        ("free", CertificateArgs(free_domain="shop.example.com")),
    ):
        assert args.to_inputs() == {**defaults_of(source), "source": source, **REQUIRED_VALUES[source]}
    # The stack file's spec and sources start from the same defaults.
    spec = CertificateSpec(name="e", source=FreeSource("shop.example.com"))
    assert (spec.alias, spec.project_id, spec.tags, spec.check_resources, spec.rotate, spec.renew_before) == tuple(
        default_of(n) for n in ("alias", "project_id", "tags", "check_resources", "rotate", "renew_before")
    )
    assert (spec.cert_type, spec.allow_expired, spec.deploy_regions) == ("SVR", False, {})
    assert (spec.delete_timeout, spec.create_timeout) == (default_of("delete_timeout"), default_of("create_timeout"))
    assert FreeSource("shop.example.com").validation == default_of("free_validation") == "DNS_AUTO"
    assert AdoptSource("GjTNRoK7").take_over is default_of("take_over") is False


REQUIRED_VALUES = {
    "upload": {"certificate": "pem"},
    "adopt": {"adopt_id": "GjTNRoK7"},
    "free": {"free_domain": "shop.example.com"},
}


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
        "check_resources": True, "rotate": True, "retain": False, "renew_before": "", "deploy_regions": {},
        "delete_timeout": 600.0, "create_timeout": 600.0,
        "free_validation": "DNS_AUTO",
    }  # fmt: skip


def test_repr_never_shows_the_private_key() -> None:
    spec = CertificateInputs.parse({"source": "upload", "certificate": "CERT", "private_key": "TOPSECRET"})
    assert spec.private_key == "TOPSECRET"
    assert "TOPSECRET" not in repr(spec) and "CERT" in repr(spec)
