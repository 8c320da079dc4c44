"""Every error code DeleteCertificate documents, driven through the provider's delete against the emulator.

Where Tencent's documentation says a code arises from the certificate or the account (an issued paid certificate,
an order reissued or not yet cancelled, a status that does not allow deletion, a renewal still pending, a project
the key may not use, a CAM policy without the action, identity verification not completed, a free certificate
younger than an hour, a certificate already gone), the emulator is given that state through its admin API and
produces the code itself; the others (causes outside any state the emulator keeps: a busy CA, internal errors, the
rate limit, ...) are injected replies. Each test checks the outcome (deleted, waited for, or refused with the
certificate kept) and the advice: what happened, the entry and certificate, and the one thing to do next, with
"run `pulumi up` again" only where another run can succeed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from provider.certificate import CertificateError, CertificateProvider
from provider.ssl import DELETE_CODES, Handling, SslService
from provider.tencentcloud import Client, ClientSettings, Credentials
from provider.tencentcloud.retry import is_retryable_code
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, FakeTime, create, upload_inputs

pytestmark = pytest.mark.emulator

#: The codes of DeleteCertificate's documentation (API doc and SDK ``ssl/v20191205`` client comments).
DOCUMENTED = {
    "FailedOperation",
    *(
        f"FailedOperation.{name}"
        for name in (
            "AuthError BoundResources CancelOrderFailed CannotBeDeletedIssued CannotBeDeletedWithinHour CannotGetOrder "
            "CertificateNotFound DeleteFailedTimeNotUp DeleteResourceFailed InvalidCertificateStatusCode InvalidParam "
            "NetworkError NoProjectPermission NoRealNameAuth OrderAlreadyReplaced RenewNotIssued "
            "RoleNotFoundAuthorization"
        ).split()
    ),
    "InternalError",
    "LimitExceeded.RateLimitExceeded",
}


def codes(title: str) -> pytest.MarkDecorator:
    return pytest.mark.reliability(area="deletion", tried=title, held=HELD[title])


HELD = {
    "refused by state": "each refusal the emulator derives from the certificate or account ends the delete at once "
    "(one DeleteCertificate call), keeps the certificate in the cloud and the state, and the message names entry, "
    "certificate, code and the one thing to do; `pulumi up` again only where it can succeed, `release:` for the "
    "permanent ones",
    "injected refusal": "the same for the codes no emulator state produces (bound-resource, service-role, parameter "
    "and time-rule codes injected as replies)",
    "transient codes": "the client retries them and the delete succeeds; past the retries the message says to run "
    "`pulumi up` again later and the certificate stays",
    "lifts by itself": "a renewal that is issued, or a free certificate's hour that ends, within delete_timeout is "
    "waited for and the delete succeeds; one that does not is refused with when or what to wait for",
}


@pytest.fixture
def fake_time(emu: RunningEmulator) -> Iterator[FakeTime]:
    emu.admin("PUT", "/_emulator/settings", {"SignatureClock": "real", "RateLimit": False})
    fake = FakeTime(emu)
    yield fake
    fake.close()


@pytest.fixture
def ssl(emu: RunningEmulator) -> Iterator[SslService]:
    settings = ClientSettings(endpoint=emu.url, rate_per_action=None)
    with Client(Credentials(emu.secret_id, emu.secret_key), settings, sleep=lambda _s: None) as api:
        yield SslService(api)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def provider(ssl: SslService, fake_time: FakeTime, lines: list[str]) -> CertificateProvider:
    timing = fake_time.timing()
    return CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lines.append)


def deletes(emu: RunningEmulator) -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["Action"] == "DeleteCertificate"]


def uploaded(provider: CertificateProvider, **extra: Any) -> tuple[str, dict[str, Any]]:
    cert, key = make_cert("www.example.com")
    return create(provider, upload_inputs(cert, key, **extra))


def refused(provider: CertificateProvider, emu: RunningEmulator, cert_id: str, outs: dict[str, Any]) -> str:
    """Delete, expect a refusal; the certificate is still in the emulator. Returns the message."""
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    assert cert_id in {c["CertificateId"] for c in emu.certificates()}
    return str(caught.value)


def _set_state(**fields: Any) -> Callable[[RunningEmulator, str], None]:
    def arrange(emu: RunningEmulator, cert_id: str) -> None:
        emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": cert_id, **fields})

    return arrange


def _settings(**values: Any) -> Callable[[RunningEmulator, str], None]:
    def arrange(emu: RunningEmulator, _cert_id: str) -> None:
        emu.admin("PUT", "/_emulator/settings", values)

    return arrange


def _project(emu: RunningEmulator, cert_id: str) -> None:
    emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": cert_id, "ProjectId": 1207})
    emu.admin("PUT", "/_emulator/settings", {"ForbiddenProjects": [1207]})


def _inject(code: str) -> Callable[[RunningEmulator, str], None]:
    def arrange(emu: RunningEmulator, _cert_id: str) -> None:
        fault = {"Kind": "error", "Action": "DeleteCertificate", "Code": code, "Message": f"{code} (injected)"}
        emu.admin("POST", "/_emulator/faults", {**fault, "Count": 50})

    return arrange


@dataclass(frozen=True)
class Refusal:
    code: str
    arrange: Callable[[RunningEmulator, str], None]
    says: tuple[str, ...]


#: Refusals the emulator produces from its own state.
FROM_STATE = [
    Refusal(
        "FailedOperation.CannotBeDeletedIssued",
        _set_state(Paid=True, Status=1),
        ("issued paid certificate", "release:", "Running again cannot help"),
    ),
    Refusal(
        "FailedOperation.CancelOrderFailed",
        _set_state(Paid=True, Status=0),
        ("could not cancel the certificate's paid order", "release:"),
    ),
    Refusal(
        "FailedOperation.OrderAlreadyReplaced",
        _set_state(Paid=True, Status=1, OrderReplaced=True),
        ("order has been reissued", "release:"),
    ),
    Refusal(
        "FailedOperation.NoProjectPermission",
        _project,
        ("may not manage certificates in the certificate's project", "project permissions", "run `pulumi up` again"),
    ),
    Refusal(
        "FailedOperation.AuthError",
        _settings(DeniedActions=["DeleteCertificate"]),
        ("not allowed to delete", "ssl:DeleteCertificate", "QcloudSSLFullAccess", "run `pulumi up`"),
    ),
    Refusal(
        "FailedOperation.NoRealNameAuth",
        _settings(RealNameVerified=False),
        ("identity verification", "Account Center", "run `pulumi up` again"),
    ),
]

#: Refusals no emulator state produces: injected replies.
INJECTED = [
    Refusal(
        "FailedOperation.BoundResources",
        _inject("FailedOperation.BoundResources"),
        ("still bound", "Unbind", "none that DescribeDeployedResources lists"),
    ),
    Refusal("FailedOperation.DeleteResourceFailed", _inject("FailedOperation.DeleteResourceFailed"), ("still bound",)),
    Refusal(
        "FailedOperation.RoleNotFoundAuthorization",
        _inject("FailedOperation.RoleNotFoundAuthorization"),
        ("SSL_QCSLinkedRoleInReplaceLoadCertificate", "CAM", "check_resources: false"),
    ),
    Refusal(
        "FailedOperation.InvalidParam",
        _inject("FailedOperation.InvalidParam"),
        ("rejected the certificate id", "release:", "Running again cannot help"),
    ),
]


def _check_refusal(case: Refusal, message: str, cert_id: str, emu: RunningEmulator) -> None:
    rule = DELETE_CODES[case.code]
    assert message.startswith(f"www: cannot delete certificate {cert_id}"), message
    for text in case.says:
        assert text in message, f"{text!r} missing from: {message}"
    assert "stays" in message
    if rule.handling is Handling.PERMANENT:
        assert "`www`" in message and "again to retry" not in message
    assert "<account>" not in message and "no certificate records that it replaces" not in message
    [call] = deletes(emu)  # refused at once: no retry, no task
    assert call["ErrorCode"] == case.code


@codes("refused by state")
@pytest.mark.parametrize("case", FROM_STATE, ids=lambda c: c.code)
def test_state_refusals(case: Refusal, emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert_id, outs = uploaded(provider)
    case.arrange(emu, cert_id)
    _check_refusal(case, refused(provider, emu, cert_id, outs), cert_id, emu)


@codes("injected refusal")
@pytest.mark.parametrize("case", INJECTED, ids=lambda c: c.code)
def test_injected_refusals(
    case: Refusal, emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    cert_id, outs = uploaded(provider)
    case.arrange(emu, cert_id)
    _check_refusal(case, refused(provider, emu, cert_id, outs), cert_id, emu)
    # A removal has no replacement to move anything to: nothing is said about one.
    assert not [line for line in lines if "no certificate records that it replaces" in line]


TRANSIENT = [code for code, rule in DELETE_CODES.items() if rule.handling is Handling.RETRIED]


@codes("transient codes")
@pytest.mark.parametrize("code", TRANSIENT)
def test_transient_codes_are_retried(code: str, emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert_id, outs = uploaded(provider)
    emu.admin("POST", "/_emulator/faults", {"Kind": "error", "Action": "DeleteCertificate", "Code": code, "Count": 2})
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    assert [c["ErrorCode"] for c in deletes(emu)] == [code, code, None]
    assert emu.certificates() == []


@codes("transient codes")
@pytest.mark.parametrize("code", TRANSIENT)
def test_transient_codes_past_the_retries(code: str, emu: RunningEmulator, provider: CertificateProvider) -> None:
    cert_id, outs = uploaded(provider)
    _inject(code)(emu, cert_id)
    message = refused(provider, emu, cert_id, outs)
    assert message.startswith(f"www: deleting certificate {cert_id} failed: ")
    assert code in message and "Run `pulumi up` again later" in message and "stays" in message
    assert len(deletes(emu)) == 8  # the client's attempts


@codes("lifts by itself")
def test_renewal_issued_within_the_deadline_is_waited_for(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    cert_id, outs = uploaded(provider)
    _set_state(RenewalPendingSeconds=40)(emu, cert_id)
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    errors = [c["ErrorCode"] for c in deletes(emu)]
    assert errors[0] == "FailedOperation.RenewNotIssued" and errors[-1] is None and len(errors) >= 3
    assert emu.certificates() == []
    assert any("cannot delete certificate" in line and "yet" in line for line in lines)


@codes("lifts by itself")
def test_renewal_not_issued_by_the_deadline(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    cert_id, outs = uploaded(provider, delete_timeout=60.0)
    _set_state(RenewalPendingSeconds=3600)(emu, cert_id)
    emu.admin("DELETE", "/_emulator/calls")
    with pytest.raises(CertificateError) as caught:
        provider.delete(cert_id, outs)
    message = str(caught.value)
    assert message.startswith(f"www: cannot delete certificate {cert_id}: a renewal of the certificate")
    assert "FailedOperation.RenewNotIssued" in message and "once the renewal is issued" in message
    assert "waited 60s (delete_timeout) for it to lift" in message
    progress = [line for line in lines if f"still waiting to delete certificate {cert_id}" in line]
    assert len(progress) >= 2 and "of delete_timeout 60s" in progress[-1]
    assert {c["ErrorCode"] for c in deletes(emu)} == {"FailedOperation.RenewNotIssued"} and len(deletes(emu)) > 1
    assert len(emu.certificates()) == 1


def _free(provider: CertificateProvider, emu: RunningEmulator, timeout: float) -> tuple[str, dict[str, Any]]:
    emu.admin("PUT", "/_emulator/settings", {"FreeCertIssueSeconds": 1})
    props = {
        "entry": "shop", "owner": OWNER, "source": "free", "free_domain": "shop.example.com", "delete_timeout": timeout,
    }  # fmt: skip
    return create(provider, props)


@codes("lifts by itself")
def test_the_free_certificate_hour_ending_within_the_deadline_is_waited_for(
    emu: RunningEmulator, provider: CertificateProvider, lines: list[str]
) -> None:
    cert_id, outs = _free(provider, emu, 4000.0)
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    assert [c["ErrorCode"] for c in deletes(emu)][0] == "FailedOperation.CannotBeDeletedWithinHour"
    assert emu.certificates() == []
    assert any(f"certificate {cert_id} can be deleted from" in line for line in lines)
    # The hour is slept through in steps of progress_every (15 s), each said.
    assert sum("left of the hour" in line for line in lines) >= 100


@codes("lifts by itself")
def test_the_free_certificate_hour_past_the_deadline_is_refused_at_once(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    cert_id, outs = _free(provider, emu, 600.0)
    message = refused(provider, emu, cert_id, outs)
    assert "within an hour" in message and "Deletion becomes possible after" in message
    assert [c["ErrorCode"] for c in deletes(emu)] == ["FailedOperation.CannotBeDeletedWithinHour"]


@codes("injected refusal")
def test_delete_failed_time_not_up_past_the_deadline_is_refused_with_when(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    cert_id, outs = uploaded(provider, delete_timeout=30.0)
    _inject("FailedOperation.DeleteFailedTimeNotUp")(emu, cert_id)
    message = refused(provider, emu, cert_id, outs)
    # The hour ends an hour after the upload's InsertTime, past the 30 s deadline: refused at once, saying when.
    assert "DeleteFailedTimeNotUp" in message and "Deletion becomes possible after" in message
    assert "run `pulumi up` again then" in message
    assert len(deletes(emu)) == 1


@pytest.mark.reliability(
    area="deletion",
    tried="a certificate deleted out of band, then its entry removed (FailedOperation.CertificateNotFound)",
    held="the delete succeeds saying it was already deleted; one DeleteCertificate call",
)
def test_a_certificate_already_gone_is_a_success(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    cert_id, outs = uploaded(provider)
    ssl.delete_certificate(cert_id, check_resources=False)
    emu.admin("DELETE", "/_emulator/calls")
    provider.delete(cert_id, outs)
    assert [c["ErrorCode"] for c in deletes(emu)] == ["FailedOperation.CertificateNotFound"]
    assert lines[-1] == f"www: certificate {cert_id} is already deleted"


def test_every_documented_code_is_in_the_table_and_tested() -> None:
    assert set(DELETE_CODES) == DOCUMENTED
    tested = (
        {c.code for c in FROM_STATE + INJECTED}
        | set(TRANSIENT)
        | {"FailedOperation.RenewNotIssued", "FailedOperation.CannotBeDeletedWithinHour"}
        | {"FailedOperation.InvalidCertificateStatusCode"}
        | {"FailedOperation.DeleteFailedTimeNotUp", "FailedOperation.CertificateNotFound"}
    )
    assert tested == DOCUMENTED


def test_the_client_retries_exactly_the_transient_rows() -> None:
    # The table and the client's retry policy classify the same codes the same way.
    for code, rule in DELETE_CODES.items():
        assert is_retryable_code(code, "DeleteCertificate") == (rule.handling is Handling.RETRIED), code


@codes("lifts by itself")
def test_an_hour_over_by_our_clock_but_not_by_tencents_backs_off_until_the_deadline(
    emu: RunningEmulator, ssl: SslService, fake_time: FakeTime
) -> None:
    # Our clock two hours ahead: the hour has ended by it, yet Tencent keeps refusing. No tight loop of deletes:
    # attempts back off, and the deadline ends them.
    ahead = fake_time.wall() + dt.timedelta(hours=2)
    timing = fake_time.timing(now=lambda: ahead)
    provider = CertificateProvider(service_factory=lambda: ssl, timing=timing, progress=lambda _line: None)
    cert_id, outs = uploaded(provider, delete_timeout=60.0)
    _inject("FailedOperation.CannotBeDeletedWithinHour")(emu, cert_id)
    message = refused(provider, emu, cert_id, outs)
    assert "within an hour" in message
    assert 3 <= len(deletes(emu)) <= 12 and sum(fake_time.sleeps) <= 60


@codes("lifts by itself")
def test_a_busy_status_ending_within_the_deadline_is_waited_for(
    emu: RunningEmulator, provider: CertificateProvider, fake_time: FakeTime, lines: list[str]
) -> None:
    """InvalidCertificateStatusCode (status 9, being revoked) is a state Tencent works through, not a final one."""
    cert_id, outs = uploaded(provider, delete_timeout=600.0)
    _set_state(Status=9)(emu, cert_id)
    emu.admin("DELETE", "/_emulator/calls")
    start = fake_time.now

    def revoked(clock: FakeTime) -> None:
        if clock.now - start >= 30:
            clock.on_sleep = None  # once: the revocation is over
            _set_state(Status=10)(emu, cert_id)

    fake_time.on_sleep = revoked
    provider.delete(cert_id, outs)
    errors = [c["ErrorCode"] for c in deletes(emu)]
    assert errors[0] == "FailedOperation.InvalidCertificateStatusCode" and errors[-1] is None
    assert emu.certificates() == []
    assert any(f"cannot delete certificate {cert_id} yet" in line for line in lines)


@codes("lifts by itself")
def test_a_busy_status_past_the_deadline_says_it_waited_and_to_run_again(
    emu: RunningEmulator, provider: CertificateProvider
) -> None:
    cert_id, outs = uploaded(provider, delete_timeout=60.0)
    _set_state(Status=6)(emu, cert_id)  # the order being cancelled
    message = refused(provider, emu, cert_id, outs)
    assert message.startswith(f"www: cannot delete certificate {cert_id}: the certificate's status"), message
    for text in ("InvalidCertificateStatusCode", "waited 60s (delete_timeout)", "Run `pulumi up` again once"):
        assert text in message, message
    assert "release:" not in message and "cannot help" not in message
    assert len(deletes(emu)) > 1
