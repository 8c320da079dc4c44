"""The provider's one user-facing error (the client's exception tree is ``provider.tencentcloud.errors``)."""

from __future__ import annotations

__all__ = ["UNCHECKED", "CertificateError"]

#: How a message ends whose check could not ask Tencent Cloud: a failure of the run, not a verdict on the change
#: (the review tells the two apart by it).
UNCHECKED = "Nothing was changed; run the command again"


class CertificateError(Exception):
    """Raised by the provider with a message for the user: entry, certificate id, task id, reason, what to do."""
