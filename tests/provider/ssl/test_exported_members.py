"""The package surface: every name callers import from ``provider.ssl``, and the exceptions' public path."""

from __future__ import annotations

import importlib

import pytest

import provider.ssl as package

# Every name imported from provider.ssl (or provider/ssl.py before it became a package) somewhere in the repo.
EXPORTED = [
    "DELETE_TASK_POLL_LIMIT",
    "DEPLOYED_RESOURCE_TYPES",
    "SSL_SERVICE",
    "SSL_VERSION",
    "TAG_SERVICE",
    "TAG_VERSION",
    "ApiCaller",
    "CertificateDetail",
    "CertificateNotFound",
    "CertificateStatus",
    "CertificateStillBound",
    "CertificateSummary",
    "DeleteOutcome",
    "DeleteTask",
    "DeleteTaskFailed",
    "DeleteTaskStatus",
    "DeletionRefused",
    "DeletionTooSoon",
    "DeployedResources",
    "DvAuthRecord",
    "ProjectChangeFailed",
    "ResourceCheckTimedOut",
    "ServiceRoleNotAuthorised",
    "SslError",
    "SslService",
    "parse_tencent_time",
    "tag_resource_name",
]


def test_exported_members() -> None:
    assert sorted(package.__all__) == sorted(EXPORTED)
    for name in package.__all__:
        assert getattr(package, name) is not None, name


@pytest.mark.parametrize("module", ["errors", "models", "wire", "service"])
def test_every_module_lists_what_it_defines(module: str) -> None:
    loaded = importlib.import_module(f"provider.ssl.{module}")
    assert set(loaded.__all__) <= set(dir(loaded))


def test_exceptions_keep_their_public_module_path() -> None:
    # Tracebacks a user sees and pickles name the exception by module and class: keep `provider.ssl.X`.
    errors = [obj for obj in vars(package).values() if isinstance(obj, type) and issubclass(obj, package.SslError)]
    assert len(errors) == 9
    for error in errors:
        assert error.__module__ == "provider.ssl", error
        assert getattr(package, error.__qualname__) is error
