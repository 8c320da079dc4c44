"""Read-only access to Tencent Cloud for the review: the settings ``up`` would use, and a caller that can only read.

The settings are resolved as the provider resolves them (``provider.settings``: the stack config's
``tencentcloud:*`` over the ``TENCENTCLOUD_*`` environment). Secret config values come through ``secret_value``
(the CLI's ``pulumi config get``), asked only for keys the stack sets as secrets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import CertificateError
from ..settings import CONFIG_KEYS, DEFAULT_REGION, merged_settings, read_settings
from ..ssl import ApiCaller, SslService
from ..tencentcloud.client import Client

__all__ = ["READ_ACTIONS", "ReadOnlyCaller", "WriteRefused", "review_service"]

#: The only actions the review may call: reads of certificates, deployments and tags.
READ_ACTIONS = frozenset(
    {
        "DescribeCertificateDetail",
        "DescribeCertificates",
        "DescribeDeployedResources",
        "DescribeHostClbInstanceList",
        "DescribeResourceTagsByResourceIds",
    }
)

_SECRET = "[secret]"


class WriteRefused(RuntimeError):
    """Raised when code running for the review tries an action that is not a read (a programming error)."""


class ReadOnlyCaller:
    """An ``ApiCaller`` that passes the read actions on and refuses any other before it leaves the process."""

    def __init__(self, inner: ApiCaller) -> None:
        self._inner = inner

    def call(
        self, service: str, version: str, action: str, params: Mapping[str, Any], **options: Any
    ) -> dict[str, Any]:
        """Call ``action`` when it is a read; raise ``WriteRefused`` otherwise.

        The call's options (``ApiCaller.call``'s keywords) pass on unchanged: only the action matters here.
        """
        if action not in READ_ACTIONS:
            raise WriteRefused(f"the review does not call {action}: it makes read-only calls only")
        return self._inner.call(service, version, action, params, **options)

    def close(self) -> None:
        """Close the wrapped client's connections."""
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


def review_service(
    config: Mapping[str, str], environ: Mapping[str, str], secret_value: Callable[[str], str | None]
) -> SslService:
    """An ``SslService`` that can only read, built from the stack config and the environment.

    Raises ``provider.errors.CertificateError`` with the provider's own message when the settings are unusable.
    """
    resolved: dict[str, str] = {}
    for key in CONFIG_KEYS:
        value = config.get(key)
        if value == _SECRET:
            value = secret_value(key)
        if value is not None:
            resolved[key] = value
    credentials, client_settings = read_settings(merged_settings(resolved, environ), resolved)
    if credentials is None:
        raise CertificateError(
            "No Tencent Cloud credentials for the pre-flight: give the stack's tencentcloud:secretId and "
            "tencentcloud:secretKey config, or export TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"
        )
    caller = ReadOnlyCaller(Client(credentials, client_settings))
    return SslService(caller, region=client_settings.region or DEFAULT_REGION)
