"""Client settings: one frozen value object, validated and normalised once."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_LANGUAGE",
    "DEFAULT_RATE_PER_ACTION",
    "DEFAULT_DOMAIN",
    "DEFAULT_REGION",
    "ENV_ALLOW_INSECURE_ENDPOINT",
    "ENV_DOMAIN",
    "ENV_ENDPOINT",
    "ENV_MAX_ATTEMPTS",
    "ENV_PROTOCOL",
    "ENV_RATE_PER_ACTION",
    "ENV_REGION",
    "ENV_TIMEOUT",
    "MAX_ATTEMPTS_LIMIT",
    "ClientSettings",
    "default_endpoint",
]

ENV_ENDPOINT = "TENCENTCLOUD_ENDPOINT"
# The root domain each service's host is built from (``<service>.<domain>``), as Terraform's provider and the official
# SDKs (``rootDomain``) take it: ``intl.tencentcloudapi.com`` for the international site.
ENV_DOMAIN = "TENCENTCLOUD_DOMAIN"
# ``HTTPS`` (default) or ``HTTP`` for the hosts built from the root domain, Terraform's ``protocol``.
ENV_PROTOCOL = "TENCENTCLOUD_PROTOCOL"
DEFAULT_DOMAIN = "tencentcloudapi.com"
# Plain http:// to a host other than this machine carries private keys and replayable signed requests in clear text:
# refused unless this says the network path is trusted.
ENV_ALLOW_INSECURE_ENDPOINT = "TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT"
ENV_REGION = "TENCENTCLOUD_REGION"
#: The region when none is set: Terraform's default; only the region part of tag resource names depends on it.
DEFAULT_REGION = "ap-guangzhou"
# Seconds one attempt may wait for a reply; mainly for tests that make the emulator answer slower than that.
ENV_TIMEOUT = "TENCENTCLOUD_TIMEOUT"
# Attempts one API call may make before its failure is reported (botocore's AWS_MAX_ATTEMPTS): more rides out longer
# throttling or outages, fewer reports them sooner.
ENV_MAX_ATTEMPTS = "TENCENTCLOUD_MAX_ATTEMPTS"
# Beyond this the retry deadline, not the count, ends a call's attempts anyway.
MAX_ATTEMPTS_LIMIT = 50
# The SSL API allows 10 requests per second per action (Tencent's API docs, "frequency limit").
DEFAULT_RATE_PER_ACTION = 10.0
# Requests per second per action this client allows itself: the limit is per key, so R runners sharing one key set
# about 10 / R each, or the excess is refused often enough that a call can use up its retries.
ENV_RATE_PER_ACTION = "TENCENTCLOUD_RATE_PER_ACTION"
# English messages (Terraform forces en-US too); the SDK default zh-CN would put Chinese in user-facing errors.
DEFAULT_LANGUAGE = "en-US"
_LANGUAGES = ("en-US", "zh-CN")


def default_endpoint(service: str, domain: str = DEFAULT_DOMAIN, protocol: str = "https") -> str:
    """``https://<service>.tencentcloudapi.com``, the public endpoint of a service (China site), or the one under
    another root domain (``https://ssl.intl.tencentcloudapi.com``)."""
    return f"{protocol}://{service}.{domain}"


def loopback_name(hostname: str) -> bool:
    """Whether ``hostname`` is ``localhost`` or a name under it (``ssl.localhost``), which RFC 6761 reserves for this
    machine. The client connects to 127.0.0.1 for names under ``localhost`` itself (the system resolver may not)."""
    name = hostname.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


@dataclass(frozen=True)
class ClientSettings:
    """How the client reaches Tencent Cloud: endpoint, region, timeouts, retry budget and rate limit.

    ``endpoint`` (a URL such as ``http://127.0.0.1:8787``) sends every service there instead of
    ``https://<service>.tencentcloudapi.com``; ``domain`` (such as ``intl.tencentcloudapi.com``) replaces the root
    domain those hosts are built from and ``protocol`` their scheme; the signing service name is unaffected by
    either. ``rate_per_action=None``
    switches the client-side rate limiter off (benchmarks only; Tencent enforces its limit anyway). A plain
    ``http://`` endpoint must be this machine (a loopback address or ``localhost``) unless
    ``allow_insecure_endpoint`` is set.
    """

    endpoint: str | None = None
    domain: str | None = None
    protocol: str = "https"
    allow_insecure_endpoint: bool = False
    region: str | None = None
    timeout: float = 30.0
    retry_deadline: float = 120.0
    max_attempts: int = 8
    rate_per_action: float | None = DEFAULT_RATE_PER_ACTION
    backoff_base: float = 0.5
    backoff_cap: float = 10.0
    language: str = DEFAULT_LANGUAGE
    max_connections: int = 10
    keepalive_expiry: float = 30.0

    def __post_init__(self) -> None:
        if self.protocol.strip().lower() not in ("http", "https"):
            raise ValueError(f"{ENV_PROTOCOL} (protocol) must be HTTPS or HTTP, got {self.protocol!r}")
        object.__setattr__(self, "protocol", self.protocol.strip().lower())
        if self.domain is not None:
            object.__setattr__(self, "domain", _normalise_domain(self.domain))
            if self.endpoint is not None:
                # The SDKs let the endpoint win silently; a stack that sets both meant one of them.
                raise ValueError(
                    f"{ENV_ENDPOINT} (endpoint) and {ENV_DOMAIN} (domain) are both set: the endpoint sends every "
                    "service to one URL, the domain builds each service's host from it. Set one of them"
                )
            sample = self.endpoint_for("ssl")
            if not self.allow_insecure_endpoint and not _encrypted_or_local(sample):
                raise ValueError(
                    f"{ENV_PROTOCOL} (protocol) HTTP with {ENV_DOMAIN} (domain) {self.domain} is plain HTTP to hosts "
                    "other than this machine (such as "
                    f"{sample}): the private keys uploaded and the signed requests (which can be replayed) would "
                    f"cross the network unencrypted. Use HTTPS, or set {ENV_ALLOW_INSECURE_ENDPOINT}=true (stack "
                    "config tencentcloud:allowInsecureEndpoint) if every network hop to them is trusted"
                )
        elif self.protocol == "http" and self.endpoint is None and not self.allow_insecure_endpoint:
            raise ValueError(
                f"{ENV_PROTOCOL} (protocol) HTTP would send the private keys uploaded and the signed requests to "
                f"{default_endpoint('ssl', protocol='http')} unencrypted. Use HTTPS, or set "
                f"{ENV_ALLOW_INSECURE_ENDPOINT}=true (stack config tencentcloud:allowInsecureEndpoint)"
            )
        if self.endpoint is not None:
            object.__setattr__(self, "endpoint", _normalise_endpoint(self.endpoint))
            if not self.allow_insecure_endpoint and not _encrypted_or_local(self.endpoint):
                raise ValueError(
                    f"{ENV_ENDPOINT} (endpoint) {self.endpoint} is plain HTTP to a host other than this machine: the "
                    "private keys uploaded and the signed requests (which can be replayed) would cross the network "
                    f"unencrypted. Use https://, or set {ENV_ALLOW_INSECURE_ENDPOINT}=true (stack config "
                    "tencentcloud:allowInsecureEndpoint) if every network hop to it is trusted"
                )
        if self.region is not None and not self.region.strip():
            object.__setattr__(self, "region", None)
        for name in ("timeout", "retry_deadline", "backoff_cap", "keepalive_expiry"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ClientSettings.{name} must be > 0, got {getattr(self, name)!r}")
        if self.backoff_base < 0:
            raise ValueError(f"ClientSettings.backoff_base must be >= 0, got {self.backoff_base!r}")
        if self.max_attempts < 1:
            raise ValueError(f"ClientSettings.max_attempts must be >= 1, got {self.max_attempts!r}")
        if self.max_connections < 1:
            raise ValueError(f"ClientSettings.max_connections must be >= 1, got {self.max_connections!r}")
        if self.rate_per_action is not None and not self.rate_per_action > 0:
            raise ValueError("ClientSettings.rate_per_action must be > 0, or None to switch the limiter off")
        if self.language not in _LANGUAGES:
            raise ValueError(f"ClientSettings.language must be one of {', '.join(_LANGUAGES)}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **options: Any) -> ClientSettings:
        """Settings from ``TENCENTCLOUD_ENDPOINT``, ``TENCENTCLOUD_DOMAIN``, ``TENCENTCLOUD_PROTOCOL``,
        ``TENCENTCLOUD_REGION``, ``TENCENTCLOUD_TIMEOUT`` (seconds per attempt), ``TENCENTCLOUD_MAX_ATTEMPTS`` and
        ``TENCENTCLOUD_RATE_PER_ACTION``; other fields, and those when given, from ``options``."""
        endpoint = environ.get(ENV_ENDPOINT, "").strip() or None
        if "domain" not in options:
            options["domain"] = environ.get(ENV_DOMAIN, "").strip() or None
        protocol = environ.get(ENV_PROTOCOL, "").strip()
        if protocol and "protocol" not in options:
            options["protocol"] = protocol
        region = environ.get(ENV_REGION, "").strip() or None
        timeout = environ.get(ENV_TIMEOUT, "").strip()
        rate = environ.get(ENV_RATE_PER_ACTION, "").strip()
        if rate and "rate_per_action" not in options:
            bad_rate = f"{ENV_RATE_PER_ACTION} (ratePerAction) must be requests per second, > 0 and <= 10, got {rate!r}"
            try:
                options["rate_per_action"] = float(rate)
            except ValueError:
                raise ValueError(bad_rate) from None
            if not 0 < options["rate_per_action"] <= DEFAULT_RATE_PER_ACTION:
                raise ValueError(bad_rate)
        attempts = environ.get(ENV_MAX_ATTEMPTS, "").strip()
        if attempts and "max_attempts" not in options:
            if not (attempts.isascii() and attempts.isdigit()) or not 1 <= int(attempts) <= MAX_ATTEMPTS_LIMIT:
                raise ValueError(
                    f"{ENV_MAX_ATTEMPTS} (maxAttempts) must be a whole number of attempts from 1 to "
                    f"{MAX_ATTEMPTS_LIMIT}, got {attempts!r}"
                )
            options["max_attempts"] = int(attempts)
        insecure = environ.get(ENV_ALLOW_INSECURE_ENDPOINT, "").strip().lower()
        if insecure and "allow_insecure_endpoint" not in options:
            if insecure not in ("true", "false", "1", "0"):
                raise ValueError(f"{ENV_ALLOW_INSECURE_ENDPOINT} must be true or false, got {insecure!r}")
            options["allow_insecure_endpoint"] = insecure in ("true", "1")
        if timeout and "timeout" not in options:
            try:
                options["timeout"] = float(timeout)
            except ValueError:
                raise ValueError(f"{ENV_TIMEOUT} (timeout) must be a number of seconds, got {timeout!r}") from None
            if not 0 < options["timeout"] < float("inf"):
                raise ValueError(f"{ENV_TIMEOUT} (timeout) must be a number of seconds > 0, got {timeout!r}")
        return cls(endpoint=endpoint, region=region, **options)

    def endpoint_for(self, service: str) -> str:
        """The base URL (no trailing slash) that requests for ``service`` go to."""
        if self.endpoint is not None:
            return self.endpoint
        return default_endpoint(service, self.domain or DEFAULT_DOMAIN, self.protocol)


def _encrypted_or_local(endpoint: str) -> bool:
    """Whether requests to ``endpoint`` (normalised) are encrypted (https) or never leave this machine."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").lower()
    if loopback_name(host):  # the client itself connects to loopback for these
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it could resolve anywhere


def _normalise_endpoint(value: str) -> str:
    text = value.strip()
    problem = None
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        parts, port, problem = None, None, "it is not a valid URL"
    if parts is not None:
        if parts.scheme.lower() not in ("http", "https"):
            problem = "the scheme must be http or https"
        elif not parts.hostname:
            problem = "it has no host"
        elif parts.path not in ("", "/") or parts.query or parts.fragment:
            # Tencent signs the canonical URI "/": the API lives at the root of the host.
            problem = "it must not have a path, query or fragment"
        elif parts.username or parts.password:
            problem = "it must not carry user info"
    if problem is not None or parts is None:
        raise ValueError(
            f"{ENV_ENDPOINT} (endpoint) must be a URL like http://127.0.0.1:8787 or https://ssl.tencentcloudapi.com;"
            f" {problem}"
        )
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _normalise_domain(value: str) -> str:
    """``intl.tencentcloudapi.com`` (or ``localhost:8787``, a port for a local stand-in): lower case, one trailing
    dot dropped; ``ValueError`` naming the variable for anything that is not a DNS name of two labels or more (or
    ``localhost``)."""
    text = value.strip().lower()
    name, _, port = text.partition(":")
    name = name.removesuffix(".")  # one trailing dot is the fully qualified spelling of the same name
    labels = name.split(".")
    problem = None
    if "://" in text or "/" in text:
        problem = "give the root domain alone, without a scheme or path (the scheme is TENCENTCLOUD_PROTOCOL's)"
    elif not name or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        problem = "it is not a DNS name"
    elif all(label.isdigit() for label in labels):
        problem = "an IP address cannot be a root domain (use TENCENTCLOUD_ENDPOINT for one address)"
    elif len(labels) == 1 and name != "localhost":
        # A bare label (``intl``, a typo of the whole name) would only fail at the first call, as a DNS error.
        problem = "a single label is not a root domain (only localhost is one); give the whole name"
    elif port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        problem = "the port must be a number from 1 to 65535"
    if problem is not None:
        raise ValueError(
            f"{ENV_DOMAIN} (domain) must be a root domain such as intl.tencentcloudapi.com, got {value!r}: {problem}"
        )
    return f"{name}:{int(port)}" if port else name
