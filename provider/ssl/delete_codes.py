"""Every error code DeleteCertificate documents, classified once: what it means, how it is handled, what to do.

The codes are the API's documented list (SDK ``ssl/v20191205`` errorcodes and the action's doc comment). Each row
says how the provider treats it:

- ``retried``: transient. The client retries it with backoff (``provider.tencentcloud.retry`` lists the same codes;
  a test keeps the two in step). Only when every attempt failed does it reach the user.
- ``waited``: it lifts by itself (a renewal issued, an hour passed, a status Tencent is working through). The delete
  waits for it within ``delete_timeout``, says so every ``progress_every``, and names when it lifts if it knows.
- ``gone``: the certificate no longer exists; the delete has nothing left to do.
- ``bound``: the certificate is still in use; unbind it (or let a rotation move what uses it).
- ``account``: the account or the key lacks something (a permission, identity verification, the service role); the
  user fixes that, then runs ``pulumi up`` again.
- ``permanent``: Tencent will never delete this certificate (an issued paid certificate, an order reissued or not
  cancellable, an id it rejects). Running again cannot help; the stack can only let go of it: ``release``.

``python -m provider.ssl > docs/deletion-errors.md`` writes the document made from the table (a test
checks that the committed file is its output).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "BOUND_CODE",
    "DELETE_CODES",
    "ROLE_CODE",
    "RELEASE_ADVICE",
    "Case",
    "DeleteCode",
    "Handling",
    "delete_code",
    "document",
    "markdown_table",
]


class Handling(enum.StrEnum):
    """How the provider treats a DeleteCertificate error code (see the module doc)."""

    RETRIED = "retried"
    WAITED = "waited"
    GONE = "gone"
    BOUND = "bound"
    ACCOUNT = "account"
    PERMANENT = "permanent"


class Case(enum.StrEnum):
    """Why a certificate is being deleted: each has its own way to let go of one Tencent will not delete."""

    REMOVAL = "removal"  # its entry was removed from the stack file (`pulumi up`)
    REPLACEMENT = "replacement"  # the entry is still declared: this is the certificate it replaced
    DESTROY = "destroy"  # no program ran: `pulumi destroy`, or an `up` whose file declares nothing at all


_RECOVERY = '(docs/recovery.md, "A certificate Tencent Cloud will not delete")'
#: What the user does with a certificate Tencent will not delete, by ``Case``: the stack file's ``release`` list for
#: a removed entry, ``retain: true`` for the certificate a still-declared entry replaced (a ``release:`` name cannot
#: also be an entry), and for a destroy, which runs no program, an ``up`` that declares nothing and releases it.
RELEASE_ADVICE = (
    "Running again cannot help. To keep it in Tencent Cloud and let the stack forget it, list `{entry}` under "
    "`release:` in the stack file and run `pulumi up`, then take it out of `release:` and run `pulumi up` again "
    + _RECOVERY
)
RETAIN_ADVICE = (
    "Running again cannot help. To keep this replaced certificate in Tencent Cloud and let the stack forget it, add "
    "`retain: true` to `{entry}` in the stack file and run `pulumi up` (the entry keeps its new certificate; take "
    "`retain: true` out again afterwards if later replacements should delete their old certificate) " + _RECOVERY
)
DESTROY_ADVICE = (
    "Running again cannot help. To keep it in Tencent Cloud and finish the destroy, make the stack file declare "
    "nothing (`certificates: {}`) and list `{entry}` under `release:`, run `pulumi up` (it creates nothing), then run "
    "`pulumi destroy` again " + _RECOVERY
)
_ADVICE_BY_CASE = {Case.REMOVAL: RELEASE_ADVICE, Case.REPLACEMENT: RETAIN_ADVICE, Case.DESTROY: DESTROY_ADVICE}


@dataclass(frozen=True)
class DeleteCode:
    """One documented code: ``meaning`` in plain words, ``advice`` the one thing to do next."""

    code: str
    handling: Handling
    meaning: str
    advice: str

    def advice_for(self, entry: str, certificate_id: str, case: Case = Case.REMOVAL) -> str:
        """``advice`` with the entry and certificate filled in; a permanent refusal's for ``case``."""
        advice = _ADVICE_BY_CASE[case] if self.advice == RELEASE_ADVICE else self.advice
        return advice.replace("{entry}", entry).replace("{certificate_id}", certificate_id)


