"""The review's input files as text, whatever Unicode encoding wrote them.

Windows PowerShell's ``>`` writes UTF-16 with a byte-order mark (5.1: little-endian; ``Out-File -Encoding
bigendianunicode``: big-endian), PowerShell 7 and Notepad may add a UTF-8 BOM; ``pulumi`` itself writes UTF-8.
The BOM says which; without one the text must be UTF-8 (JSON's own rule, RFC 8259).
"""

from __future__ import annotations

import codecs

from .plan import PlanError

__all__ = ["decode_document"]

# Longest first: the UTF-32 little-endian mark starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_document(data: bytes, what: str) -> str:
    """``data`` as text, its BOM dropped; ``PlanError`` naming ``what`` when it is not Unicode text."""
    encoding, start = "utf-8", 0
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, start = name, len(bom)
            break
    try:
        return data[start:].decode(encoding)
    except UnicodeDecodeError as error:
        shown = "UTF-8 (without a byte-order mark)" if start == 0 else encoding.upper()
        raise PlanError(f"{what} is not {shown} text: {error.reason} at byte {error.start + start}") from None
