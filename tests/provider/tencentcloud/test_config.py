"""ClientSettings: endpoint validation and normalisation, environment reading, named defaults."""

from __future__ import annotations

import pytest

from provider.tencentcloud import ClientSettings


def test_defaults() -> None:
    settings = ClientSettings()
    assert settings.endpoint is None and settings.region is None
    assert (settings.timeout, settings.retry_deadline, settings.max_attempts, settings.rate_per_action) == (
        30.0,
        120.0,
        8,
        10.0,
    )
    assert settings.language == "en-US"
    assert settings.endpoint_for("ssl") == "https://ssl.tencentcloudapi.com"
    assert settings.endpoint_for("tag") == "https://tag.tencentcloudapi.com"


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://127.0.0.1:8787/", "http://127.0.0.1:8787"),
        (" HTTPS://SSL.intl.tencentcloudapi.com ", "https://ssl.intl.tencentcloudapi.com"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_endpoint_normalised_once(given: str, normalised: str) -> None:
    settings = ClientSettings(endpoint=given)
    assert settings.endpoint == normalised
    assert settings.endpoint_for("ssl") == settings.endpoint_for("tag") == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "127.0.0.1:8787",
        "ftp://127.0.0.1",
        "http://",
        "http://127.0.0.1:8787/api",
        "http://127.0.0.1:8787/?x=1",
        "http://127.0.0.1:notaport",
        "http://user:hunter2@127.0.0.1",
    ],
)
def test_bad_endpoint_names_the_variable(bad: str) -> None:
    with pytest.raises(ValueError, match="TENCENTCLOUD_ENDPOINT") as caught:
        ClientSettings(endpoint=bad)
    assert "hunter2" not in str(caught.value)


def test_from_env() -> None:
    settings = ClientSettings.from_env(
        {"TENCENTCLOUD_ENDPOINT": "http://127.0.0.1:8787", "TENCENTCLOUD_REGION": "ap-guangzhou"}, timeout=5.0
    )
    assert (settings.endpoint, settings.region, settings.timeout) == ("http://127.0.0.1:8787", "ap-guangzhou", 5.0)
    assert ClientSettings.from_env({"TENCENTCLOUD_ENDPOINT": "", "TENCENTCLOUD_REGION": " "}) == ClientSettings()


def test_from_env_reads_the_timeout() -> None:
    assert ClientSettings.from_env({"TENCENTCLOUD_TIMEOUT": " 2.5 "}).timeout == 2.5
    assert ClientSettings.from_env({"TENCENTCLOUD_TIMEOUT": ""}).timeout == ClientSettings().timeout
    assert ClientSettings.from_env({"TENCENTCLOUD_TIMEOUT": "2"}, timeout=7.0).timeout == 7.0  # options win


def test_from_env_reads_the_rate_per_action() -> None:
    # A team of 4 runners sharing one key gives each a quarter of Tencent's 10 requests/s per action.
    assert ClientSettings.from_env({"TENCENTCLOUD_RATE_PER_ACTION": " 2.5 "}).rate_per_action == 2.5
    assert ClientSettings.from_env({"TENCENTCLOUD_RATE_PER_ACTION": ""}).rate_per_action == 10.0
    assert ClientSettings.from_env({"TENCENTCLOUD_RATE_PER_ACTION": "2"}, rate_per_action=None).rate_per_action is None


@pytest.mark.parametrize("bad", ["fast", "0", "-1", "nan", "inf", "11"])
def test_bad_rate_per_action_names_the_variable(bad: str) -> None:
    with pytest.raises(ValueError, match=r"TENCENTCLOUD_RATE_PER_ACTION \(ratePerAction\) must be"):
        ClientSettings.from_env({"TENCENTCLOUD_RATE_PER_ACTION": bad})


def test_from_env_reads_the_attempt_limit() -> None:
    assert ClientSettings.from_env({"TENCENTCLOUD_MAX_ATTEMPTS": " 3 "}).max_attempts == 3
    assert ClientSettings.from_env({"TENCENTCLOUD_MAX_ATTEMPTS": ""}).max_attempts == 8
    assert ClientSettings.from_env({"TENCENTCLOUD_MAX_ATTEMPTS": "3"}, max_attempts=5).max_attempts == 5


@pytest.mark.parametrize("bad", ["many", "0", "-1", "2.5", "51", "\u00b2", "nan"])
def test_bad_attempt_limit_names_the_variable(bad: str) -> None:
    with pytest.raises(ValueError, match=r"TENCENTCLOUD_MAX_ATTEMPTS \(maxAttempts\) must be a whole number"):
        ClientSettings.from_env({"TENCENTCLOUD_MAX_ATTEMPTS": bad})


