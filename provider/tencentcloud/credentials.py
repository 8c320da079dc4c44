"""API credentials (SecretId, SecretKey, optional STS token) with a redacting ``repr``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ENV_SECRET_ID", "ENV_SECRET_KEY", "ENV_SECURITY_TOKEN", "Credentials"]

# The variable names Terraform, tccli and the official SDKs read.
ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"
ENV_SECURITY_TOKEN = "TENCENTCLOUD_SECURITY_TOKEN"


@dataclass(frozen=True)
class Credentials:
    """A SecretId/SecretKey pair and, for temporary (STS) credentials, the session token."""

    secret_id: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.secret_id or not self.secret_key:
            raise ValueError("Credentials need a non-empty secret_id and secret_key")

    def __repr__(self) -> str:
        # The SecretId identifies the key in the console; show only enough of it to tell keys apart.
        token = "None" if self.token is None else "'***'"
        return f"Credentials(secret_id='{_mask(self.secret_id)}', secret_key='***', token={token})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Credentials | None:
        """Read ``TENCENTCLOUD_SECRET_ID``/``_SECRET_KEY``/``_SECURITY_TOKEN``; ``None`` when neither key is set.

        Raises ``ValueError`` (naming the missing variable) when only one of the id and the key is set.
        """
        # Stray whitespace is the classic cause of AuthFailure.SecretIdNotFound (Tencent's error-code page).
        secret_id = environ.get(ENV_SECRET_ID, "").strip()
        secret_key = environ.get(ENV_SECRET_KEY, "").strip()
        token = environ.get(ENV_SECURITY_TOKEN, "").strip() or None
        if not secret_id and not secret_key:
            return None
        if not secret_id or not secret_key:
            missing = ENV_SECRET_ID if not secret_id else ENV_SECRET_KEY
            present = ENV_SECRET_KEY if not secret_id else ENV_SECRET_ID
            raise ValueError(f"{missing} is not set (or empty) although {present} is")
        return cls(secret_id=secret_id, secret_key=secret_key, token=token)


def _mask(secret_id: str) -> str:
    return secret_id[:4] + "***" if len(secret_id) >= 12 else "***"
