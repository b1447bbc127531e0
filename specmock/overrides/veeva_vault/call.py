"""The vocabulary every Vault handler speaks: the call it serves and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from specmock import Context

from .config import User, VaultConfig


class VaultError(Exception):
    """A user error Vault reports as FAILURE with one typed error."""

    def __init__(self, type_: str, message: str, auth_failed: bool = False):
        super().__init__(message)
        self.type = type_
        self.message = message
        self.auth_failed = auth_failed


@dataclass
class Call:
    """What a handler knows besides the Context: the vault config and the session's user."""

    ctx: Context
    config: VaultConfig
    version: str
    user: User | None = None
    session_id: str | None = None

    @property
    def user_id(self) -> int:
        return self.user.id if self.user else 0

    @property
    def origin(self) -> str:
        """`scheme://host[/mount]` of this service: absolute URLs (`vaultIds[].url`) use it."""
        base = str(getattr(self.ctx, "base_url", "") or "")
        return base.rstrip("/") or f"http://{self.ctx.headers.get('host', 'localhost')}"

    @property
    def mount(self) -> str:
        """Where the service is mounted (`/veeva_vault` when several specs share a port)."""
        return urlparse(str(getattr(self.ctx, "base_url", "") or "")).path.rstrip("/")

    def api(self, path: str) -> str:
        """A host-relative URL such as `/api/v25.1/objects/documents/7`, as Vault gives."""
        return f"{self.mount}/api/{self.version}{path}"
