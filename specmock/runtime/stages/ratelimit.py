"""`--rate-limit`: 429 with `Retry-After` per client key (API key, token or address)."""

from __future__ import annotations

from collections.abc import Awaitable

from ..behaviours import Limited
from ..exchange import Exchange
from ..responder import Outgoing
from ..validation import Violation


def rate_limit(x: Exchange) -> Outgoing | Awaitable[Outgoing | None] | None:
    limiter = x.app.rate_limiter
    if limiter is None:
        return None
    assert x.op is not None
    op = x.op
    x.settled = False  # the same request is answered 429 once the client has used its share
    client = (
        x.headers.get("x-api-key")
        or x.headers.get("authorization")
        or (x.scope.get("client") or ("-",))[0]
    )
    limited = limiter.check(op.service, op.operation_id, client)
    if limited is None or isinstance(limited, tuple):
        return _refuse(x, limited)
    return _counted(x, limited)  # counted in a shared store: wait for it


async def _counted(x: Exchange, limited: Awaitable[Limited | None]) -> Outgoing | None:
    return _refuse(x, await limited)


def _refuse(x: Exchange, limited: Limited | None) -> Outgoing | None:
    if limited is None:
        return None
    assert x.op is not None
    op = x.op
    wait, rule = limited
    message = f"more than {rule.limit} requests in {rule.seconds:g} s; retry in {wait} s"
    violation = Violation("header", "/", "rateLimit", message)
    return x.app.responder.error(op, 429, [violation], x.accept, {"Retry-After": str(wait)})
