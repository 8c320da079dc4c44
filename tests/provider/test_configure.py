"""CertificateProvider.configure: stack config, environment, the pickle, and one service shared by threads."""

from __future__ import annotations

import base64
import functools

import pulumi.dynamic as dyn
import pytest

from provider.certificate import CertificateError, CertificateProvider
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import FakeTime, checked, upload_inputs
from support.threads import run_together

pytestmark = pytest.mark.emulator


class _Config:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def test_configure_prefers_stack_config_over_environment(emu: RunningEmulator) -> None:
    provider = CertificateProvider(environ={"TENCENTCLOUD_SECRET_ID": "AKIDwrong", "TENCENTCLOUD_SECRET_KEY": "wrong",
                                           "TENCENTCLOUD_ENDPOINT": "http://127.0.0.1:1"})  # fmt: skip
    config = {"tencentcloud:secretId": emu.secret_id, "tencentcloud:secretKey": emu.secret_key,
              "tencentcloud:endpoint": emu.url}  # fmt: skip
    provider.configure(dyn.ConfigureRequest(_Config(config)))  # type: ignore[arg-type]
    try:
        provider.delete("NoSuch01", {"entry": "x"})  # reaches the emulator with the configured credentials
    finally:
        provider.close()
    assert emu.calls()[-1]["SecretId"] == emu.secret_id


def test_environment_is_the_fallback(emu: RunningEmulator) -> None:
    provider = CertificateProvider(environ=emu.env())
    provider.configure(dyn.ConfigureRequest(_Config({})))  # type: ignore[arg-type]
    try:
        provider.delete("NoSuch01", {"entry": "x"})
    finally:
        provider.close()
    assert emu.calls()[-1]["Action"] == "DeleteCertificate"


def test_missing_credentials_fail_at_the_first_call_only() -> None:
    provider = CertificateProvider(environ={})
    provider.configure(dyn.ConfigureRequest(_Config({})))  # type: ignore[arg-type]
    assert provider.check({}, {"source": "adopt", "adopt_id": "GjTNRoK7"}).failures == []
    with pytest.raises(CertificateError, match="No Tencent Cloud credentials.*tencentcloud:secretId"):
        provider.delete("GjTNRoK7", {})


def test_bad_endpoint_is_reported_by_name() -> None:
    provider = CertificateProvider(environ={"TENCENTCLOUD_SECRET_ID": "AKIDx", "TENCENTCLOUD_SECRET_KEY": "k",
                                           "TENCENTCLOUD_ENDPOINT": "ftp://nowhere/x"})  # fmt: skip
    with pytest.raises(CertificateError, match="TENCENTCLOUD_ENDPOINT"):
        provider.read("GjTNRoK7", {})


def test_the_pickle_holds_no_configuration_or_credentials(emu: RunningEmulator) -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    provider = CertificateProvider()
    provider.configure(dyn.ConfigureRequest(_Config({"tencentcloud:secretId": emu.secret_id,
                                                     "tencentcloud:secretKey": emu.secret_key})))  # fmt: skip
    pickled = base64.b64decode(serialize_provider(provider))
    assert emu.secret_key.encode() not in pickled and emu.secret_id.encode() not in pickled
    assert b"provider.certificate" in pickled and b"CertificateProvider" in pickled  # by reference
    assert len(pickled) < 200
    assert serialize_provider(CertificateProvider()) == serialize_provider(provider)  # stable: no ~__provider diffs


def test_one_service_for_four_concurrent_calls(ssl: SslService, fake_time: FakeTime) -> None:
    built: list[int] = []

    def factory() -> SslService:
        built.append(1)
        return ssl

    provider = CertificateProvider(service_factory=factory, timing=fake_time.timing())
    results: list[str] = []

    def work(i: int) -> None:
        cert, key = make_cert(f"h{i}.example.com")
        results.append(provider.create(checked(provider, upload_inputs(cert, key, entry=f"e{i}"))).id)

    errors = run_together([functools.partial(work, i) for i in range(4)])
    assert errors == [] and len(set(results)) == 4 and built == [1]
