"""One set of rules for the stack-file loader and check(): alias, tags (provider/rules.py), keys, chains (pem.py)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from pulumi.runtime.rpc import UNKNOWN

from provider import inputs, pem, rules
from provider.stackfile import StackFileError, load_stack_file
from provider.validation import check_inputs
from support.certs import CertificateAuthority, make_ca, make_cert, make_chain, make_sm2_certificate
from support.stack_cases import block_scalar

PROVIDER = Path(rules.__file__).parent
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def adopt(**fields: object) -> dict[str, object]:
    return {"source": "adopt", "adopt_id": "GjTNRoK7", **fields}


def reasons(props: dict[str, object]) -> list[str]:
    return [f.reason for f in check_inputs(props, NOW)]


def test_the_unknown_sentinel_is_pulumis() -> None:
    assert inputs.UNKNOWN == UNKNOWN


@pytest.mark.parametrize("key", ["a(b)", "x[1]", "k,v", "a;b", "a>b", "a<b", "team", "成本中心", "a_b"])
def test_tag_characters_tencent_allows_pass_both(key: str) -> None:
    assert rules.tag_key_problem(key) is None
    assert reasons(adopt(tags={key: key})) == []


@pytest.mark.parametrize("key", ["qcs:x", "pulumi:owner", "QCloud-x", "tencent:a", "project"])
def test_reserved_prefixes(key: str) -> None:
    assert "reserved prefix" in (rules.tag_key_problem(key) or "")
    assert any("reserved prefix" in r for r in reasons(adopt(tags={key: "v"})))


@pytest.mark.parametrize(("tags", "word"), [({"a#": "v"}, "characters"), ({"a": "x|y"}, "characters"),
                                            ({" a": "v"}, "space"), ({"k" * 128: "v"}, "127")])  # fmt: skip
def test_bad_tags_are_refused_by_check(tags: dict[str, str], word: str) -> None:
    (reason,) = reasons(adopt(tags=tags))
    assert word in reason and repr(next(iter(tags))) in reason


def test_alias_limit_is_tencents_200() -> None:
    assert reasons(adopt(alias="x" * rules.MAX_ALIAS)) == []
    assert reasons(adopt(alias="x" * (rules.MAX_ALIAS + 1))) == ["alias must be at most 200 characters (has 201)"]
    assert reasons(adopt(alias="a\x7fb")) == ["alias must not contain control characters or line breaks"]


def test_at_most_45_user_tags() -> None:
    # Tencent allows 50; the provider keeps pulumi:owner, :claim, :create, :replaces and :deploy.
    assert rules.MAX_USER_TAGS == 45
    assert reasons(adopt(tags={f"k{i}": "v" for i in range(45)})) == []
    assert reasons(adopt(tags={f"k{i}": "v" for i in range(46)})) == ["at most 45 tags per certificate"]


def test_the_provider_tags_are_reserved() -> None:
    assert rules.is_reserved_tag(rules.OWNER_TAG) and rules.is_reserved_tag(rules.CREATE_TAG)
    assert rules.is_reserved_tag(rules.CLAIM_TAG)
    assert rules.user_tags({rules.OWNER_TAG: "o", "qcs:x": "1", "env": "prod"}) == {"env": "prod"}


@pytest.mark.parametrize("name", ["rules", "pem", "inputs", "validation", "outputs", "creation", "deletion", "waiting",
                                  "errors"])  # fmt: skip
def test_split_modules_import_neither_pulumi_nor_httpx(name: str) -> None:
    tree = ast.parse((PROVIDER / f"{name}.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level
    }
    assert not imported & {"pulumi", "httpx"}


# -- key types and chains (provider/pem.py): the loader and check() refuse what Tencent would refuse ----------------


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return make_ca("Key Type Test CA", key_type="ec")


def upload(cert: str, key: str | None = None, **fields: object) -> dict[str, object]:
    return {"source": "upload", "certificate": cert, "private_key": key, **fields}


@pytest.mark.parametrize(
    ("key_type", "said"),
    [
        ("ed25519", "is an Ed25519 key"),
        ("ed448", "is an Ed448 key"),
        ("x25519", "is an X25519 key"),
        ("dsa", "is a DSA key"),
        ("rsa-1024", "is an RSA key of 1024 bits"),
        ("ec-p521", "is an EC key on curve secp521r1"),
        ("ec-p224", "is an EC key on curve secp224r1"),
    ],
)
def test_key_types_tencent_does_not_take(ca: CertificateAuthority, key_type: str, said: str) -> None:
    cert, key = make_cert(f"{key_type}.example.com", key_type=key_type, issuer=ca)
    tail = "; Tencent takes RSA (2048 bits or more) or ECDSA on P-256 or P-384"
    assert pem.certificate_key_problem(x509.load_pem_x509_certificate(cert.encode())) == said + tail
    assert pem.key_type_problem(pem.load_private_key(key)) == said + tail
    assert reasons(upload(cert, key)) == [f"the certificate's public key {said}{tail}", f"private_key {said}{tail}"]
    # A certificate Tencent takes with a key it does not: the key's type is named, not a mismatch.
    good_cert, _ = make_cert("www.example.com", key_type="ec", issuer=ca)
    assert reasons(upload(good_cert, key)) == [f"private_key {said}{tail}"]


@pytest.mark.parametrize("key_type", ["rsa", "ec", "ec-p384", "rsa-4096"])
def test_key_types_tencent_takes(ca: CertificateAuthority, key_type: str) -> None:
    cert, key = make_cert(f"{key_type}.example.com", key_type=key_type, issuer=ca)
    assert pem.certificate_key_problem(x509.load_pem_x509_certificate(cert.encode())) is None
    assert reasons(upload(cert + ca.cert_pem, key)) == []


def test_chains_are_checked_link_by_link() -> None:
    chain = make_chain("api.example.com", key_type="ec")
    key = chain.key_pem
    assert reasons(upload(chain.fullchain_pem + chain.root.cert_pem, key)) == []
    (reason,) = reasons(upload(chain.leaf_pem + chain.root.cert_pem + chain.intermediate.cert_pem, key))
    assert reason.startswith(
        "certificate: certificate 2 of the chain (Test Root CA) did not issue certificate 1 (api.example.com): its "
        "issuer is CN=Test Intermediate CA, so the chain is out of order or holds an unrelated certificate"
    )
    (reason,) = reasons(upload(chain.fullchain_pem + make_ca("Unrelated Root", key_type="ec").cert_pem, key))
    assert "certificate 3 of the chain (Unrelated Root) did not issue certificate 2 (Test Intermediate CA)" in reason
    # The right name on another key: only the signature tells.
    forged = make_ca("Test Intermediate CA", key_type="ec", issuer=chain.root)
    (reason,) = reasons(upload(chain.leaf_pem + forged.cert_pem, key))
    assert "the names match but the signature does not verify" in reason
    # A CA bundle is checked the same way.
    (reason,) = reasons(upload(chain.root.cert_pem + chain.intermediate.cert_pem, certificate_type="CA"))
    assert "certificate 2 of the chain (Test Intermediate CA) did not issue certificate 1 (Test Root CA)" in reason


def test_an_sm2_certificate_is_named() -> None:
    (reason,) = reasons(upload(make_sm2_certificate(), certificate_type="CA"))
    assert reason.startswith("the certificate's public key is an SM2 key; SM2 needs Tencent's SM upload")


def test_the_loader_and_check_say_the_same(tmp_path: Path, ca: CertificateAuthority) -> None:
    cert, key = make_cert("ed.example.com", key_type="ed25519", issuer=ca)
    (tmp_path / "dev.yaml").write_text(
        "certificates:\n  www:\n    upload:\n"
        f"      certificate: |\n{block_scalar(cert)}\n      private_key: |\n{block_scalar(key)}\n"
    )
    with pytest.raises(StackFileError) as caught:
        load_stack_file(tmp_path / "dev.yaml", environ={})
    loader = [p.message for p in caught.value.problems]
    checked = reasons(upload(cert, key))
    assert loader == [checked[0], "the inline key " + checked[1].removeprefix("private_key ")]


def test_the_emulator_refuses_what_the_rules_refuse(ca: CertificateAuthority) -> None:
    from emulator.errors import ApiError
    from emulator.pem import parse_chain

    chain = make_chain("api.example.com", key_type="ec")
    refused = {
        "ed25519": make_cert("ed.example.com", key_type="ed25519", issuer=ca)[0],
        "rsa-1024": make_cert("small.example.com", key_type="rsa-1024", issuer=ca)[0],
        "p521": make_cert("p521.example.com", key_type="ec-p521", issuer=ca)[0],
        "sm2": make_sm2_certificate(),
        "reversed": chain.intermediate.cert_pem + chain.leaf_pem,
        "unrelated": chain.fullchain_pem + ca.cert_pem,
    }
    codes = {}
    for name, text in refused.items():
        with pytest.raises(ApiError) as caught:
            parse_chain(text)
        codes[name] = caught.value.code
    assert codes == {
        "ed25519": "FailedOperation.CertificateParseError",
        "rsa-1024": "FailedOperation.CertificateParseError",
        "p521": "FailedOperation.CertificateParseError",
        "sm2": "FailedOperation.CertificateEncryptInvalid",
        "reversed": "FailedOperation.CertificateChainError",
        "unrelated": "FailedOperation.CertificateChainError",
    }
    assert parse_chain(chain.fullchain_pem + chain.root.cert_pem).domain == "api.example.com"
    assert parse_chain(make_cert("p384.example.com", key_type="ec-p384", issuer=ca)[0]).algorithm == "ECC"
