"""``python -m provider.ssl > docs/deletion-errors.md``: the DeleteCertificate error document, from its table."""

from __future__ import annotations

import sys

from .delete_codes import document

if __name__ == "__main__":
    sys.stdout.write(document())
