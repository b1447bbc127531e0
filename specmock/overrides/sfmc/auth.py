"""`POST /v2/token`: client credentials and refresh tokens, issued and expired on the clock.

Configuration (environment, read per request so tests can change it):
SPECMOCK_SFMC_CLIENT_ID / SPECMOCK_SFMC_CLIENT_SECRET (defaults below),
SPECMOCK_SFMC_TOKEN_TTL (seconds, default 1080 as the vendor's ~20 minutes) and
SPECMOCK_SFMC_BASE_URL (what rest_instance_url / soap_instance_url say; default: the
scheme and Host of the request, because the Context does not carry the mount prefix).
"""

from __future__ import annotations

import random
from typing import Any

from specmock import Context, Reply, override

from .common import REFRESH_TOKENS, TOKENS

DEFAULT_CLIENT_ID = "specmock-sfmc-client-id"
DEFAULT_CLIENT_SECRET = "specmock-sfmc-client-secret"
DEFAULT_ACCOUNT_ID = "100000001"
SCOPES = [
    "offline",
    "documents_and_images_read",
    "documents_and_images_write",
    "saved_content_read",
    "saved_content_write",
    "automations_execute",
    "automations_read",
    "automations_write",
    "journeys_execute",
    "journeys_read",
    "journeys_write",
    "email_read",
    "email_send",
    "email_write",
    "push_read",
    "push_send",
    "push_write",
    "sms_read",
    "sms_send",
    "sms_write",
    "list_and_subscribers_read",
    "list_and_subscribers_write",
    "data_extensions_read",
    "data_extensions_write",
    "campaign_read",
    "campaign_write",
    "tracking_events_read",
    "tracking_events_write",
]
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def oauth_error(status: int, code: str, description: str) -> Reply:
    return Reply(
        {
            "error": code,
            "error_description": description,
            "error_uri": "https://developer.salesforce.com/docs",
        },
        status=status,
    )


def base_url(ctx: Context) -> str:
    configured = ctx.option("sfmc_base_url")
    if configured:
        return configured.rstrip("/") + "/"
    proto = ctx.headers.get("x-forwarded-proto", "http").split(",")[0].strip() or "http"
    host = ctx.headers.get("host", "localhost")
    return f"{proto}://{host}/"


async def _secret(ctx: Context, length: int) -> str:
    n = await ctx.store.next_id(ctx.namespace("/_seq/token"))
    rng = random.Random(f"{ctx.rng.getrandbits(64)}:{n}")
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def _check_scope(requested: Any) -> tuple[str, str | None]:
    """The granted scope string, or an error naming the first unknown scope."""
    if requested in (None, ""):
        return " ".join(SCOPES), None
    names = str(requested).split()
    unknown = [s for s in names if s not in SCOPES]
    if unknown:
        return "", f"scope {unknown[0]!r} is not a valid scope for this installed package"
    return " ".join(dict.fromkeys(names)), None


@override("requestToken")
async def request_token(ctx: Context) -> Reply:
    """Issue an access token; `offline` in the scope adds a refresh token."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    grant = body.get("grant_type")
    if not grant:
        return oauth_error(400, "invalid_request", "grant_type is required")
    if grant not in ("client_credentials", "refresh_token"):
        return oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
    client_id = ctx.option("sfmc_client_id", DEFAULT_CLIENT_ID)
    secret = ctx.option("sfmc_client_secret", DEFAULT_CLIENT_SECRET)
    if not body.get("client_id"):
        return oauth_error(400, "invalid_request", "client_id is required")
    if grant == "client_credentials" and not body.get("client_secret"):
        return oauth_error(400, "invalid_request", "client_secret is required")
    if body["client_id"] != client_id or body.get("client_secret", secret) != secret:
        return oauth_error(
            401,
            "invalid_client",
            "Client authentication failed. Check client_id and client_secret.",
        )
    account = body.get("account_id")
    if account not in (None, "") and not str(account).isdigit():
        return oauth_error(400, "invalid_request", "account_id must be a business unit MID")
    scope, problem = _check_scope(body.get("scope"))
    if problem:
        return oauth_error(400, "invalid_scope", problem)
    if grant == "refresh_token":
        old = await _use_refresh_token(ctx, str(body.get("refresh_token") or ""))
        if old is None:
            return oauth_error(400, "invalid_grant", "refresh_token is invalid, used or expired")
        account = account or old["account_id"]
        scope = scope if body.get("scope") else old["scope"]
    return Reply(await _issue(ctx, str(account or DEFAULT_ACCOUNT_ID), scope))


async def _use_refresh_token(ctx: Context, token: str) -> dict[str, Any] | None:
    """Refresh tokens are single-use, as the vendor rotates them."""
    if not token:
        return None
    record = await ctx.store.get(ctx.namespace(REFRESH_TOKENS), token)
    if record is not None:
        await ctx.store.delete(ctx.namespace(REFRESH_TOKENS), token)
    return record


async def _issue(ctx: Context, account: str, scope: str) -> dict[str, Any]:
    ttl = int(ctx.option("sfmc_token_ttl", "1080"))
    token = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjQiLCJ2ZXIiOiIxIiwidHlwIjoiSldUIn0." + await _secret(
        ctx, 60
    )
    now = ctx.clock.now()
    record = {"expires_at": now + ttl, "account_id": account, "scope": scope}
    await ctx.store.put(ctx.namespace(TOKENS), token, record)
    base = base_url(ctx)
    out: dict[str, Any] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": scope,
        "soap_instance_url": base,
        "rest_instance_url": base,
    }
    if "offline" in scope.split():
        refresh = await _secret(ctx, 40)
        await ctx.store.put(ctx.namespace(REFRESH_TOKENS), refresh, {**record, "token": refresh})
        out["refresh_token"] = refresh
    return out
