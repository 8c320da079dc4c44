"""The SslError tree: messages, fields, and pickling with every attribute (errors cross process boundaries)."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import provider.ssl as package
from provider.ssl import (
    DELETE_CODES,
    AccountActionNeeded,
    CertificateNotFound,
    CertificateStillBound,
    DeleteTaskFailed,
    DeletionRefused,
    DeletionTooSoon,
    DeployedResources,
    LiftsByItself,
    NeverDeletable,
    ProjectChangeFailed,
    RefusedWithCode,
    RenewalNotIssued,
    ResourceCheckTimedOut,
    ServiceRoleNotAuthorised,
    SslError,
)

ERRORS = [
    SslError("something named", certificate_id="c0"),
    CertificateNotFound("c1"),
    DeletionRefused("refused", certificate_id="c2", task_id="t2"),
    CertificateStillBound(
        "c3", task_id="t3", resources=[DeployedResources("c3", "clb", 1, ("lb-1",))], reason="bound to lb-1"
    ),
    ServiceRoleNotAuthorised("c4", task_id="t4", reason="no role"),
    ResourceCheckTimedOut("c5", task_id="t5", reason="slow check"),
    DeleteTaskFailed("c6", task_id="t6", reason="CA said no"),
    DeletionTooSoon(
        "c7", earliest=dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC), code="FailedOperation.DeleteFailedTimeNotUp"
    ),
    DeletionTooSoon("c8", earliest=None),
    ProjectChangeFailed("c9", 42),
    RefusedWithCode("c10", DELETE_CODES["FailedOperation.InvalidParam"], reason="bad id"),
    RenewalNotIssued("c11", DELETE_CODES["FailedOperation.RenewNotIssued"], reason="renewal pending"),
    LiftsByItself("c14", DELETE_CODES["FailedOperation.InvalidCertificateStatusCode"], reason="being revoked"),
    AccountActionNeeded("c12", DELETE_CODES["FailedOperation.NoRealNameAuth"]),
    NeverDeletable("c13", DELETE_CODES["FailedOperation.CannotBeDeletedIssued"], reason="issued"),
]


def test_every_error_class_is_tried() -> None:
    classes = {v for v in vars(package).values() if isinstance(v, type) and issubclass(v, SslError)}
    assert classes == {type(e) for e in ERRORS}


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{type(e).__name__}-{e.certificate_id}")
def test_every_error_pickles_with_all_its_attributes(error: SslError) -> None:
    data = pickle.dumps(error)
    copy = pickle.loads(data)
    assert type(copy) is type(error)
    assert copy.args == error.args
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
    # Pickles name the class by its public path, which stays importable whatever module defines it.
    assert b"provider.ssl.errors" not in data


def test_attributes_set_after_raising_survive_pickling() -> None:
    error = CertificateStillBound("c1", task_id="t1")
    error.resources = (DeployedResources("c1", "cdn", 2, ("a.com", "b.com")),)
    error.add_note("entry www")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.resources == error.resources and copy.__notes__ == ["entry www"]
    assert copy.task_id == "t1"


def test_messages() -> None:
    assert str(CertificateNotFound("c1")) == "certificate c1 does not exist"
    assert str(ProjectChangeFailed("c9", 42)) == "Tencent Cloud did not move certificate c9 to project 42"
    assert str(DeleteTaskFailed("c6")) == "the deletion task failed: no reason given"
    assert str(ERRORS[7]) == "certificate c7 cannot be deleted before 2024-05-01T09:00:00+00:00"
    assert ServiceRoleNotAuthorised("c4").role == "SSL_QCSLinkedRoleInReplaceLoadCertificate"


def test_errors_unpickle_in_a_fresh_process() -> None:
    data = pickle.dumps(DeletionTooSoon("c7", earliest=dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC), code="X"))
    code = "import pickle, sys; e = pickle.loads(sys.stdin.buffer.read()); print(type(e).__module__, e.code, e)"
    repo = Path(package.__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True, cwd=repo).stdout
    assert out.decode().strip() == "provider.ssl X certificate c7 cannot be deleted before 2024-05-01T09:00:00+00:00"
