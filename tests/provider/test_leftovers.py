"""Certificates a killed run left behind are named by reads the run makes anyway (provider.leftovers), in-process
against the emulator: the engine's calls in its order, a kill modelled as a create whose result is never recorded."""

from __future__ import annotations

import pytest

from provider.certificate import CertificateProvider
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import FakeTime, actions, checked, create, renewal, upload_inputs

pytestmark = pytest.mark.emulator


def test_a_killed_renewals_certificate_is_named_by_the_next_renewals_diff_with_no_extra_read(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    cert, key = make_cert("www.example.com")
    current, outs = create(provider, upload_inputs(cert, key))
    state = {**checked(provider, upload_inputs(cert, key)), **outs}
    left, _ = renewal(provider, current, state)  # the run is killed here: the state still holds `current`
    lines.clear()
    emu.admin("DELETE", "/_emulator/calls")
    cert, key = make_cert("www.example.com")
    provider.diff(current, state, checked(provider, upload_inputs(cert, key)))  # the next renewal, or its preview
    said = [line for line in lines if left in line]
    assert said and f"adopt: {left}" in said[0] and f"DeleteCertificate --CertificateId {left}" in said[0], lines
    assert actions(emu).count("DescribeCertificates") == 1, actions(emu)  # the read the diff made before


def test_a_killed_renewals_certificate_is_named_by_the_removal(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str], fake_time: FakeTime
) -> None:
    cert, key = make_cert("www.example.com")
    current, outs = create(provider, upload_inputs(cert, key))
    state = {**checked(provider, upload_inputs(cert, key)), **outs}
    left, _ = renewal(provider, current, state)  # killed: never recorded
    lines.clear()
    # The next run, on the same fake clock (the emulator's deletion task ends on it).
    fresh = CertificateProvider(service_factory=lambda: ssl, timing=fake_time.timing(), progress=lines.append)
    fresh.check({}, {"__provider": "pickled", **upload_inputs(cert, key, entry="api", owner="x.y")})  # a program ran
    fresh.delete(current, state)  # the entry removed
    assert current not in {str(c["CertificateId"]) for c in emu.certificates()}
    assert any(left in line and f"adopt: {left}" in line for line in lines), lines
    assert left in {str(c["CertificateId"]) for c in emu.certificates()}  # never deleted on its own


def test_a_retained_older_certificate_is_not_named(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    # A replaced with retain: true (kept, still marked), then B replaced by C: A is older than what the state holds
    # and records replacing nothing it holds: kept on purpose, not left by a kill.
    cert, key = make_cert("www.example.com")
    first, outs = create(provider, upload_inputs(cert, key, retain=True))
    state = {**checked(provider, upload_inputs(cert, key, retain=True)), **outs}
    second, state = renewal(provider, first, state, retain=True)
    third, state = renewal(provider, second, state)
    lines.clear()
    cert, key = make_cert("www.example.com")
    provider.diff(third, state, checked(provider, upload_inputs(cert, key)))
    assert first in {str(c["CertificateId"]) for c in emu.certificates()}
    assert not any(first in line for line in lines), lines
