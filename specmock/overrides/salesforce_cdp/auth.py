"""Core OAuth, the Data Cloud token exchange, revocation and per-API scope checks.

Tokens live in the store with their scopes and expiry (read from `ctx.clock`), so a
revoked or expired token fails the way it does on the real service, and a test can move
the clock past `expires_in` instead of waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any

from specmock import Context, Reply, override

from . import errors
from .errors import ApiError

CORE_TTL = 7200  # seconds: the default session timeout of a core org
TENANT_TTL = 7200
ALL_SCOPES = (
    "api cdp_query_api cdp_profile_api cdp_ingest_api cdp_calculated_insight_api "
    "cdp_segment_api refresh_token"
)
EXCHANGE_GRANT = "urn:salesforce:grant-type:external:cdp"
SUBJECT_TYPE = "urn:ietf:params:oauth:token-type:access_token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID = "00DSM0000000001AAA"
USER_ID = "005SM0000000001AAA"
_KEY = b"specmock-salesforce-cdp"  # signs tenant JWTs; a mock needs no secret


@dataclass
class Token:
    """What the store keeps for each issued token."""

    kind: str  # core | refresh | tenant
    scopes: list[str]
    expires_at: float
    revoked: bool = False
    dataspace: str = "default"


def _tokens(ctx: Context) -> str:
    return ctx.namespace("/__tokens")


def param(ctx: Context, name: str) -> str:
    """OAuth fields come from the form body or, as the cdp connector sends them, the query."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    value = body.get(name)
    if value in (None, "") and ctx.query.get(name):
        value = ctx.query[name][-1]
    return "" if value is None else str(value)


async def _issue(ctx: Context, token: Token, prefix: str) -> str:
    number = await ctx.store.next_id(_tokens(ctx))
    digest = hashlib.sha256(f"{prefix}:{number}".encode()).hexdigest()
    if token.kind == "tenant":
        value = _jwt({"sub": USER_ID, "scp": token.scopes, "n": number, "exp": token.expires_at})
    else:
        value = f"{ORG_ID[:15]}!{prefix}{digest[:40]}"
    await ctx.store.put(_tokens(ctx), value, asdict(token))
    return value


