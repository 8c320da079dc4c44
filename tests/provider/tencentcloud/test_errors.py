"""The exception tree: messages, fields and pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from provider.tencentcloud import errors
from provider.tencentcloud.errors import ApiError, HttpStatusError, TencentCloudError, TransportError


def test_api_error_message_and_fields() -> None:
    error = ApiError("DeleteCertificate", "FailedOperation.CertificateNotFound", "no such certificate", "req-1")
    assert str(error) == (
        "DeleteCertificate failed: FailedOperation.CertificateNotFound: no such certificate (RequestId req-1)"
    )
    assert (error.action, error.code, error.message, error.request_id) == (
        "DeleteCertificate",
        "FailedOperation.CertificateNotFound",
        "no such certificate",
        "req-1",
    )
    assert isinstance(error, TencentCloudError)


def test_api_error_names_attempts_once_retried() -> None:
    error = ApiError("UploadCertificate", "InternalError", "boom", "req-2", attempts=3)
    assert str(error) == "UploadCertificate failed: InternalError: boom (RequestId req-2, after 3 attempts)"


def test_transport_error_message() -> None:
    assert str(TransportError("connection to h dropped")) == "connection to h dropped"
    error = HttpStatusError(502, action="DescribeCertificates", attempts=2)
    assert str(error) == "DescribeCertificates failed: HTTP status 502 after 2 attempts"
    assert error.status_code == 502


ERRORS = [
    TencentCloudError("base"),
    ApiError("DeleteCertificate", "FailedOperation.BoundResources", "still bound", "req-3", attempts=2),
    ApiError("DeleteCertificate", "InternalError", "x"),
    TransportError("broken", action="A"),
    errors.ConnectError("refused", action="A", attempts=8),
    errors.ConnectTimeout("slow", action="A"),
    errors.ReadTimeout("slow", action="A"),
    errors.RequestTimeout("slow"),
    errors.ConnectionLost("dropped", action="A"),
    HttpStatusError(502, action="A", attempts=4),
    errors.InvalidResponse("not JSON", action="A"),
]


def test_every_error_class_is_tried() -> None:
    classes = {getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert classes == {type(e) for e in ERRORS}


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{type(e).__name__}-{e.args[0]}")
def test_every_error_pickles(error: TencentCloudError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.args == error.args
    assert str(copy) == str(error)
    assert repr(copy) == repr(error)
    assert vars(copy) == vars(error)


def test_attributes_set_after_raising_survive_pickling() -> None:
    # The client sets .action and .attempts on the way out; a caller may add a note.
    error = HttpStatusError(503)
    error.action, error.attempts = "DescribeCertificates", 3
    error.add_note("while refreshing www")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.action, copy.attempts, copy.status_code, copy.__notes__) == (
        "DescribeCertificates",
        3,
        503,
        ["while refreshing www"],
    )
    assert str(copy) == "DescribeCertificates failed: HTTP status 503 after 3 attempts"


def test_errors_unpickle_in_a_fresh_process() -> None:
    # As when the provider process ships an error: the class is found by name, without our modules preloaded.
    data = pickle.dumps(ApiError("UploadCertificate", "LimitExceeded.RateLimitExceeded", "slow down", "r", attempts=8))
    code = "import pickle, sys; print(str(pickle.loads(sys.stdin.buffer.read())))"
    repo = Path(errors.__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True, cwd=repo).stdout
    assert out.decode().strip() == (
        "UploadCertificate failed: LimitExceeded.RateLimitExceeded: slow down (RequestId r, after 8 attempts)"
    )


def test_hierarchy_as_drawn() -> None:
    assert issubclass(errors.ConnectTimeout, errors.RequestTimeout)
    assert issubclass(errors.ReadTimeout, errors.RequestTimeout)
    for cls in (
        errors.ConnectError,
        errors.RequestTimeout,
        errors.ConnectionLost,
        HttpStatusError,
        errors.InvalidResponse,
    ):
        assert issubclass(cls, TransportError)
    assert not issubclass(ApiError, TransportError)
    assert set(errors.__all__) <= set(dir(errors))
