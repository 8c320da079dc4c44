"""Generate the demo stack's certificates and keys under stacks/certs/ (gitignored), once.

Run by `make demo` on first use; an existing pair is kept, so the demo stack stays unchanged between runs.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from emulator.pem import build_certificate

# name -> (common name, extra subject alternative names)
DEMO_CERTIFICATES = {
    "www": ("www.example.com", ("example.com",)),
    "api": ("api.example.com", ()),
    "shop": ("shop.example.com", ("checkout.example.com",)),
}


def make_pair(common_name: str, sans: tuple[str, ...]) -> tuple[bytes, bytes]:
    """A self-signed ECDSA certificate valid for 90 days, and its PKCS#8 private key, as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = build_certificate(
        common_name,
        key.public_key(),
        key,
        not_before=now - dt.timedelta(minutes=5),
        not_after=now + dt.timedelta(days=90),
        sans=(common_name, *sans),
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def main(directory: Path) -> None:
    """Write ``<name>.pem`` and ``<name>.key`` for each demo certificate that does not exist yet."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (common_name, sans) in DEMO_CERTIFICATES.items():
        cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
        if cert_path.exists() and key_path.exists():
            continue
        cert_pem, key_pem = make_pair(common_name, sans)
        key_path.touch(mode=0o600)
        key_path.write_bytes(key_pem)
        cert_path.write_bytes(cert_pem)
        print(f"generated {cert_path} and {key_path.name} for {common_name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("stacks/certs"))
