"""Which session a call belongs to: Vault binds every request but `/auth` to a live one.

Its own module because the envelope (which checks every call) and the session
operations (which create and end sessions) both need it.
"""

from __future__ import annotations

from .call import Call, VaultError

INVALID = "Invalid or inactive session ID."


def _token(call: Call) -> str:
    raw = call.ctx.headers.get("authorization", "").strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    return raw


async def require_session(call: Call) -> None:
    """Bind the call to a live session, or fail with INVALID_SESSION_ID."""
    token = _token(call)
    if not token:
        raise VaultError("INVALID_SESSION_ID", INVALID)
    static = call.config.raw.get("static_sessions") or {}
    if token in static:
        user = call.config.user_named(str(static[token]))
        if user is None:
            raise VaultError("INVALID_SESSION_ID", INVALID)
        call.user, call.session_id = user, token
        return
    ctx = call.ctx
    ns = ctx.namespace("/sessions")
    record = await ctx.store.get(ns, token)
    now = ctx.clock.now()
    if record is None:
        raise VaultError("INVALID_SESSION_ID", INVALID)
    expired = (
        now - record["last_used"] > call.config.idle_seconds
        or now - record["created"] > call.config.max_seconds
    )
    user = call.config.user_by_id(int(record["user_id"]))
    if expired or user is None or user.locked or not user.active:
        await ctx.store.delete(ns, token)
        raise VaultError("INVALID_SESSION_ID", INVALID)
    await ctx.store.put(ns, token, {**record, "last_used": now})
    call.user, call.session_id = user, token