@pytest.mark.parametrize("bad", ["soon", "0", "-1", "nan", "inf"])
def test_bad_timeout_names_the_variable(bad: str) -> None:
    with pytest.raises(ValueError, match="TENCENTCLOUD_TIMEOUT"):
        ClientSettings.from_env({"TENCENTCLOUD_TIMEOUT": bad})


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"retry_deadline": -1},
        {"max_attempts": 0},
        {"rate_per_action": 0},
        {"language": "fr-FR"},
        {"max_connections": 0},
    ],
)
def test_invalid_values_rejected(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ClientSettings"):
        ClientSettings(**options)  # type: ignore[arg-type]


def test_rate_limiter_can_be_switched_off() -> None:
    assert ClientSettings(rate_per_action=None).rate_per_action is None


@pytest.mark.parametrize(
    "local",
    ["http://127.0.0.1:8787", "http://127.9.9.9:80", "http://localhost:8787", "http://[::1]:9000", "https://10.0.0.5"],
)
def test_plain_http_is_fine_to_this_machine_or_encrypted(local: str) -> None:
    assert ClientSettings(endpoint=local).endpoint is not None


@pytest.mark.parametrize(
    "remote",
    ["http://10.0.0.5:8787", "http://ssl.tencentcloudapi.com", "http://localhost.example.com", "http://[2001:db8::1]"],
)
def test_plain_http_beyond_this_machine_is_refused_unless_allowed(remote: str) -> None:
    with pytest.raises(ValueError, match="plain HTTP to a host other than this machine") as caught:
        ClientSettings.from_env({"TENCENTCLOUD_ENDPOINT": remote})
    assert "TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT=true" in str(caught.value)
    assert "tencentcloud:allowInsecureEndpoint" in str(caught.value)
    allowed = ClientSettings.from_env({"TENCENTCLOUD_ENDPOINT": remote, "TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT": "true"})
    assert allowed.endpoint is not None and allowed.allow_insecure_endpoint
    with pytest.raises(ValueError, match="plain HTTP"):
        ClientSettings.from_env({"TENCENTCLOUD_ENDPOINT": remote, "TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT": "0"})


def test_allow_insecure_endpoint_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match="TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT must be true or false"):
        ClientSettings.from_env({"TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT": "sure"})


def test_root_domain_builds_each_service_host() -> None:
    intl = ClientSettings.from_env({"TENCENTCLOUD_DOMAIN": " INTL.tencentcloudapi.com. "})
    assert intl.domain == "intl.tencentcloudapi.com"
    assert intl.endpoint_for("ssl") == "https://ssl.intl.tencentcloudapi.com"
    assert intl.endpoint_for("tag") == "https://tag.intl.tencentcloudapi.com"
    local = ClientSettings.from_env({"TENCENTCLOUD_DOMAIN": "localhost:8787", "TENCENTCLOUD_PROTOCOL": "HTTP"})
    assert (local.endpoint_for("ssl"), local.endpoint_for("tag")) == (
        "http://ssl.localhost:8787",
        "http://tag.localhost:8787",
    )


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("https://intl.tencentcloudapi.com", "without a scheme"),
        ("intl..tencentcloudapi.com", "not a DNS name"),
        ("-intl.tencentcloudapi.com", "not a DNS name"),
        ("127.0.0.1", "IP address"),
        ("localhost:0", "port"),
        ("localhost:http", "port"),
        ("localhost:²", "port"),
        ("x", "single label"),
        ("intl", "single label"),
        ("X.:8787", "single label"),
        ("intl.tencentcloudapi.com..", "not a DNS name"),
        (".", "not a DNS name"),
    ],
)
def test_bad_root_domain_names_the_variable(bad: str, problem: str) -> None:
    with pytest.raises(ValueError, match=r"TENCENTCLOUD_DOMAIN \(domain\) must be a root domain") as caught:
        ClientSettings.from_env({"TENCENTCLOUD_DOMAIN": bad})
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("given", "domain"),
    [
        ("intl.tencentcloudapi.com.", "intl.tencentcloudapi.com"),
        ("Intl.TencentCloudAPI.com", "intl.tencentcloudapi.com"),
        ("LOCALHOST.:8787", "localhost:8787"),
        ("localhost", "localhost"),
    ],
)
def test_root_domain_is_normalised(given: str, domain: str) -> None:
    settings = ClientSettings.from_env({"TENCENTCLOUD_DOMAIN": given})
    assert settings.domain == domain
    assert settings.endpoint_for("ssl") == f"https://ssl.{domain}"


def test_endpoint_and_root_domain_together_are_refused() -> None:
    with pytest.raises(ValueError, match="TENCENTCLOUD_ENDPOINT .* and TENCENTCLOUD_DOMAIN .* are both set"):
        ClientSettings.from_env(
            {"TENCENTCLOUD_ENDPOINT": "http://127.0.0.1:8787", "TENCENTCLOUD_DOMAIN": "intl.tencentcloudapi.com"}
        )


@pytest.mark.parametrize(
    "environ",
    [
        {"TENCENTCLOUD_DOMAIN": "intl.tencentcloudapi.com", "TENCENTCLOUD_PROTOCOL": "HTTP"},
        {"TENCENTCLOUD_PROTOCOL": "http"},
        {"TENCENTCLOUD_DOMAIN": "localhost.example.com", "TENCENTCLOUD_PROTOCOL": "HTTP"},
    ],
)
def test_plain_http_beyond_this_machine_needs_the_opt_in(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT=true"):
        ClientSettings.from_env(environ)
    allowed = ClientSettings.from_env({**environ, "TENCENTCLOUD_ALLOW_INSECURE_ENDPOINT": "true"})
    assert allowed.endpoint_for("ssl").startswith("http://ssl.")


@pytest.mark.parametrize("bad", ["ftp", "tls", ""])
def test_bad_protocol_names_the_variable(bad: str) -> None:
    with pytest.raises(ValueError, match=r"TENCENTCLOUD_PROTOCOL \(protocol\) must be HTTPS or HTTP"):
        ClientSettings(protocol=bad)


def test_names_under_localhost_count_as_this_machine() -> None:
    # The client connects to loopback for them itself (RFC 6761), so plain HTTP never leaves the machine.
    assert ClientSettings(endpoint="http://ssl.localhost:8787").endpoint == "http://ssl.localhost:8787"
    with pytest.raises(ValueError, match="plain HTTP"):
        ClientSettings(endpoint="http://ssl.localhost.example.com:8787")
