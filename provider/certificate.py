"""Tencent Cloud SSL certificates as Pulumi resources: ``CertificateProvider`` (dynamic provider) and ``Certificate``.

The provider is pickled **by reference** into every resource's state as ``provider.certificate.CertificateProvider``:
this module path and class name are a compatibility promise (moving them breaks refresh and delete of existing
stacks). Importing this module has no side effects; the pickle holds no state at all (see ``__getstate__``), so no
credential can reach it. Credentials, endpoint and region come from the stack config (``configure()``, namespace
``tencentcloud``) or the ``TENCENTCLOUD_*`` environment, read when the first API call needs them.

Diff design (why ``changes=None``): the Python dynamic server forwards ``changes`` and ``replaces`` but drops
``stables``/``diffs``/``detailedDiff`` (pulumi/dynamic/__main__.py, ``Diff``), so a diff answering ``changes=True``
leaves the engine with no changed-key list and ``preview --diff`` with no field names. ``diff`` therefore answers
``changes=False`` when no managed field changed (bookkeeping inputs and ``__provider`` never cause a step), and
otherwise ``changes=None`` (DIFF_UNKNOWN): the engine then diffs old and new inputs itself and shows each changed
field, while ``replaces`` (which the server does forward) names the fields that force a replacement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.dynamic as dyn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pulumi.runtime.rpc import UNKNOWN

from .ssl import (
    CertificateDetail,
    CertificateNotFound,
    CertificateStatus,
    CertificateStillBound,
    DeleteTask,
    DeleteTaskFailed,
    DeletionRefused,
    DeletionTooSoon,
    DeployedResources,
    ProjectChangeFailed,
    ResourceCheckTimedOut,
    ServiceRoleNotAuthorised,
    SslService,
)
from .tencentcloud.client import Client
from .tencentcloud.config import ClientSettings
from .tencentcloud.credentials import Credentials
from .tencentcloud.errors import TencentCloudError

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "OUTPUT_NAMES",
    "REPLACE_FIELDS",
    "SOURCES",
    "Certificate",
    "CertificateArgs",
    "CertificateError",
    "CertificateProvider",
    "Timing",
    "input_names",
    "normalise_pem",
    "owner_token",
]

DEFAULT_DELETE_TIMEOUT = 600.0
DEFAULT_CREATE_TIMEOUT = 600.0
DEFAULT_REGION = "ap-guangzhou"  # Terraform's default; only the region part of tag resource names depends on it
TYPE_TOKEN = "pulumi-python:dynamic/tencentcloud:Certificate"

#: Stack config key -> environment variable, in the order they are looked up (config first).
CONFIG_KEYS: Mapping[str, str] = {
    "tencentcloud:secretId": "TENCENTCLOUD_SECRET_ID",
    "tencentcloud:secretKey": "TENCENTCLOUD_SECRET_KEY",
    "tencentcloud:securityToken": "TENCENTCLOUD_SECURITY_TOKEN",
    "tencentcloud:region": "TENCENTCLOUD_REGION",
    "tencentcloud:endpoint": "TENCENTCLOUD_ENDPOINT",
}

SOURCES = ("upload", "adopt", "free")
VALIDATION_METHODS = ("DNS_AUTO", "DNS", "FILE")
CERTIFICATE_TYPES = ("SVR", "CA")
# Inputs every certificate has, and the ones that belong to one source.
_COMMON_INPUTS = (
    "entry",
    "owner",
    "source",
    "alias",
    "project_id",
    "tags",
    "check_resources",
    "delete_timeout",
    "create_timeout",
)
_SOURCE_INPUTS: Mapping[str, tuple[str, ...]] = {
    "upload": ("certificate", "private_key", "certificate_type", "allow_expired"),
    "adopt": ("adopt_id",),
    "free": ("free_domain", "free_validation"),
}
_ALL_INPUTS = frozenset(_COMMON_INPUTS).union(*_SOURCE_INPUTS.values())
#: Changing one of these creates a new certificate and deletes the old one.
REPLACE_FIELDS = (
    "source",
    "certificate",
    "private_key",
    "certificate_type",
    "adopt_id",
    "free_domain",
    "free_validation",
)
# Bookkeeping inputs: they only matter at create time or in messages, so changing them is never a step.
_NO_STEP_FIELDS = frozenset({"entry", "owner", "allow_expired", "create_timeout"})
#: Computed outputs (besides the inputs, which are echoed; alias, project_id and tags hold the live values).
OUTPUT_NAMES = (
    "certificate_id",
    "domain",
    "subject_alt_names",
    "not_before",
    "not_after",
    "status",
    "status_name",
    "fingerprint",
    "certificate_type",
)

# Tag keys owned by this provider (and Tencent's reserved prefixes): never user tags, kept on every tag change.
OWNER_TAG = "pulumi:owner"
CREATE_TAG = "pulumi:create"
_RESERVED_TAG_PREFIXES = ("pulumi:", "qcloud", "tencent", "project")
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,127}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{0,255}$")
_MAX_USER_TAGS = 48  # Tencent allows 50 tags per resource; two are the provider's
_ALIAS_MAX = 128
_CERT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_WAITING_STATUSES = frozenset(
    {
        CertificateStatus.PENDING,
        CertificateStatus.DNS_RECORD_ADDED,
        CertificateStatus.FREE_INFO_PENDING,
        CertificateStatus.REISSUING,
        CertificateStatus.MIGRATING,
    }
)


class CertificateError(Exception):
    """Raised by the provider with a message for the user: entry, certificate id, task id, reason, what to do."""


# ------------------------------------------------------------------------------------------- value handling


def _unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unknown(v) for v in value)
    return False


def _as_int(value: Any, default: int = 0) -> int:
    # Numbers cross the gRPC boundary as protobuf doubles: 3 arrives as 3.0.
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    return int(str(value).strip())


def _as_bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _seconds(value: Any, default: float) -> float:
    """A duration: a number of seconds, or text like ``90s``, ``10m``, ``1.5h``."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or text like 10m")
    if isinstance(value, (int, float)):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration such as 600, 90s, 10m or 1h")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def _tags_of(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _reserved_tag(key: str) -> bool:
    return key.lower().startswith(_RESERVED_TAG_PREFIXES)