_AGAIN_LATER = "Run `pulumi up` again later"

_ROWS = (
    DeleteCode(
        "FailedOperation",
        Handling.RETRIED,
        "Tencent Cloud failed the deletion without giving a cause",
        f"{_AGAIN_LATER}; if it keeps failing, ask Tencent Cloud support about the RequestId",
    ),
    DeleteCode(
        "FailedOperation.AuthError",
        Handling.ACCOUNT,
        "the API key is not allowed to delete this certificate",
        "Grant the key's CAM user or role the action `ssl:DeleteCertificate` on certificate {certificate_id} (in a "
        "CAM policy, the resource `certificate/{certificate_id}` of your account's SSL service, or all resources), "
        "or attach the policy QcloudSSLFullAccess, then run `pulumi up` again",
    ),
    DeleteCode(
        "FailedOperation.BoundResources",
        Handling.BOUND,
        "the certificate is still bound to cloud resources",
        "Unbind it from these resources or deploy a replacement certificate to them, then run `pulumi up` again",
    ),
    DeleteCode(
        "FailedOperation.CancelOrderFailed",
        Handling.PERMANENT,
        "Tencent Cloud could not cancel the certificate's paid order, so it will not delete the certificate",
        RELEASE_ADVICE,
    ),
    DeleteCode(
        "FailedOperation.CannotBeDeletedIssued",
        Handling.PERMANENT,
        "the certificate is an issued paid certificate, which Tencent Cloud never deletes",
        RELEASE_ADVICE,
    ),
    DeleteCode(
        "FailedOperation.CannotBeDeletedWithinHour",
        Handling.WAITED,
        "Tencent Cloud does not delete a free certificate within an hour of its application",
        "Run `pulumi up` again once the hour is over",
    ),
    DeleteCode(
        "FailedOperation.CannotGetOrder",
        Handling.RETRIED,
        "Tencent Cloud could not read the certificate's order",
        _AGAIN_LATER,
    ),
    DeleteCode(
        "FailedOperation.CertificateNotFound",
        Handling.GONE,
        "the certificate no longer exists",
        "Nothing: the stack forgets it",
    ),
    DeleteCode(
        "FailedOperation.DeleteFailedTimeNotUp",
        Handling.WAITED,
        "Tencent Cloud does not delete a free certificate within an hour of its application",
        "Run `pulumi up` again once the hour is over",
    ),
    DeleteCode(
        "FailedOperation.DeleteResourceFailed",
        Handling.BOUND,
        "the certificate is still associated with cloud resources",
        "Unbind it from these resources or deploy a replacement certificate to them, then run `pulumi up` again",
    ),
    DeleteCode(
        "FailedOperation.InvalidCertificateStatusCode",
        Handling.WAITED,
        "the certificate's status does not allow deletion while Tencent Cloud works on it (its order being "
        "cancelled, the certificate being revoked or reissued, a revocation confirmation awaited, a migration)",
        "Run `pulumi up` again once that has finished (the SSL console shows the certificate's status); if the "
        "status does not change, ask Tencent Cloud support about the certificate",
    ),
    DeleteCode(
        "FailedOperation.InvalidParam",
        Handling.PERMANENT,
        "Tencent Cloud rejected the certificate id recorded in the stack",
        RELEASE_ADVICE,
    ),
    DeleteCode(
        "FailedOperation.NetworkError",
        Handling.RETRIED,
        "the certificate authority Tencent Cloud has to ask is busy",
        _AGAIN_LATER,
    ),
    DeleteCode(
        "FailedOperation.NoProjectPermission",
        Handling.ACCOUNT,
        "the API key may not manage certificates in the certificate's project",
        "Give the key's CAM user or role access to the certificate's project (CAM, project permissions), then run "
        "`pulumi up` again",
    ),
    DeleteCode(
        "FailedOperation.NoRealNameAuth",
        Handling.ACCOUNT,
        "the Tencent Cloud account has not completed identity verification (real-name authentication)",
        "Complete identity verification in the Tencent Cloud console (Account Center), then run `pulumi up` again",
    ),
    DeleteCode(
        "FailedOperation.OrderAlreadyReplaced",
        Handling.PERMANENT,
        "the certificate's order has been reissued, so this certificate cannot be deleted on its own",
        RELEASE_ADVICE,
    ),
    DeleteCode(
        "FailedOperation.RenewNotIssued",
        Handling.WAITED,
        "a renewal of the certificate has been ordered and is not issued yet",
        "Run `pulumi up` again once the renewal is issued (the SSL console shows its status)",
    ),
    DeleteCode(
        "FailedOperation.RoleNotFoundAuthorization",
        Handling.ACCOUNT,
        "Tencent Cloud cannot check which resources use the certificate: the service role "
        "SSL_QCSLinkedRoleInReplaceLoadCertificate is not authorised",
        "Authorise the role SSL_QCSLinkedRoleInReplaceLoadCertificate in the CAM console (Roles), or set "
        "check_resources: false for this entry to delete without the check, then run `pulumi up` again (an entry "
        "already removed from the stack file: put it back with check_resources: false, run `pulumi up`, then remove "
        "it again)",
    ),
    DeleteCode(
        "InternalError",
        Handling.RETRIED,
        "Tencent Cloud had an internal error",
        _AGAIN_LATER,
    ),
    DeleteCode(
        "LimitExceeded.RateLimitExceeded",
        Handling.RETRIED,
        "Tencent Cloud's request rate limit for DeleteCertificate was reached",
        f"{_AGAIN_LATER}, or lower `tencentcloud:ratePerAction` when several runners share the key",
    ),
)