def _jwt(claims: dict[str, Any]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims, sort_keys=True).encode())
    sig = hmac.new(_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def _claims(assertion: str) -> dict[str, Any]:
    """The payload of a JWT bearer assertion (the signature is not checked: a mock holds no
    connected-app certificate); {} when it is not a JWT."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


async def _lookup(ctx: Context, value: str, kind: str) -> Token | None:
    """A live token of that kind, or None (unknown, revoked or expired)."""
    if not value:
        return None
    found = await ctx.store.get(_tokens(ctx), value)
    if found is None or found["kind"] != kind or found["revoked"]:
        return None
    token = Token(**found)
    return token if token.expires_at > ctx.clock.now() else None


def core_url(ctx: Context) -> str:
    """The core instance URL: where the exchange and the Connect API are called."""
    configured = ctx.option("salesforce_cdp_core_url")
    if configured:
        return configured.rstrip("/")
    scheme = ctx.headers.get("x-forwarded-proto", "http")
    return f"{scheme}://{ctx.headers.get('host', 'localhost')}"


def tenant_host(ctx: Context) -> str:
    """The tenant `instance_url`: a bare host:port (clients prepend https:// themselves).

    Overrides cannot see the server's TLS port, so SPECMOCK_SALESFORCE_CDP_TENANT_HOST names
    it (e.g. 127.0.0.1:8443 for `specmock serve --tls-port 8443`); without it the host the
    request came to is used.
    """
    return ctx.option("salesforce_cdp_tenant_host") or ctx.headers.get(
        "host", "localhost"
    )


@override("oauthToken")
async def oauth_token(ctx: Context) -> Reply:
    """password, client_credentials and refresh_token grants; any non-empty secret passes."""
    grant = param(ctx, "grant_type")
    scopes = (param(ctx, "scope") or ALL_SCOPES).split()
    if grant == "password":
        if not (param(ctx, "client_id") and param(ctx, "username") and param(ctx, "password")):
            return errors.oauth(400, "invalid_grant", "authentication failure")
    elif grant == "client_credentials":
        if not (param(ctx, "client_id") and param(ctx, "client_secret")):
            return errors.oauth(400, "invalid_client", "invalid client credentials")
    elif grant == "refresh_token":
        refresh = param(ctx, "refresh_token")
        stored = await ctx.store.get(_tokens(ctx), refresh) if refresh else None
        if not refresh or (stored is not None and stored["revoked"]):
            return errors.oauth(400, "invalid_grant", "expired access/refresh token")
        if stored is not None:
            scopes = stored["scopes"]
    elif grant == JWT_GRANT:
        if not _claims(param(ctx, "assertion")).get("iss"):
            return errors.oauth(400, "invalid_grant", "invalid assertion")
    elif not grant:
        return errors.oauth(400, "unsupported_grant_type", "grant type not supported")
    else:
        return errors.oauth(400, "unsupported_grant_type", f"grant type {grant} not supported")
    now = ctx.clock.now()
    access = await _issue(ctx, Token("core", scopes, now + CORE_TTL), "A")
    body: dict[str, Any] = {
        "access_token": access,
        "instance_url": core_url(ctx),
        "id": f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
        "token_type": "Bearer",
        "issued_at": str(int(now * 1000)),
        "signature": base64.b64encode(hashlib.sha256(access.encode()).digest()).decode(),
        "scope": " ".join(scopes),
    }
    if grant == "password" and ("refresh_token" in scopes or "offline_access" in scopes):
        body["refresh_token"] = await _issue(ctx, Token("refresh", scopes, now + 10**9), "R")
    return Reply(body, status=200)


@override("exchangeToken")
async def exchange_token(ctx: Context) -> Reply:
    """Core token in, tenant token and tenant host out."""
    if param(ctx, "grant_type") != EXCHANGE_GRANT:
        return errors.oauth(400, "unsupported_grant_type", "grant type not supported")
    if param(ctx, "subject_token_type") != SUBJECT_TYPE:
        return errors.oauth(400, "invalid_request", "invalid subject_token_type")
    core = await _lookup(ctx, param(ctx, "subject_token"), "core")
    if core is None:
        return errors.oauth(401, "invalid_grant", "invalid subject token")
    if not any(s.startswith("cdp_") for s in core.scopes):
        return errors.oauth(400, "invalid_scope", "the subject token has no Data Cloud scope")
    dataspace = param(ctx, "dataspace") or "default"
    expires = ctx.clock.now() + TENANT_TTL
    access = await _issue(ctx, Token("tenant", core.scopes, expires, dataspace=dataspace), "T")
    return Reply(
        {
            "access_token": access,
            "instance_url": tenant_host(ctx),
            "token_type": "Bearer",
            "issued_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "expires_in": TENANT_TTL,
        },
        status=200,
    )


async def _revoke(ctx: Context) -> Reply:
    value = param(ctx, "token")
    if not value:
        return errors.oauth(400, "unsupported_token_type", "missing token parameter")
    found = await ctx.store.get(_tokens(ctx), value)
    if found is not None:
        await ctx.store.put(_tokens(ctx), value, {**found, "revoked": True})
    return Reply(None, status=200)


@override("oauthRevoke")
async def oauth_revoke(ctx: Context) -> Reply:
    """Revoking an unknown token is not an error (RFC 7009)."""
    return await _revoke(ctx)


@override("revokeTenantToken")
async def tenant_revoke(ctx: Context) -> Reply:
    return await _revoke(ctx)


def _bearer(ctx: Context) -> str:
    kind, _, value = ctx.headers.get("authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" else ""


async def require(ctx: Context, kind: str, scope: str) -> Token:
    """The request's live token of that kind with that scope (`cdp_api` grants every cdp_*)."""
    token = await _lookup(ctx, _bearer(ctx), kind)
    if token is None:
        code = "INVALID_SESSION_ID" if kind == "core" else "INVALID_TOKEN"
        raise ApiError(401, code, "Session expired or invalid")
    granted = set(token.scopes)
    if scope not in granted and not (scope.startswith("cdp_") and "cdp_api" in granted):
        raise ApiError(403, "INSUFFICIENT_SCOPE", f"the token lacks the {scope} scope")
    return token


Handler = Callable[[Context], Awaitable[Any]]


def tenant_api(scope: str) -> Callable[[Handler], Handler]:
    """A Direct API handler: tenant token with `scope`, errors in the Direct API shape."""

    def wrap(fn: Handler) -> Handler:
        @wraps(fn)
        async def handler(ctx: Context) -> Any:
            try:
                await require(ctx, "tenant", scope)
                return await fn(ctx)
            except ApiError as exc:
                return errors.direct(exc)

        return handler

    return wrap


def connect_api(scope: str) -> Callable[[Handler], Handler]:
    """A Connect API handler: core token with `scope`, errors as a REST error list."""

    def wrap(fn: Handler) -> Handler:
        @wraps(fn)
        async def handler(ctx: Context) -> Any:
            try:
                await require(ctx, "core", scope)
                return await fn(ctx)
            except ApiError as exc:
                return errors.rest(exc)

        return handler

    return wrap
