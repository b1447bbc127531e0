"""The control plane's door: `/__specmock` answers loopback clients or its token."""

from __future__ import annotations

from .. import admin
from ..exchange import Exchange
from ..responder import Outgoing
from ..validation import Violation


def admin_gate(x: Exchange) -> Outgoing | None:
    """Send control-plane paths to the admin router, refusing strangers with 403."""
    path = x.path
    if not (path == admin.PREFIX or path.startswith(admin.PREFIX + "/")):
        x.router = x.app.router
        return None
    if not admin.allowed(x.scope, x.headers, x.app.settings.admin_token):
        reason = "the admin API answers loopback clients or its token"
        violation = Violation("header", "/authorization", "admin", reason)
        return x.app.responder.error(None, 403, [violation], x.accept)
    x.router = x.app.admin_router
    return None
