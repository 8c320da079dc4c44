"""``provider.host.recorded``: which recorded ``tencentcloud:*`` settings differ from the stack's config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.host.recorded import stack_of, stale_settings, stale_settings_warning

URN = "urn:pulumi:prod::tencent-ssl::pulumi:providers:pulumi-python::default"
SECURE = {"secure": "v1:abc"}


def write_config(directory: Path, text: str, stack: str = "prod") -> None:
    (directory / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")


def test_the_same_settings_are_not_stale(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "config:\n  tencentcloud:domain: intl.tencentcloudapi.com\n  tencentcloud:secretKey:\n    secure: v1:abc\n"
        "  tencentcloud:allowInsecureEndpoint: true\n  tencentcloud:timeout: 30\n  tencent-ssl:wwwKey: other\n",
    )
    recorded = {
        "tencentcloud:domain": "intl.tencentcloudapi.com",
        "tencentcloud:secretKey": "the key, decrypted",
        "tencentcloud:allowInsecureEndpoint": "true",
        "tencentcloud:timeout": "30",
    }
    assert stale_settings(recorded, URN, tmp_path) == []


@pytest.mark.parametrize(
    ("recorded", "file", "stale"),
    [
        ({"tencentcloud:domain": "localhost:8787"}, "  tencentcloud:domain: localhost:1\n", ["tencentcloud:domain"]),
        ({"tencentcloud:domain": "localhost:8787"}, "  tencentcloud:region: ap-guangzhou\n",
         ["tencentcloud:region", "tencentcloud:domain"]),
        ({}, "  tencentcloud:secretKey:\n    secure: v1:abc\n", ["tencentcloud:secretKey"]),
        ({"tencentcloud:allowInsecureEndpoint": "true"}, "  tencentcloud:allowInsecureEndpoint: false\n",
         ["tencentcloud:allowInsecureEndpoint"]),
    ],
)  # fmt: skip
def test_a_value_changed_added_or_removed_is_stale(
    tmp_path: Path, recorded: dict[str, str], file: str, stale: list[str]
) -> None:
    write_config(tmp_path, "config:\n" + file)
    assert stale_settings(recorded, URN, tmp_path) == stale


def test_with_an_esc_environment_a_key_missing_from_the_file_is_not_compared(tmp_path: Path) -> None:
    write_config(tmp_path, "environment:\n  - tencent\nconfig:\n  tencentcloud:region: ap-guangzhou\n")
    recorded = {"tencentcloud:region": "ap-guangzhou", "tencentcloud:secretKey": "from the environment"}
    assert stale_settings(recorded, URN, tmp_path) == []


def test_the_project_stack_config_dir_is_followed(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\nstackConfigDir: config\n", encoding="utf-8")
    (tmp_path / "config").mkdir()
    write_config(tmp_path / "config", "config:\n  tencentcloud:domain: localhost:1\n")
    assert stale_settings({"tencentcloud:domain": "localhost:2"}, URN, tmp_path) == ["tencentcloud:domain"]


@pytest.mark.parametrize("text", [None, "config: [", "just a string\n", "\xff"])
def test_no_readable_file_means_nothing_to_compare(tmp_path: Path, text: str | None) -> None:
    if text is not None:
        (tmp_path / "Pulumi.prod.yaml").write_bytes(text.encode("latin-1"))
    assert stale_settings({"tencentcloud:domain": "localhost:2"}, URN, tmp_path) == []


def test_a_urn_that_is_not_one_compares_nothing(tmp_path: Path) -> None:
    write_config(tmp_path, "config:\n  tencentcloud:domain: localhost:1\n")
    assert stack_of("") == "" and stack_of("prod") == ""
    assert stale_settings({"tencentcloud:domain": "localhost:2"}, "", tmp_path) == []


def test_the_warning_names_the_keys_and_the_file_never_a_value() -> None:
    text = stale_settings_warning(["tencentcloud:domain", "tencentcloud:secretKey"], URN)
    assert text.startswith("warning: ")
    assert "Pulumi.prod.yaml" in text and "tencentcloud:domain, tencentcloud:secretKey" in text
    assert "--run-program" in text
