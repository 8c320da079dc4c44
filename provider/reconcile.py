"""Bringing an existing certificate's alias, project and tags to what its inputs say (create, adopt and update)."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import CertificateError
from .inputs import CertificateInputs
from .rules import is_reserved_tag, user_tags
from .ssl import ProjectChangeFailed, SslService

__all__ = ["reconcile"]


def reconcile(
    ssl: SslService,
    entry: str,
    certificate_id: str,
    spec: CertificateInputs,
    *,
    alias: str | None,
    project: int | None,
    tags: Mapping[str, str] | None,
    provider_tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Bring alias, project and user tags to ``spec``; ``None`` for a current value means "read it".

    ``provider_tags`` (ownership marks) are set alongside; the provider's other tags are kept as they are.
    """
    want_alias = spec.alias
    want_project = spec.project_id
    want_tags = dict(spec.tags)
    if alias is None or project is None:
        detail = ssl.describe_certificate_detail(certificate_id)
        alias = detail.alias if alias is None else alias
        project = detail.project_id if project is None else project
    try:
        if alias != want_alias:
            ssl.modify_alias(certificate_id, want_alias)
        if project != want_project:
            ssl.modify_project(certificate_id, want_project)
    except ProjectChangeFailed:
        raise CertificateError(
            f"{entry}: Tencent Cloud refused to move certificate {certificate_id} to project {want_project} "
            "(listed in FailCertificates); check that the project exists and that these credentials may use it"
        ) from None
    current = ssl.get_tags(certificate_id) if tags is None else dict(tags)
    extra = dict(provider_tags or {})
    if user_tags(current) != want_tags or any(current.get(k) != v for k, v in extra.items()):
        reserved = {k: v for k, v in current.items() if is_reserved_tag(k)}
        ssl.replace_tags(certificate_id, {**want_tags, **reserved, **extra}, current)
    return want_tags
