"""Sessions: `POST /auth`, keep-alive, logout, idle timeout and the 48-hour lifetime.

Sessions live in the store (`/sessions`) so they survive reloads and are shared by
workers; every check reads `ctx.clock`, so tests move time instead of sleeping.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .envelope import Call, VaultError, form_value, vault_operation


@vault_operation("authenticate", session=False)
async def authenticate(call: Call) -> dict[str, Any]:
    """Password login; the error types match what Vault answers for each failure."""
    body = call.ctx.body if isinstance(call.ctx.body, dict) else {}
    username = str(form_value(body.get("username")) or "")
    password = str(form_value(body.get("password")) or "")
    if not username.strip():
        raise VaultError("PARAMETER_REQUIRED", "Missing required parameter [username].", True)
    if not password:
        raise VaultError(
            "NO_PASSWORD_PROVIDED", "No password was provided for the login call.", True
        )
    user = call.config.user_named(username)
    if user is None or user.password != password:
        raise VaultError(
            "USERNAME_OR_PASSWORD_INCORRECT", f"Authentication failed for user [{username}].", True
        )
    if user.locked:
        raise VaultError("USER_LOCKED_OUT", "The user account is locked.", True)
    if not user.active:
        raise VaultError("INACTIVE_USER", "User is inactive or not found.", True)
    ctx = call.ctx
    ns = ctx.namespace("/sessions")
    n = await ctx.store.next_id(ns)
    seed = f"{ctx.rng.getrandbits(64)}|{n}|{user.id}".encode()
    session_id = hashlib.sha256(seed).hexdigest().upper()
    now = ctx.clock.now()
    await ctx.store.put(ns, session_id, {"user_id": user.id, "created": now, "last_used": now})
    call.user, call.session_id = user, session_id
    vault = {
        "id": call.config.vault_id,
        "name": call.config.vault_name,
        "url": f"{call.origin}/api",
    }
    return {
        "responseStatus": "SUCCESS",
        "sessionId": session_id,
        "userId": user.id,
        "vaultIds": [vault],
        "vaultId": call.config.vault_id,
    }


@vault_operation("keepAlive")
async def keep_alive(call: Call) -> dict[str, Any]:
    """`require` already refreshed the idle timer; the 48-hour limit still stands."""
    return {"responseStatus": "SUCCESS"}


@vault_operation("endSession")
async def end_session(call: Call) -> dict[str, Any]:
    if call.session_id:
        await call.ctx.store.delete(call.ctx.namespace("/sessions"), call.session_id)
    return {"responseStatus": "SUCCESS"}


@vault_operation("listApiVersions", session=False)
async def list_versions(call: Call) -> dict[str, Any]:
    versions = [f"v{year}.{n}" for year in range(21, 26) for n in (1, 2, 3)][:-1]
    return {"responseStatus": "SUCCESS", "values": {v: f"{call.origin}/api/{v}" for v in versions}}
