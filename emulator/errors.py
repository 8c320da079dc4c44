"""The one exception an action raises; the app turns it into Tencent's error envelope in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulator.context import Context
    from emulator.records import Certificate

__all__ = ["ApiError", "check_account", "check_project", "invalid_value", "missing", "not_found"]


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


def check_account(ctx: Context, action: str) -> None:
    """``FailedOperation.AuthError`` when the key's CAM policy does not allow ``action`` (setting DeniedActions)."""
    if action in ctx.settings.DeniedActions:
        raise ApiError(
            "FailedOperation.AuthError",
            f"You are not authorized to perform operation (ssl:{action}); please check your CAM policies.",
        )


def check_project(ctx: Context, cert: Certificate) -> None:
    """``FailedOperation.NoProjectPermission`` for a certificate in a project the key may not use."""
    if cert.project_id in ctx.settings.ForbiddenProjects:
        raise ApiError(
            "FailedOperation.NoProjectPermission",
            f"You do not have permission to operate on project {cert.project_id}.",
        )
