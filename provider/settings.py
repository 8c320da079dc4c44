"""Where the provider's settings come from: the stack config (``tencentcloud:*``) over the ``TENCENTCLOUD_*``
environment, checked once, and the API service built from them. Never logs or quotes a credential."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import CertificateError
from .ssl import SslService
from .tencentcloud import config as client_config
from .tencentcloud import credentials as client_credentials
from .tencentcloud.client import Client
from .tencentcloud.config import DEFAULT_REGION, ClientSettings
from .tencentcloud.credentials import Credentials

__all__ = [
    "CONFIG_KEYS",
    "CONFIG_ORIGIN",
    "DEFAULT_REGION",
    "SECRET_CONFIG_KEYS",
    "build_service",
    "merged_settings",
    "read_settings",
]


#: Stack config key -> environment variable, in the order they are looked up (config first). The variable names are
#: the client's (``provider.tencentcloud``), which reads them; this is the one place that pairs them with config keys.
CONFIG_KEYS: Mapping[str, str] = {
    "tencentcloud:secretId": client_credentials.ENV_SECRET_ID,
    "tencentcloud:secretKey": client_credentials.ENV_SECRET_KEY,
    "tencentcloud:securityToken": client_credentials.ENV_SECURITY_TOKEN,
    "tencentcloud:region": client_config.ENV_REGION,
    "tencentcloud:endpoint": client_config.ENV_ENDPOINT,
    "tencentcloud:domain": client_config.ENV_DOMAIN,  # root domain: <service>.<domain>, e.g. intl.tencentcloudapi.com
    "tencentcloud:protocol": client_config.ENV_PROTOCOL,  # HTTPS (default) or HTTP for the hosts built from the domain
    "tencentcloud:allowInsecureEndpoint": client_config.ENV_ALLOW_INSECURE_ENDPOINT,  # plain http beyond loopback
    "tencentcloud:timeout": client_config.ENV_TIMEOUT,  # seconds one API call waits for a reply (default 30)
    "tencentcloud:maxAttempts": client_config.ENV_MAX_ATTEMPTS,  # attempts per API call before it fails (default 8)
    "tencentcloud:ratePerAction": client_config.ENV_RATE_PER_ACTION,  # requests/s per action (default 10, Tencent's)
}
#: The config keys that hold credentials (``--secret`` in Pulumi.<stack>.yaml).
SECRET_CONFIG_KEYS = ("tencentcloud:secretKey", "tencentcloud:securityToken")


#: Where the ``tencentcloud:*`` values the provider is given come from, as error messages name it.
CONFIG_ORIGIN = (
    "the stack config the engine gave the provider: Pulumi.<stack>.yaml for `up` and `preview`, but for `refresh` "
    "and `destroy` the config recorded in the stack's state by the last `up` (pulumi:providers:pulumi-python "
    "default), which may differ; run them with --run-program to use Pulumi.<stack>.yaml"
)


def merged_settings(config: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """Environment-style settings: the environment's ``TENCENTCLOUD_*``, overridden by the stack config's."""
    merged = {env: environ[env] for env in CONFIG_KEYS.values() if environ.get(env)}
    for key, env in CONFIG_KEYS.items():
        if key in config:
            merged[env] = config[key]
    return merged


def read_settings(settings: Mapping[str, str], config: Mapping[str, str]) -> tuple[Credentials | None, ClientSettings]:
    """Credentials and client settings; ``CertificateError`` naming the config key a bad value came from."""
    try:
        return Credentials.from_env(settings), ClientSettings.from_env(settings)
    except ValueError as error:
        # The messages name the environment variables; say so when the value came from the stack config. Which
        # config that was depends on the command: the engine gives a dynamic provider the config it recorded in the
        # state at the last `up` whenever the program does not run (refresh, destroy).
        given = [key for key, env in CONFIG_KEYS.items() if key in config and env in str(error)]
        origin = f" (set by {given[0]} in {CONFIG_ORIGIN})" if given else ""
        raise CertificateError(f"Tencent Cloud settings are invalid{origin}: {error}") from None


def build_service(settings: Mapping[str, str], config: Mapping[str, str]) -> SslService:
    """The SSL/Tag service for these settings; ``CertificateError`` saying how to give credentials if none are."""
    credentials, client_settings = read_settings(settings, config)
    if credentials is None:
        raise CertificateError(
            "No Tencent Cloud credentials: set them with `pulumi config set tencentcloud:secretId ...` and "
            "`pulumi config set --secret tencentcloud:secretKey ...`, or export TENCENTCLOUD_SECRET_ID and "
            "TENCENTCLOUD_SECRET_KEY"
        )
    return SslService(Client(credentials, client_settings), region=client_settings.region or DEFAULT_REGION)
