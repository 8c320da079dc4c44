"""The one exception an action raises; the app turns it into Tencent's error envelope in one place."""

from __future__ import annotations

__all__ = ["ApiError", "missing", "invalid_value", "not_found"]


class ApiError(Exception):
    """Raised by any stage of a request to answer with ``{"Response": {"Error": {"Code", "Message"}}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def missing(name: str) -> ApiError:
    """``MissingParameter`` worded like Tencent's."""
    return ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")


def invalid_value(name: str, detail: str) -> ApiError:
    """``InvalidParameterValue`` naming the parameter and what was wrong with it."""
    return ApiError("InvalidParameterValue", f"The value of parameter `{name}` is invalid: {detail}.")


def not_found(cert_id: str) -> ApiError:
    """``FailedOperation.CertificateNotFound`` for one certificate id."""
    return ApiError("FailedOperation.CertificateNotFound", f"The certificate `{cert_id}` does not exist.")
