"""Vault's envelope: `responseStatus`, `errors[{type, message}]`, HTTP 200, X-VaultAPI headers.

Every handler is wrapped by `vault_operation`, which checks the version segment and the
session, turns a raised `VaultError` into the FAILURE envelope, and turns any other
exception into EXCEPTION / UNEXPECTED_ERROR, so a client never sees a 500 from here.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from specmock import Context, Reply, override, rejected

from . import config as vault_config
from .access import require_session
from .call import Call, VaultError

log = logging.getLogger("specmock.veeva_vault")
_VERSION = re.compile(r"v\d+\.\d+")
BURST_LIMIT = 2000


def failure(error: VaultError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "responseStatus": "FAILURE",
        "errors": [{"type": error.type, "message": error.message}],
    }
    if error.auth_failed:
        body["errorType"] = "AUTHENTICATION_FAILED"
    return body


Handler = Callable[[Call], Awaitable[Any]]


def vault_operation(operation_id: str, *, session: bool = True) -> Callable[[Handler], Any]:
    """Register `fn(call)` for an operation, inside Vault's envelope and error rules."""

    def wrap(fn: Handler) -> Any:
        @override(operation_id)
        @functools.wraps(fn)
        async def handler(ctx: Context) -> Reply:
            conf = vault_config.load()
            call = Call(ctx, conf, str(ctx.params.get("version") or "v25.1"))
            try:
                if "version" in ctx.params and not _VERSION.fullmatch(call.version):
                    raise VaultError("MALFORMED_URL", f"Unknown API version [{call.version}].")
                if session:
                    await require_session(call)
                result = await fn(call)
            except VaultError as error:
                result = failure(error)
            except Exception as exc:  # never a 500: Vault says EXCEPTION
                log.exception("veeva_vault %s failed", operation_id)
                result = {
                    "responseStatus": "EXCEPTION",
                    "errors": [{"type": "UNEXPECTED_ERROR", "message": f"{type(exc).__name__}"}],
                }
            return await finish(call, result)

        return handler

    return wrap


async def finish(call: Call, result: Any) -> Reply:
    """Add the X-VaultAPI headers and pick the HTTP status (200 unless `http_errors`)."""
    reply = result if isinstance(result, Reply) else Reply(result)
    body = reply.body if isinstance(reply.body, dict) else {}
    status = str(body.get("responseStatus", "SUCCESS"))
    ctx = call.ctx
    n = await ctx.store.next_id(ctx.namespace("/executions"))
    headers = {
        "X-VaultAPI-ExecutionId": str(uuid.UUID(int=(ctx.rng.getrandbits(96) << 32) | n)),
        "X-VaultAPI-BurstLimit": str(BURST_LIMIT),
        "X-VaultAPI-BurstLimitRemaining": str(max(BURST_LIMIT - n % BURST_LIMIT, 0)),
        "X-VaultAPI-VaultId": str(call.config.vault_id),
        "X-VaultAPI-Status": status,
        **reply.headers,
    }
    if call.user is not None and call.session_id:
        headers["X-VaultAPI-UserId"] = str(call.user.id)
        headers["X-VaultAPI-TruncatedSessionId"] = call.session_id[:8]
    code = reply.status
    if call.config.http_errors and status in ("FAILURE", "EXCEPTION"):
        code = http_status(body)
    if reply.raw is None and isinstance(reply.body, dict):
        # Sent as JSON whatever else the operation offers (a file download's failure too).
        return Reply(None, code, headers, orjson.dumps(reply.body), "application/json")
    return Reply(reply.body, code, headers, reply.raw, reply.media_type)


_AUTH_TYPES = {
    "INVALID_SESSION_ID",
    "USERNAME_OR_PASSWORD_INCORRECT",
    "NO_PASSWORD_PROVIDED",
    "USER_LOCKED_OUT",
    "INACTIVE_USER",
    "PASSWORD_CHANGE_REQUIRED",
}


def http_status(body: dict[str, Any]) -> int:
    """The HTTP status the `http_errors` option gives a FAILURE / EXCEPTION envelope."""
    if body.get("responseStatus") == "EXCEPTION":
        return 500
    kind = (body.get("errors") or [{}])[0].get("type")
    if kind in _AUTH_TYPES or body.get("errorType") == "AUTHENTICATION_FAILED":
        return 401
    if kind == "INSUFFICIENT_ACCESS":
        return 403
    if kind in ("OPERATION_NOT_ALLOWED", "RACE_CONDITION"):
        return 409
    return 422


def require(value: Any, name: str) -> str:
    """A required form field or parameter, as PARAMETER_REQUIRED when missing or blank."""
    text = "" if value is None else str(value)
    if not text.strip():
        raise VaultError("PARAMETER_REQUIRED", f"Missing required parameter [{name}].")
    return text


def form_value(value: Any) -> Any:
    """Form fields may arrive as one-item lists; take the value a client meant."""
    if isinstance(value, list):
        return value[-1] if value else None
    return value


@rejected("veeva_vault")
async def refused(ctx: Context) -> Reply:
    """Requests refused before a handler runs still get Vault's envelope: HTTP 200 (unless
    `http_errors`), `responseStatus: FAILURE`, a typed error, the X-VaultAPI headers."""
    call = Call(ctx, vault_config.load(), str(ctx.params.get("version") or "v25.1"))
    violations = ctx.violations
    first = violations[0] if violations else {}
    if ctx.rejection_status == 401:
        kind = "INVALID_SESSION_ID"
    elif first.get("rule") == "required":
        kind = "PARAMETER_REQUIRED"
    elif first.get("in") == "path" and first.get("pointer") == "/version":
        kind = "MALFORMED_URL"
    else:
        kind = "INVALID_DATA"
    message = "; ".join(f"{v['in']} {v['pointer']}: {v['message']}" for v in violations[:5])
    return await finish(call, failure(VaultError(kind, message or "invalid request")))
