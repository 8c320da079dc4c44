"""What happens as emulator time passes: free DV orders get issued, deploys end, deletion tasks reach their outcome."""

from __future__ import annotations

from emulator import deploy
from emulator.pem import issue_self_signed, parse_chain
from emulator.records import Certificate, DeleteTask
from emulator.settings import Settings
from emulator.store import Store

__all__ = ["ROLE_NAME", "issue", "resolve", "tick"]

ROLE_NAME = "SSL_QCSLinkedRoleInReplaceLoadCertificate"
_TASK_ERRORS = {
    2: "The deletion task failed.",
    3: f"The service role {ROLE_NAME} is not authorised; authorise it in the CAM console and retry.",
    5: "Querying the cloud resources associated with the certificate timed out; retry the deletion.",
}


def tick(store: Store, now: float, settings: Settings) -> None:
    """Bring the state up to ``now``: issue due certificates, end due deploys, then settle due deletion tasks."""
    for cert in store.pending_certs(now):
        issue(store, cert)
    # Before deletion tasks: a deploy that ended by now has moved its bindings off the old certificate.
    deploy.advance(store, now, settings)
    for task in store.due_tasks(now):
        resolve(store, task, now, settings)


def issue(store: Store, cert: Certificate) -> None:
    """The CA issues a pending free order: a real certificate and key for its domain, valid from issue time."""
    assert cert.domain is not None and cert.issue_at is not None
    cert_pem, key_pem = issue_self_signed(cert.domain, cert.csr_algorithm or "RSA", cert.issue_at)
    parsed = parse_chain(cert_pem)
    cert.public_key, cert.private_key = cert_pem, key_pem
    cert.fingerprint, cert.algorithm = parsed.fingerprint, parsed.algorithm
    cert.not_before, cert.not_after = parsed.not_before, parsed.not_after
    cert.sans = list(parsed.sans)
    cert.issuer_cn = parsed.issuer_cn
    cert.chain = [entry.__dict__ for entry in parsed.chain]
    cert.status, cert.status_msg = 1, None
    store.put_cert(cert)


def _bound_message(store: Store, cert_id: str) -> str | None:
    bound = store.bindings(cert_id)
    if not bound:
        return None
    listed = ", ".join(f"{kind}:{resource}" for kind, resource in bound)
    return f"The certificate {cert_id} is still associated with cloud resources ({listed}); unbind them first."


def resolve(store: Store, task: DeleteTask, now: float, settings: Settings) -> None:
    """Decide a due task's Status (1..5) and, for 1, delete the certificate."""
    forced = settings.DeleteTaskOutcome
    cert = store.get_cert(task.cert_id)
    if forced != "auto":
        status = int(forced)
    elif not settings.RoleAuthorized:
        status = 3
    elif cert is not None and store.bindings(task.cert_id):
        status = 4
    else:
        status = 1
    error = ""
    if status == 4:
        error = _bound_message(store, task.cert_id) or (
            f"The certificate {task.cert_id} is still associated with cloud resources; unbind them first."
        )
    elif status != 1:
        error = _TASK_ERRORS[status]
    if status == 1 and cert is not None:
        store.delete_cert(task.cert_id)
    task.status, task.error, task.resolved_at = status, error, now
    store.put_task(task)