#: Code -> row, for every documented DeleteCertificate error code.
DELETE_CODES: dict[str, DeleteCode] = {row.code: row for row in _ROWS}
#: The rows whose advice also answers a deletion task's status 4 (still bound) and 3 (service role).
BOUND_CODE = "FailedOperation.BoundResources"
ROLE_CODE = "FailedOperation.RoleNotFoundAuthorization"


def delete_code(code: str) -> DeleteCode | None:
    """The row of a documented code, or None for a code DeleteCertificate does not document."""
    return DELETE_CODES.get(code)


def markdown_table() -> str:
    """The table of ``docs/deletion-errors.md``: code, handling, what happened, what to do."""
    lines = [
        "| code | outcome | what happened | what to do |",
        "|---|---|---|---|",
    ]
    for row in _ROWS:
        advice = row.advice_for("<entry>", "<id>")
        if row.advice == RELEASE_ADVICE:
            advice = "; ".join(f"{case}: {row.advice_for('<entry>', '<id>', case)}" for case in Case)
        advice = advice.replace("|", "\\|")
        lines.append(f"| `{row.code}` | {row.handling} | {row.meaning} | {advice} |")
    return "\n".join(lines) + "\n"


_OUTCOMES = {
    Handling.RETRIED: "the client retries it with backoff; only if every attempt fails does `up` fail, with the "
    "message below",
    Handling.WAITED: "waited for within `delete_timeout` (the message says when it lifts, if not within it)",
    Handling.GONE: "counted as deleted: the entry leaves the stack",
    Handling.BOUND: "`up` fails and lists the bound resources (a replaced certificate's are moved to its successor "
    "first, with `rotate`)",
    Handling.ACCOUNT: "`up` fails at once: the account or key must change first",
    Handling.PERMANENT: "`up` fails at once: no later run can delete it; release it from the stack",
}


def document() -> str:
    """``docs/deletion-errors.md``: what each outcome means, then the table."""
    outcomes = "\n".join(f"- **{handling}**: {text}." for handling, text in _OUTCOMES.items())
    return f"""# DeleteCertificate errors: what happens and what to do

Generated by `python -m provider.ssl > docs/deletion-errors.md` from the one table in the code
(`provider/ssl/delete_codes.py`); do not edit by hand. A test fails when the two disagree.

Every error code Tencent Cloud documents for `DeleteCertificate`, how the provider treats it when an entry is
removed (or its certificate replaced), and the advice its message gives. The message also names the entry, the
certificate and Tencent's own text; in any failure the certificate stays in Tencent Cloud and in the stack's state.
`<entry>` and `<id>` stand for the entry and certificate the message names.

Outcomes:

{outcomes}

{markdown_table()}
What a refused *deletion task* reports (status 2 failed, 3 service role not authorised, 4 still bound, 5 resource
check timed out) is described in README, "Deletion". To let the stack forget a certificate Tencent will not delete,
see [recovery.md](recovery.md#a-certificate-tencent-cloud-will-not-delete).
"""
