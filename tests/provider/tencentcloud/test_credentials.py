"""Credentials: environment reading and a repr that never shows a secret."""

from __future__ import annotations

import pickle

import pytest

from provider.tencentcloud import Credentials

SECRET_KEY = "sk-Zq8s0meVery5ecretValue"
TOKEN = "tok-An0therSecretSessionToken"


def test_repr_and_str_redact_key_and_token() -> None:
    credentials = Credentials("AKIDexampleexample1234", SECRET_KEY, TOKEN)
    for text in (repr(credentials), str(credentials), f"{credentials}", repr([credentials])):
        assert SECRET_KEY not in text
        assert TOKEN not in text
        assert "AKIDexampleexample1234" not in text
    assert repr(credentials) == "Credentials(secret_id='AKID***', secret_key='***', token='***')"
    assert repr(Credentials("short", SECRET_KEY)).endswith("token=None)")


def test_from_env_reads_tencent_variables_and_strips_whitespace() -> None:
    credentials = Credentials.from_env(
        {
            "TENCENTCLOUD_SECRET_ID": " AKIDabc\n",
            "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
            "TENCENTCLOUD_SECURITY_TOKEN": TOKEN,
        }
    )
    assert credentials == Credentials("AKIDabc", SECRET_KEY, TOKEN)


def test_from_env_without_variables_is_none() -> None:
    assert Credentials.from_env({}) is None
    assert Credentials.from_env({"TENCENTCLOUD_SECRET_ID": "", "TENCENTCLOUD_SECRET_KEY": " "}) is None


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"TENCENTCLOUD_SECRET_ID": "AKIDabc"}, "TENCENTCLOUD_SECRET_KEY"),
        ({"TENCENTCLOUD_SECRET_KEY": SECRET_KEY}, "TENCENTCLOUD_SECRET_ID"),
    ],
)
def test_from_env_half_configured_names_the_missing_variable(environ: dict[str, str], missing: str) -> None:
    with pytest.raises(ValueError, match=missing) as caught:
        Credentials.from_env(environ)
    assert SECRET_KEY not in str(caught.value)


def test_empty_values_rejected_without_echoing_them() -> None:
    with pytest.raises(ValueError) as caught:
        Credentials("AKIDabc", "")
    assert "AKIDabc" not in str(caught.value)


def test_credentials_are_frozen_values() -> None:
    credentials = Credentials("AKIDabc", SECRET_KEY)
    with pytest.raises(AttributeError):
        credentials.secret_key = "other"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(credentials)) == credentials
