"""Stack-file test cases, for the loader's tests and the CLI's: ``# ERROR`` markers, odd files, inline PEM blocks.

A comment ``# ERROR <field path>: <message fragment>`` on a line of a case says that a problem must be reported on
that line for that field (several markers may share a line; the fragment may be empty).
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["MARKER", "block_scalar", "error_markers", "unreadable_files"]

MARKER = re.compile(r"ERROR (\S*): (.*?)\s*(?=ERROR |$)")


def error_markers(text: str) -> list[tuple[int, str, str]]:
    """(line, field path, message fragment) for every ``# ERROR`` comment of a case."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if "#" in line:
            for field_path, fragment in MARKER.findall(line[line.index("#") :]):
                found.append((number, field_path, fragment))
    return found


def unreadable_files() -> dict[str, bytes]:
    """Files named like certificates that are none: text, a PEM of junk, Latin-1 text, a 1 MiB PEM."""
    return {
        "garbage.pem": b"this is not a certificate\n",
        "corrupt.pem": b"-----BEGIN CERTIFICATE-----\nTUlJQm9vcHM=\n-----END CERTIFICATE-----\n",
        "latin1.pem": "certificat num\u00e9rique".encode("latin-1"),
        "big.pem": b"-----BEGIN CERTIFICATE-----\n" + b"A" * (1 << 20) + b"\n-----END CERTIFICATE-----\n",
    }


def block_scalar(pem: str, indent: int = 8) -> str:
    """``pem`` as the lines of a YAML block scalar (``private_key: |``) indented by ``indent`` spaces, with no final
    line break: 8 suits a field of an entry under ``certificates``."""
    return textwrap.indent(pem.strip(), " " * indent)
