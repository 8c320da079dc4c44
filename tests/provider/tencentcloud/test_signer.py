"""TC3-HMAC-SHA256 against Tencent's official worked example (tencent-ssl-api.md §1.7) and the ssl vectors (§1.8)."""

from __future__ import annotations

import pytest

from provider.tencentcloud import signer

SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TIMESTAMP = 1551113065

# The exact bytes of the official example, ASCII escapes kept.
CVM_BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
CVM_CONTENT_TYPE = "application/json; charset=utf-8"
SSL_BODY = b'{"CertificateId": "abcd1234", "IsCheckResource": true}'


def test_official_example_intermediates() -> None:
    canonical = signer.canonical_request("cvm.tencentcloudapi.com", CVM_CONTENT_TYPE, CVM_BODY)
    assert canonical == (
        "POST\n/\n\n"
        "content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
        "content-type;host\n"
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert signer.sha256_hex(CVM_BODY) == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    assert signer.sha256_hex(canonical.encode()) == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    assert signer.credential_scope(TIMESTAMP, "cvm") == "2019-02-25/cvm/tc3_request"
    to_sign = signer.string_to_sign(canonical, TIMESTAMP, "cvm")
    assert to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )


def test_official_example_signature_and_authorization() -> None:
    signed = signer.sign(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        service="cvm",
        host="cvm.tencentcloudapi.com",
        content_type=CVM_CONTENT_TYPE,
        payload=CVM_BODY,
        timestamp=TIMESTAMP,
    )
    expected = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    assert signed.signature == expected
    assert signed.authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}"
    )


def test_masked_key_of_newer_docs() -> None:
    canonical = signer.canonical_request("cvm.tencentcloudapi.com", CVM_CONTENT_TYPE, CVM_BODY)
    to_sign = signer.string_to_sign(canonical, TIMESTAMP, "cvm")
    assert (
        signer.signature("Gu5t9xGARNpq86cd98joQYCN3*******", to_sign, TIMESTAMP, "cvm")
        == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )


@pytest.mark.parametrize(
    ("host", "canonical_hash", "expected_signature"),
    [
        (
            "ssl.tencentcloudapi.com",
            "a2fe1f2573d3010bb8eff9f12137ee00602d39c9ca8c4db5494210b0eebfdf77",
            "b0957f312512649ef108da39306a209775f606a28c1e7eccf2ceb6ba973114c2",
        ),
        (
            "ssl.intl.tencentcloudapi.com",
            "7b62d988ea3d77961e82cbbb325e6685ef1d2943c79d0f38ff2308e4b9dd1dbf",
            "6af53a23218426c43c39a254fd20a694dc1c1a3b41b16907e383e05fc74a62a2",
        ),
    ],
)
def test_ssl_vectors_sign_the_host_but_keep_the_ssl_scope(
    host: str, canonical_hash: str, expected_signature: str
) -> None:
    assert signer.sha256_hex(SSL_BODY) == "936ddba2a91ced20b45f2973e28484fbee72b59408e2815727876bf65403056e"
    signed = signer.sign(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        service="ssl",
        host=host,
        content_type="application/json",
        payload=SSL_BODY,
        timestamp=TIMESTAMP,
    )
    assert signer.sha256_hex(signed.canonical_request.encode()) == canonical_hash
    assert "2019-02-25/ssl/tc3_request" in signed.string_to_sign
    assert signed.signature == expected_signature
    assert "Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/ssl/tc3_request" in signed.authorization


def test_date_is_utc_not_local() -> None:
    # 2019-02-25 23:59:59 UTC is already 2019-02-26 in UTC+8; the scope must keep the UTC date.
    assert signer.credential_scope(1551139199, "ssl") == "2019-02-25/ssl/tc3_request"
    assert signer.credential_scope(1551139200, "ssl") == "2019-02-26/ssl/tc3_request"


def test_the_action_is_signed_lower_cased_after_host() -> None:
    signed = signer.sign(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        service="cvm",
        host="cvm.tencentcloudapi.com",
        content_type=CVM_CONTENT_TYPE,
        payload=CVM_BODY,
        timestamp=TIMESTAMP,
        action="DescribeInstances",
    )
    assert signed.canonical_request.split("\n")[3:7] == [
        "content-type:application/json; charset=utf-8",
        "host:cvm.tencentcloudapi.com",
        "x-tc-action:describeinstances",
        "",
    ]
    assert "SignedHeaders=content-type;host;x-tc-action, " in signed.authorization
    other = signer.sign(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        service="cvm",
        host="cvm.tencentcloudapi.com",
        content_type=CVM_CONTENT_TYPE,
        payload=CVM_BODY,
        timestamp=TIMESTAMP,
        action="TerminateInstances",
    )
    assert other.signature != signed.signature
