"""Shared pieces of the SFMC override: vendor error bodies, token checks, ids, paging.

Everything here uses only the public override API so the module can move with the spec.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from specmock import Context, Reply

DOCS = "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm"
TOKENS = "/tokens"
REFRESH_TOKENS = "/refresh_tokens"
Handler = Callable[[Context], Awaitable[Any]]
T = TypeVar("T")


def error(status: int, message: str, errorcode: int, extra: Sequence[dict] = ()) -> Reply:
    """SFMC's REST error body; an aggregate (10006) carries the single errors alongside."""
    body: dict[str, Any] = {"message": message, "errorcode": errorcode, "documentation": DOCS}
    if extra:
        body["additionalErrors"] = list(extra)
    return Reply(body, status=status)


def bad_request(message: str, errorcode: int = 10000) -> Reply:
    return error(400, message, errorcode)


def not_found(message: str, errorcode: int = 10000) -> Reply:
    return error(404, message, errorcode)


def not_authorized() -> Reply:
    """The body SFMC sends for a missing, unknown or expired token."""
    reply = error(401, "Not Authorized", 0)
    reply.headers["WWW-Authenticate"] = 'Bearer realm="sfmc"'
    return reply


async def token_record(ctx: Context) -> dict[str, Any] | None:
    """The live token the request carries, or None (absent, unknown or expired)."""
    scheme, _, token = ctx.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return await live_token(ctx, token)


async def live_token(ctx: Context, token: str) -> dict[str, Any] | None:
    """The record of an access token from /v2/token while it lives (REST and SOAP share them)."""
    if not token.strip():
        return None
    record = await ctx.store.get(ctx.namespace(TOKENS), token.strip())
    if record is None or ctx.clock.now() >= float(record["expires_at"]):
        return None
    return record


def authed(fn: Handler) -> Handler:
    """Refuse the call with SFMC's 401 body unless it carries a live token from /v2/token."""

    @functools.wraps(fn)
    async def checked(ctx: Context) -> Any:
        if await token_record(ctx) is None:
            return not_authorized()
        return await fn(ctx)

    return checked


async def new_id(ctx: Context) -> str:
    """A GUID unique in this server's life and reproducible for one seed and call order."""
    n = await ctx.store.next_id(ctx.namespace("/_guid"))
    bits = random.Random(f"{ctx.rng.getrandbits(64)}:{n}").getrandbits(128)
    return str(uuid.UUID(int=bits, version=4))


async def counter(ctx: Context, name: str) -> int:
    """A per-kind integer sequence (event ids, contact ids, campaign ids)."""
    return await ctx.store.next_id(ctx.namespace(f"/_seq/{name}"))


_EARLIEST, _LATEST = -62135596800.0, 253402300799.0  # 0001-01-01 and 9999-12-31T23:59:59


def iso(seconds: float) -> str:
    """RFC 3339 to the second; clamped so a clock set near the calendar's ends never raises."""
    d = datetime.fromtimestamp(min(max(seconds, _EARLIEST), _LATEST), UTC)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def query_int(ctx: Context, name: str, default: int) -> int:
    """A validated integer query parameter (the engine has already checked its bounds)."""
    value = ctx.params.get(name)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else default


def page_of(items: list[T], page: int, size: int) -> list[T]:
    start = (page - 1) * size
    return items[start : start + size]


def by_ref(items: list[dict[str, Any]], ref: str, id_field: str = "id") -> dict[str, Any] | None:
    """Find by id, or by `key:` + external key (case-insensitive, as SFMC keys are)."""
    if ref[:4].lower() == "key:":
        wanted = ref[4:].casefold()
        return next((i for i in items if str(i.get("key", "")).casefold() == wanted), None)
    return next((i for i in items if str(i.get(id_field)) == ref), None)