def _user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if not _reserved_tag(k)}


def normalise_pem(text: str) -> str:
    """PEM text with CRLF turned into LF, surrounding blank space removed and one final newline."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return body + "\n" if body else ""


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def owner_token(project: str, stack: str, name: str) -> str:
    """The stack-scoped ownership token of a resource: a hash of its URN (tag ``pulumi:owner``)."""
    urn = f"urn:pulumi:{stack}::{project}::{TYPE_TOKEN}::{name}"
    return hashlib.sha256(urn.encode()).hexdigest()[:24]


def input_names(source: str) -> tuple[str, ...]:
    """The input property names a certificate of ``source`` ("upload", "adopt", "free") has."""
    return _COMMON_INPUTS + _SOURCE_INPUTS.get(source, ())


# --------------------------------------------------------------------------------------------- PEM checks


def _load_chain(pem: str) -> list[x509.Certificate]:
    certificates = x509.load_pem_x509_certificates(pem.encode())
    if not certificates:
        raise ValueError("no certificate")
    return certificates


def _load_key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


def _public_der(public_key: Any) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _same_key(a: str, b: str) -> bool:
    """Whether two private-key PEM texts hold the same key (a re-encoding is not a change)."""
    if normalise_pem(a) == normalise_pem(b):
        return True
    try:
        return _public_der(_load_key(a).public_key()) == _public_der(_load_key(b).public_key())
    except (ValueError, TypeError):
        return False


def _fingerprint(pem: str) -> str:
    try:
        return _load_chain(pem)[0].fingerprint(hashes.SHA1()).hex()  # noqa: S303 - Tencent's CertFingerprint is SHA-1
    except ValueError:
        return ""


def _check_upload(news: Mapping[str, Any], now: dt.datetime) -> list[dyn.CheckFailure]:
    failures: list[dyn.CheckFailure] = []
    pem, key_pem = news.get("certificate"), news.get("private_key")
    cert_type = news.get("certificate_type", "SVR")
    leaf = None
    if not isinstance(cert_type, str) or (not _unknown(cert_type) and cert_type not in CERTIFICATE_TYPES):
        failures.append(dyn.CheckFailure("certificate_type", "certificate_type must be SVR or CA"))
    if pem is None or pem == "":
        failures.append(dyn.CheckFailure("certificate", "an uploaded certificate needs its PEM body"))
    elif not isinstance(pem, str):
        failures.append(dyn.CheckFailure("certificate", "certificate must be PEM text"))
    elif not _unknown(pem):
        try:
            leaf = _load_chain(pem)[0]
        except ValueError:
            failures.append(dyn.CheckFailure("certificate", "certificate is not a PEM X.509 certificate (chain)"))
    if leaf is not None and not _as_bool(news.get("allow_expired"), False):
        if leaf.not_valid_after_utc <= now:
            failures.append(
                dyn.CheckFailure(
                    "certificate",
                    f"the certificate expired on {_iso(leaf.not_valid_after_utc)}; set allow_expired to upload it",
                )
            )
    if key_pem is None or key_pem == "":
        if cert_type == "SVR":
            failures.append(dyn.CheckFailure("private_key", "an SVR (server) certificate needs its private key"))
        return failures
    if not isinstance(key_pem, str):
        failures.append(dyn.CheckFailure("private_key", "private_key must be PEM text"))
        return failures
    if _unknown(key_pem):
        return failures
    try:
        key = _load_key(key_pem)
    except TypeError:
        failures.append(dyn.CheckFailure("private_key", "private_key is encrypted; give it unencrypted"))
        return failures
    except Exception:  # noqa: BLE001 - cryptography raises several kinds; never echo the text
        failures.append(dyn.CheckFailure("private_key", "private_key is not a PEM private key"))
        return failures
    if leaf is not None and _public_der(key.public_key()) != _public_der(leaf.public_key()):
        failures.append(dyn.CheckFailure("private_key", "private_key does not match the certificate"))
    return failures


def _check_common(news: Mapping[str, Any]) -> list[dyn.CheckFailure]:
    failures: list[dyn.CheckFailure] = []
    alias = news.get("alias", "")
    if not isinstance(alias, str):
        failures.append(dyn.CheckFailure("alias", "alias must be text"))
    elif not _unknown(alias) and (len(alias) > _ALIAS_MAX or any(ord(c) < 32 for c in alias)):
        failures.append(dyn.CheckFailure("alias", f"alias must be at most {_ALIAS_MAX} printable characters"))
    project = news.get("project_id", 0)
    if not _unknown(project):
        try:
            if isinstance(project, bool) or _as_int(project) < 0 or float(project) != _as_int(project):
                raise ValueError
        except (TypeError, ValueError):
            failures.append(dyn.CheckFailure("project_id", "project_id must be a whole number >= 0"))
    tags = news.get("tags", {})
    if tags is not None and not _unknown(tags):
        if not isinstance(tags, Mapping):
            failures.append(dyn.CheckFailure("tags", "tags must be a mapping of key to value"))
        else:
            failures.extend(_check_tags(tags))
    for name in ("check_resources", "allow_expired"):
        value = news.get(name)
        if value is not None and not _unknown(value) and not isinstance(value, bool):
            failures.append(dyn.CheckFailure(name, f"{name} must be true or false"))
    for name in ("delete_timeout", "create_timeout"):
        value = news.get(name)
        if value is None or _unknown(value):
            continue
        try:
            if not 0 < _seconds(value, 0) <= 7 * 86400:
                raise ValueError
        except ValueError:
            failures.append(dyn.CheckFailure(name, f"{name} must be a duration between 1s and 7 days (e.g. 10m)"))
    return failures


def _check_tags(tags: Mapping[Any, Any]) -> list[dyn.CheckFailure]:
    failures = []
    if len(tags) > _MAX_USER_TAGS:
        failures.append(dyn.CheckFailure("tags", f"at most {_MAX_USER_TAGS} tags per certificate"))
    for key, value in tags.items():
        if not isinstance(key, str) or not _TAG_KEY.match(key):
            failures.append(
                dyn.CheckFailure("tags", f"tag key {key!r} must be 1-127 letters, digits, spaces or + - = . _ : / @")
            )
        elif _reserved_tag(key):
            failures.append(
                dyn.CheckFailure("tags", f"tag key {key!r} uses a reserved prefix (pulumi:, qcloud, tencent, project)")
            )
        if not isinstance(value, str) or (not _unknown(value) and not _TAG_VALUE.match(value)):
            failures.append(
                dyn.CheckFailure(
                    "tags", f"tag {key!r}: the value must be at most 255 letters, digits, spaces or + - = . _ : / @"
                )
            )
    return failures


# -------------------------------------------------------------------------------------------------- provider


@dataclass(frozen=True)
class Timing:
    """How the provider waits: injectable for tests (the production values are the defaults)."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    first_poll: float = 1.0
    max_poll: float = 10.0
    progress_every: float = 15.0


