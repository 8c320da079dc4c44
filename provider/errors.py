"""The provider's one user-facing error (the client's exception tree is ``provider.tencentcloud.errors``)."""

from __future__ import annotations

__all__ = ["CertificateError"]


class CertificateError(Exception):
    """Raised by the provider with a message for the user: entry, certificate id, task id, reason, what to do."""