class CertificateProvider(dyn.ResourceProvider):
    """The dynamic provider behind ``Certificate``; one instance serves up to four engine calls at once.

    ``service_factory``, ``timing`` and ``progress`` are for tests; none of them is pickled.
    """

    def __init__(
        self,
        *,
        service_factory: Callable[[], SslService] | None = None,
        timing: Timing | None = None,
        progress: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._service_factory = service_factory
        self._timing = timing or Timing()
        self._progress = progress
        self._environ = environ
        self._config: dict[str, str] = {}
        self._lock = threading.Lock()
        self._service: SslService | None = None

    # The pickle stores only the class reference: no configuration, client, lock or credential.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Remember the ``tencentcloud:*`` stack config (secrets arrive decrypted); the client is built later."""
        config = {}
        for key in CONFIG_KEYS:
            value = req.config.get(key)
            if value is not None and str(value).strip():
                config[key] = str(value).strip()
        with self._lock:
            self._config = config
            self._service = None

    def close(self) -> None:
        """Close the API client (the provider process normally keeps it until it exits)."""
        with self._lock:
            service, self._service = self._service, None
        if service is not None and self._service_factory is None:
            service.close()

    def _settings(self) -> dict[str, str]:
        environ = os.environ if self._environ is None else self._environ
        merged = {env: environ[env] for env in CONFIG_KEYS.values() if environ.get(env)}
        for key, env in CONFIG_KEYS.items():
            if key in self._config:
                merged[env] = self._config[key]
        return merged

    def _ssl(self) -> SslService:
        with self._lock:
            if self._service is None:
                self._service = self._service_factory() if self._service_factory else self._build_service()
            return self._service

    def _build_service(self) -> SslService:
        settings = self._settings()
        try:
            credentials = Credentials.from_env(settings)
            client_settings = ClientSettings.from_env(settings)
        except ValueError as error:
            raise CertificateError(f"Tencent Cloud settings are invalid: {error}") from None
        if credentials is None:
            raise CertificateError(
                "No Tencent Cloud credentials: set them with `pulumi config set tencentcloud:secretId ...` and "
                "`pulumi config set --secret tencentcloud:secretKey ...`, or export TENCENTCLOUD_SECRET_ID and "
                "TENCENTCLOUD_SECRET_KEY"
            )
        return SslService(Client(credentials, client_settings), region=client_settings.region or DEFAULT_REGION)

    def _say(self, message: str) -> None:
        # The engine shows a dynamic provider's output; stdout carries the gRPC port line, so use stderr.
        if self._progress is not None:
            self._progress(message)
        else:
            print(message, file=sys.stderr, flush=True)

    # -- check

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Validate every field before any API call; one CheckFailure per bad field; normalise numbers and PEM."""
        inputs = {k: v for k, v in news.items() if k != "__provider"}
        failures: list[dyn.CheckFailure] = []
        for name in sorted(set(inputs) - _ALL_INPUTS):
            failures.append(dyn.CheckFailure(name, f"unknown property {name!r}"))
        source = inputs.get("source")
        if _unknown(source):
            return dyn.CheckResult(inputs, failures)
        if source not in SOURCES:
            failures.append(dyn.CheckFailure("source", "source must be one of upload, adopt, free"))
            return dyn.CheckResult(inputs, failures)
        for name in sorted(set(inputs) & (_ALL_INPUTS - set(input_names(source)))):
            if inputs[name] is not None:
                failures.append(dyn.CheckFailure(name, f"{name} does not apply to a certificate from {source!r}"))
        failures.extend(_check_common(inputs))
        if source == "upload":
            failures.extend(_check_upload(inputs, self._timing.now()))
        elif source == "adopt":
            adopt_id = inputs.get("adopt_id")
            if not isinstance(adopt_id, str) or not (_unknown(adopt_id) or _CERT_ID.match(adopt_id)):
                failures.append(dyn.CheckFailure("adopt_id", "adopt_id must be a certificate id such as GjTNRoK7"))
        else:
            domain = inputs.get("free_domain")
            if not isinstance(domain, str) or not (_unknown(domain) or _DOMAIN.match(domain.lower())):
                failures.append(
                    dyn.CheckFailure("free_domain", "free_domain must be a DNS name such as www.example.com")
                )
            method = inputs.get("free_validation", "DNS_AUTO")
            if not _unknown(method) and method not in VALIDATION_METHODS:
                failures.append(dyn.CheckFailure("free_validation", "free_validation must be DNS_AUTO, DNS or FILE"))
        if not failures:
            inputs = self._normalise(inputs, source)
        return dyn.CheckResult(inputs, failures)

    @staticmethod
    def _normalise(inputs: dict[str, Any], source: str) -> dict[str, Any]:
        out = dict(inputs)
        defaults: dict[str, Any] = {
            "alias": "",
            "project_id": 0,
            "tags": {},
            "check_resources": True,
            "delete_timeout": DEFAULT_DELETE_TIMEOUT,
            "create_timeout": DEFAULT_CREATE_TIMEOUT,
        }
        if source == "upload":
            defaults.update(certificate_type="SVR", allow_expired=False)
        if source == "free":
            defaults.update(free_validation="DNS_AUTO")
        for name, value in defaults.items():
            if out.get(name) is None:
                out[name] = value
        for name in list(out):
            value = out[name]
            if value is None or _unknown(value):
                continue
            if name == "project_id":
                out[name] = _as_int(value)
            elif name in ("delete_timeout", "create_timeout"):
                out[name] = _seconds(value, DEFAULT_DELETE_TIMEOUT)
            elif name == "certificate":
                out[name] = normalise_pem(value)
            elif name == "tags":
                out[name] = _tags_of(value)
            elif name == "free_domain":
                out[name] = value.strip().lower()
        return out

    # -- diff

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Replace for the certificate's identity, update for alias/project/tags/delete settings, else nothing.

        ``olds`` are the old outputs, which echo the inputs (alias, project_id and tags as last read from Tencent).
        """
        source = news.get("source")
        old_source = olds.get("source")
        names = set(input_names(source if isinstance(source, str) else "")) | set(input_names(old_source or ""))
        changed = [n for n in sorted(names - _NO_STEP_FIELDS) if self._field_changed(n, olds, news)]
        if not changed:
            return dyn.DiffResult(changes=False)
        replaces = [n for n in changed if n in REPLACE_FIELDS]
        # changes=None lets the engine compute the changed keys (and --diff lines) from old and new inputs.
        return dyn.DiffResult(changes=None, replaces=replaces)

    @staticmethod
    def _field_changed(name: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        old, new = olds.get(name), news.get(name)
        if _unknown(new):
            return True
        if old is None and new is None:
            return False
        if old is None or new is None:
            # A field only one side has, e.g. after a source change; empty tags/alias equal absent ones.
            return (old if new is None else new) not in ("", {}, [])
        if name == "project_id":
            return _as_int(old) != _as_int(new)
        if name in ("delete_timeout", "create_timeout"):
            return _seconds(old, 0) != _seconds(new, 0)
        if name == "check_resources":
            return _as_bool(old, True) != _as_bool(new, True)
        if name == "tags":
            return _tags_of(old) != _tags_of(new)
        if name == "certificate":
            return normalise_pem(str(old)) != normalise_pem(str(new))
        if name == "private_key":
            return not _same_key(str(old), str(new))
        return bool(old != new)

    # -- create

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Upload, apply for (free DV) or adopt a certificate; return its id and complete outputs."""
        source = props.get("source", "upload")
        ssl = self._ssl()
        if source == "adopt":
            detail, tags = self._adopt(ssl, props)
        elif source == "free":
            detail, tags = self._apply(ssl, props)
        else:
            detail, tags = self._upload(ssl, props)
        return dyn.CreateResult(detail.certificate_id, self._outputs(props, detail, tags))

    def _upload(self, ssl: SslService, props: Mapping[str, Any]) -> tuple[CertificateDetail, dict[str, str]]:
        entry = _entry(props)
        user_tags = _tags_of(props.get("tags"))
        # A fresh token per create marks every certificate this call uploads, so a retried upload whose first
        # reply was lost (the client retries transport errors) can be found and its duplicate removed.
        nonce = secrets.token_hex(8)
        marks = {OWNER_TAG: str(props.get("owner") or ""), CREATE_TAG: nonce}
        marks = {k: v for k, v in marks.items() if v}
        try:
            certificate_id = ssl.upload_certificate(
                public_key=str(props["certificate"]),
                private_key=props.get("private_key") or None,
                certificate_type=str(props.get("certificate_type") or "SVR"),
                alias=str(props.get("alias") or ""),
                project_id=_as_int(props.get("project_id")),
                tags={**user_tags, **marks},
            )
        except TencentCloudError as error:
            survivors = self._uploaded_by(ssl, nonce)
            if not survivors:
                raise CertificateError(f"{entry}: uploading the certificate failed: {error}") from None
            certificate_id = survivors[0]
            self._say(f"{entry}: the upload reply was lost; certificate {certificate_id} had been created")
        self._remove_duplicates(ssl, entry, nonce, keep=certificate_id)
        deadline = self._timing.clock() + _seconds(props.get("create_timeout"), DEFAULT_CREATE_TIMEOUT)
        try:
            detail = self._wait_usable(ssl, entry, certificate_id, deadline)
        except Exception:
            self._discard(ssl, entry, certificate_id)
            raise
        return detail, user_tags

    def _uploaded_by(self, ssl: SslService, nonce: str) -> list[str]:
        try:
            return [c.certificate_id for c in ssl.find_certificates(tags={CREATE_TAG: nonce})]
        except TencentCloudError:
            return []

    def _remove_duplicates(self, ssl: SslService, entry: str, nonce: str, keep: str) -> None:
        for duplicate in self._uploaded_by(ssl, nonce):
            if duplicate == keep:
                continue
            self._discard(ssl, entry, duplicate)
            self._say(f"{entry}: removed duplicate certificate {duplicate} left by a retried upload")

    def _discard(self, ssl: SslService, entry: str, certificate_id: str) -> None:
        # Only for certificates this very call created a moment ago: nothing can be bound to them yet.
        try:
            ssl.delete_certificate(certificate_id, check_resources=False)
        except CertificateNotFound:
            pass
        except (TencentCloudError, DeletionRefused) as error:
            self._say(f"{entry}: could not remove certificate {certificate_id} created by this step: {error}")

    def _wait_usable(self, ssl: SslService, entry: str, certificate_id: str, deadline: float) -> CertificateDetail:
        """Wait until an uploaded certificate is usable (Status 1, or 3 for an expired one allowed by check)."""
        delay = self._timing.first_poll
        while True:
            detail = ssl.describe_certificate_detail(certificate_id)
            if detail.status in (CertificateStatus.ISSUED, CertificateStatus.EXPIRED):
                return detail
            if detail.status not in _WAITING_STATUSES:
                raise CertificateError(
                    f"{entry}: certificate {certificate_id} was rejected by Tencent Cloud: status {detail.status} "
                    f"{detail.status_name or ''} {detail.status_message or ''}".rstrip()
                )
            if self._timing.clock() >= deadline:
                raise CertificateError(
                    f"{entry}: certificate {certificate_id} is still not usable (status {detail.status}) at the "
                    "create_timeout; it was removed, run `pulumi up` again"
                )
            delay = self._pause(delay, deadline)

    def _pause(self, delay: float, deadline: float) -> float:
        self._timing.sleep(max(0.0, min(delay, deadline - self._timing.clock())))
        return min(delay * 2, self._timing.max_poll)

    def _apply(self, ssl: SslService, props: Mapping[str, Any]) -> tuple[CertificateDetail, dict[str, str]]:
        entry = _entry(props)
        domain = str(props["free_domain"])
        owner = str(props.get("owner") or "")
        user_tags = _tags_of(props.get("tags"))
        deadline = self._timing.clock() + _seconds(props.get("create_timeout"), DEFAULT_CREATE_TIMEOUT)
        certificate_id = self._pending_application(ssl, owner, domain)
        if certificate_id:
            self._say(f"{entry}: resuming the pending application {certificate_id} for {domain}")
        else:
            nonce = secrets.token_hex(8)
            # ApplyCertificate takes no tags: a unique temporary alias finds the applications of this call, so one
            # whose reply was lost (and was retried) is not left behind unnoticed.
            marker = f"pulumi-{nonce}"
            try:
                certificate_id = ssl.apply_certificate(
                    domain=domain,
                    validation=str(props.get("free_validation") or "DNS_AUTO"),
                    alias=marker,
                    project_id=_as_int(props.get("project_id")),
                )
            except TencentCloudError as error:
                found = self._applied_by(ssl, marker)
                if not found:
                    raise CertificateError(
                        f"{entry}: applying for a free certificate for {domain} failed: {error}"
                    ) from None
                certificate_id = found[0]
            for duplicate in self._applied_by(ssl, marker):
                if duplicate != certificate_id:
                    self._discard(ssl, entry, duplicate)
            ssl.change_tags(
                certificate_id, replace={OWNER_TAG: owner, CREATE_TAG: nonce} if owner else {CREATE_TAG: nonce}
            )
            self._say(f"{entry}: applied for a free certificate for {domain}: {certificate_id}")
        self._reconcile(ssl, entry, certificate_id, props, alias=None, project=None, tags=None)
        detail = self._wait_issued(ssl, entry, certificate_id, domain, deadline)
        return detail, user_tags

    def _applied_by(self, ssl: SslService, marker: str) -> list[str]:
        try:
            return [c.certificate_id for c in ssl.find_certificates(search_key=marker) if c.alias == marker]
        except TencentCloudError:
            return []

    def _pending_application(self, ssl: SslService, owner: str, domain: str) -> str | None:
        # A pending application this resource made in an earlier run that failed at its create_timeout: resume it
        # instead of applying again (free certificates cannot be deleted within an hour). Issued ones never match,
        # so a replacement never takes over the certificate it replaces.
        if not owner:
            return None
        for row in ssl.find_certificates(tags={OWNER_TAG: owner}):
            if row.domain.lower() == domain and row.source != "upload" and row.status in _WAITING_STATUSES:
                return row.certificate_id
        return None

    def _wait_issued(
        self, ssl: SslService, entry: str, certificate_id: str, domain: str, deadline: float
    ) -> CertificateDetail:
        delay = self._timing.first_poll
        last_report = self._timing.clock()
        while True:
            detail = ssl.describe_certificate_detail(certificate_id)
            if detail.status == CertificateStatus.ISSUED:
                return detail
            if detail.status not in _WAITING_STATUSES:
                raise CertificateError(
                    f"{entry}: the free certificate {certificate_id} for {domain} was not issued: status "
                    f"{detail.status} {detail.status_name} {detail.status_message}".rstrip()
                )
            now = self._timing.clock()
            if now >= deadline:
                raise CertificateError(self._pending_message(entry, detail, domain))
            if now - last_report >= self._timing.progress_every:
                last_report = now
                self._say(
                    f"{entry}: waiting for the free certificate {certificate_id} for {domain} to be issued "
                    f"({detail.status_message or detail.status_name or 'pending'})"
                )
            delay = self._pause(delay, deadline)

    @staticmethod
    def _pending_message(entry: str, detail: CertificateDetail, domain: str) -> str:
        lines = [
            f"{entry}: the free certificate {detail.certificate_id} for {domain} was not issued within the "
            f"create_timeout (status {detail.status}: {detail.status_message or detail.status_name or 'pending'}).",
        ]
        if detail.dv_auths:
            lines.append("Tencent Cloud is waiting for these domain validation records:")
            for record in detail.dv_auths:
                where = record.path or record.key
                lines.append(
                    f"  {record.verify_type or detail.verify_type or 'DNS'} {record.domain or domain}: "
                    f"{where} = {record.value}"
                )
        lines.append(
            "Publish them, then run `pulumi up` again: it resumes waiting for this application instead of applying "
            "again (raise create_timeout to wait longer)."
        )
        return "\n".join(lines)

    def _adopt(self, ssl: SslService, props: Mapping[str, Any]) -> tuple[CertificateDetail, dict[str, str]]:
        entry = _entry(props)
        certificate_id = str(props["adopt_id"])
        try:
            detail = ssl.describe_certificate_detail(certificate_id)
            current = ssl.get_tags(certificate_id)
        except CertificateNotFound:
            raise CertificateError(
                f"{entry}: cannot adopt certificate {certificate_id}: it does not exist in this account"
            ) from None
        owner = str(props.get("owner") or "")
        claimed = current.get(OWNER_TAG)
        if claimed and claimed != owner:
            raise CertificateError(
                f"{entry}: certificate {certificate_id} is managed by another Pulumi stack or entry (tag "
                f"{OWNER_TAG}={claimed}); remove it from that stack (retain it) and delete the tag before adopting it"
            )
        tags = self._reconcile(
            ssl, entry, certificate_id, props, alias=detail.alias, project=detail.project_id, tags=current
        )
        return ssl.describe_certificate_detail(certificate_id), tags

    def _reconcile(
        self,
        ssl: SslService,
        entry: str,
        certificate_id: str,
        props: Mapping[str, Any],
        *,
        alias: str | None,
        project: int | None,
        tags: Mapping[str, str] | None,
    ) -> dict[str, str]:
        """Bring alias, project and user tags to ``props``; ``None`` for a current value means "read it"."""
        want_alias = str(props.get("alias") or "")
        want_project = _as_int(props.get("project_id"))
        want_tags = _tags_of(props.get("tags"))
        if alias is None or project is None:
            detail = ssl.describe_certificate_detail(certificate_id)
            alias = detail.alias if alias is None else alias
            project = detail.project_id if project is None else project
        try:
            if alias != want_alias:
                ssl.modify_alias(certificate_id, want_alias)
            if project != want_project:
                ssl.modify_project(certificate_id, want_project)
        except ProjectChangeFailed:
            raise CertificateError(
                f"{entry}: Tencent Cloud refused to move certificate {certificate_id} to project {want_project} "
                "(listed in FailCertificates); check that the project exists and that these credentials may use it"
            ) from None
        current = ssl.get_tags(certificate_id) if tags is None else dict(tags)
        if _user_tags(current) != want_tags:
            reserved = {k: v for k, v in current.items() if _reserved_tag(k)}
            ssl.replace_tags(certificate_id, {**want_tags, **reserved}, current)
        return want_tags

    # -- read

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Refresh from DescribeCertificateDetail and the Tag service; gone -> empty id (dropped from state)."""
        ssl = self._ssl()
        try:
            detail = ssl.describe_certificate_detail(id_)
            tags = _user_tags(ssl.get_tags(id_))
        except CertificateNotFound:
            return dyn.ReadResult(None, {})
        state = dict(props)
        if not state.get("source"):
            state.update(source="adopt", adopt_id=id_)
        outs = self._outputs(state, detail, tags)
        # Returning the inputs too makes drift in alias/project/tags visible to the next diff, which corrects it.
        inputs = {k: outs[k] for k in input_names(str(outs["source"])) if k in outs and outs[k] is not None}
        return dyn.ReadResult(id_, outs, inputs)

    # -- update

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """ModifyCertificateAlias/Project and tags as needed; returns the complete outputs."""
        ssl = self._ssl()
        entry = _entry(news)
        old_tags = _tags_of(olds.get("tags")) if "tags" in olds else None
        if old_tags != _tags_of(news.get("tags")):
            old_tags = None  # changing tags needs the full current set, the provider's own tags included
        try:
            tags = self._reconcile(
                ssl,
                entry,
                id_,
                news,
                alias=str(olds.get("alias") or "") if "alias" in olds else None,
                project=_as_int(olds.get("project_id")) if "project_id" in olds else None,
                tags=old_tags,
            )
            detail = ssl.describe_certificate_detail(id_)
        except CertificateNotFound:
            raise CertificateError(
                f"{entry}: certificate {id_} no longer exists in Tencent Cloud (deleted outside Pulumi); run "
                "`pulumi refresh` to drop it from the state, then `pulumi up` to create it again"
            ) from None
        except TencentCloudError as error:
            raise CertificateError(f"{entry}: updating certificate {id_} failed: {error}") from None
        return dyn.UpdateResult(self._outputs(news, detail, tags))

    # -- delete

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DeleteCertificate, then wait for the deletion task; raise (keeping the state) unless it is gone."""
        entry = _entry(props, id_)
        check = _as_bool(props.get("check_resources"), True)
        timeout = _seconds(props.get("delete_timeout"), DEFAULT_DELETE_TIMEOUT)
        deadline = self._timing.clock() + timeout
        ssl = self._ssl()
        checks_timed_out = 0
        while True:
            try:
                outcome = ssl.delete_certificate(id_, check_resources=check)
            except CertificateNotFound:
                self._say(f"{entry}: certificate {id_} is already deleted")
                return
            except DeletionRefused as refusal:
                raise CertificateError(self._refusal_message(ssl, entry, id_, refusal)) from None
            except TencentCloudError as error:
                raise CertificateError(
                    f"{entry}: deleting certificate {id_} failed: {error}. It stays in the stack; run `pulumi up` "
                    "again to retry"
                ) from None
            if outcome.deleted:
                self._say(f"{entry}: deleted certificate {id_}")
                return
            if not outcome.task_id:
                raise CertificateError(
                    f"{entry}: Tencent Cloud did not delete certificate {id_} (DeleteResult false, no task). It stays "
                    "in the stack; run `pulumi up` again to retry"
                )
            task = self._wait_task(ssl, entry, id_, outcome.task_id, deadline, timeout, checks_timed_out)
            failure = task.failure()
            if failure is None:
                self._say(f"{entry}: deleted certificate {id_} (task {task.task_id})")
                return
            if isinstance(failure, ResourceCheckTimedOut) and self._timing.clock() < deadline:
                checks_timed_out += 1
                self._say(
                    f"{entry}: Tencent Cloud's check of resources bound to certificate {id_} timed out (task "
                    f"{task.task_id}); deleting again (attempt {checks_timed_out + 1})"
                )
                continue
            raise CertificateError(self._refusal_message(ssl, entry, id_, failure))

    def _wait_task(
        self,
        ssl: SslService,
        entry: str,
        certificate_id: str,
        task_id: str,
        deadline: float,
        timeout: float,
        checks_timed_out: int = 0,
    ) -> DeleteTask:
        # Poll at once (a task can finish within the call), then back off: 1 s, 2 s, 4 s ... up to max_poll.
        delay = self._timing.first_poll
        started = last_report = self._timing.clock()
        last_status: int | None = None
        while True:
            try:
                task = ssl.describe_delete_tasks([task_id]).get(task_id)
            except TencentCloudError as error:
                raise CertificateError(
                    f"{entry}: could not follow the deletion of certificate {certificate_id} (task {task_id}): "
                    f"{error}. It stays in the stack; run `pulumi up` again to resume"
                ) from None
            if task is not None and not task.running:
                return task
            now = self._timing.clock()
            status = None if task is None else task.status
            if last_status is None:
                self._say(f"{entry}: deleting certificate {certificate_id}: waiting for Tencent Cloud's task {task_id}")
                last_status, last_report = status if status is not None else -1, now
            elif status != last_status or now - last_report >= self._timing.progress_every:
                last_status, last_report = status if status is not None else -1, now
                self._say(
                    f"{entry}: still deleting certificate {certificate_id} (task {task_id}, "
                    f"{now - started:.0f}s of {timeout:.0f}s)"
                )
            if now >= deadline:
                earlier = (
                    f" (the check of bound resources had timed out {checks_timed_out} time(s) before)"
                    if checks_timed_out
                    else ""
                )
                raise CertificateError(
                    f"{entry}: certificate {certificate_id} was not deleted within delete_timeout ({timeout:.0f}s): "
                    f"Tencent Cloud's deletion task {task_id} is still running{earlier}. The certificate stays in "
                    "the stack; run `pulumi up` again to resume waiting for the same task, or raise delete_timeout"
                )
            self._timing.sleep(max(0.0, min(delay, deadline - now)))
            delay = min(delay * 2, self._timing.max_poll)

    def _refusal_message(self, ssl: SslService, entry: str, certificate_id: str, refusal: DeletionRefused) -> str:
        task = f" (task {refusal.task_id})" if refusal.task_id else ""
        keep = "The certificate stays in the stack's state and in Tencent Cloud."
        if isinstance(refusal, CertificateStillBound):
            resources = refusal.resources or self._bound_resources(ssl, certificate_id)
            bound = "; ".join(_describe_bound(r) for r in resources) or "Tencent Cloud did not list them"
            reason = f" ({refusal.reason})" if refusal.reason else ""
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: it is still bound to cloud resources"
                f"{reason}. Bound to: {bound}. Unbind it from these resources or deploy a replacement certificate to "
                f"them, then run `pulumi up` again. {keep}"
            )
        if isinstance(refusal, ServiceRoleNotAuthorised):
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: Tencent Cloud cannot check which "
                f"resources use it because the service role {refusal.role} is not authorised. Authorise the role "
                f"{refusal.role} in the CAM console (Roles), or set check_resources: false for this entry to delete "
                f"without the check, then run `pulumi up` again. {keep}"
            )
        if isinstance(refusal, ResourceCheckTimedOut):
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: Tencent Cloud's check of the resources "
                f"bound to it kept timing out until delete_timeout. Run `pulumi up` again later. {keep}"
            )
        if isinstance(refusal, DeletionTooSoon):
            when = "in less than an hour"
            if refusal.earliest is not None:
                minutes = max(0, int((refusal.earliest - self._timing.now()).total_seconds() // 60) + 1)
                when = f"after {_iso(refusal.earliest)} (in about {minutes} min)"
            return (
                f"{entry}: cannot delete certificate {certificate_id} yet: Tencent Cloud does not delete a free "
                f"certificate within an hour of its application ({refusal.code or 'CannotBeDeletedWithinHour'}). "
                f"Deletion becomes possible {when}; run `pulumi up` again then. {keep}"
            )
        if isinstance(refusal, DeleteTaskFailed):
            return (
                f"{entry}: cannot delete certificate {certificate_id}{task}: the deletion task failed: "
                f"{refusal.reason or 'Tencent Cloud gave no reason'}. Run `pulumi up` again to retry. {keep}"
            )
        return f"{entry}: cannot delete certificate {certificate_id}{task}: {refusal}. {keep}"

    def _bound_resources(self, ssl: SslService, certificate_id: str) -> Sequence[DeployedResources]:
        try:
            return ssl.describe_deployed_resources([certificate_id])
        except TencentCloudError:
            return ()

    # -- outputs

    def _outputs(self, inputs: Mapping[str, Any], detail: CertificateDetail, tags: Mapping[str, str]) -> dict[str, Any]:
        source = str(inputs.get("source") or "upload")
        outs: dict[str, Any] = {k: inputs[k] for k in input_names(source) if inputs.get(k) is not None}
        fingerprint = detail.fingerprint
        if not fingerprint and isinstance(inputs.get("certificate"), str):
            fingerprint = _fingerprint(str(inputs["certificate"]))
        outs.update(
            certificate_id=detail.certificate_id,
            domain=detail.domain,
            subject_alt_names=list(detail.domains),
            not_before=_iso(detail.not_before),
            not_after=_iso(detail.not_after),
            status=int(detail.status),
            status_name=detail.status_name or _status_name(detail.status),
            fingerprint=fingerprint,
            certificate_type=detail.certificate_type or str(inputs.get("certificate_type") or ""),
            alias=detail.alias,
            project_id=detail.project_id,
            tags=dict(tags),
        )
        return outs


def _entry(props: Mapping[str, Any], fallback: str = "certificate") -> str:
    return str(props.get("entry") or fallback)


def _status_name(status: int) -> str:
    try:
        return CertificateStatus(status).name.lower().replace("_", " ")
    except ValueError:
        return f"status {status}"


def _describe_bound(resources: DeployedResources) -> str:
    names = ", ".join(resources.resources) or f"{resources.count} resource(s)"
    return f"{resources.resource_type.upper()}: {names}"


# -------------------------------------------------------------------------------------------------- resource


@dataclass
class CertificateArgs:
    """What one certificate is: exactly one of ``certificate`` (upload), ``adopt_id`` or ``free_domain``.

    ``private_key`` is always sent as a Pulumi secret. Durations are seconds or text such as ``10m``.
    """

    certificate: pulumi.Input[str] | None = None
    private_key: pulumi.Input[str] | None = None
    certificate_type: pulumi.Input[str] = "SVR"
    adopt_id: pulumi.Input[str] | None = None
    free_domain: pulumi.Input[str] | None = None
    free_validation: pulumi.Input[str] = "DNS_AUTO"
    alias: pulumi.Input[str] = ""
    project_id: pulumi.Input[int] = 0
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    check_resources: pulumi.Input[bool] = True
    delete_timeout: pulumi.Input[float | str] = DEFAULT_DELETE_TIMEOUT
    create_timeout: pulumi.Input[float | str] = DEFAULT_CREATE_TIMEOUT
    allow_expired: pulumi.Input[bool] = False

    @property
    def source(self) -> str:
        """``"upload"``, ``"adopt"`` or ``"free"``, from the field that is set."""
        kinds = [
            k
            for k, v in (("upload", self.certificate), ("adopt", self.adopt_id), ("free", self.free_domain))
            if v is not None
        ]
        if len(kinds) != 1:
            raise ValueError("CertificateArgs needs exactly one of certificate, adopt_id or free_domain")
        return kinds[0]

    def to_inputs(self) -> dict[str, Any]:
        """The resource's input properties (without entry/owner)."""
        source = self.source
        props: dict[str, Any] = {
            "source": source,
            "alias": self.alias,
            "project_id": self.project_id,
            "tags": dict(self.tags) if isinstance(self.tags, Mapping) else (self.tags or {}),
            "check_resources": self.check_resources,
            "delete_timeout": self.delete_timeout,
            "create_timeout": self.create_timeout,
        }
        if source == "upload":
            props.update(
                certificate=self.certificate, certificate_type=self.certificate_type, allow_expired=self.allow_expired
            )
            if self.private_key is not None:
                props["private_key"] = pulumi.Output.secret(self.private_key)
        elif source == "adopt":
            props["adopt_id"] = self.adopt_id
        else:
            props.update(free_domain=self.free_domain, free_validation=self.free_validation)
        return props


class Certificate(dyn.Resource, module="tencentcloud", name="Certificate"):
    """A Tencent Cloud SSL certificate: uploaded, applied for (free DV) or adopted; type token
    ``pulumi-python:dynamic/tencentcloud:Certificate``."""

    certificate_id: pulumi.Output[str]
    domain: pulumi.Output[str]
    subject_alt_names: pulumi.Output[list[str]]
    not_before: pulumi.Output[str]
    not_after: pulumi.Output[str]
    status: pulumi.Output[int]
    status_name: pulumi.Output[str]
    fingerprint: pulumi.Output[str]
    certificate_type: pulumi.Output[str]
    alias: pulumi.Output[str]
    project_id: pulumi.Output[int]
    tags: pulumi.Output[dict[str, str]]
    source: pulumi.Output[str]
    check_resources: pulumi.Output[bool]
    delete_timeout: pulumi.Output[float]

    def __init__(self, resource_name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = args.to_inputs()
        props["entry"] = resource_name
        props["owner"] = owner_token(pulumi.get_project(), pulumi.get_stack(), resource_name)
        for name in OUTPUT_NAMES:
            props.setdefault(name, None)
        # The key is an input under the same name, so the engine re-marks the echoed output secret; saying so
        # explicitly also covers outputs read back by refresh.
        secret = pulumi.ResourceOptions(additional_secret_outputs=["private_key"])
        super().__init__(CertificateProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret, opts))
