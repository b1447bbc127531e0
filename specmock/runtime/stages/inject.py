"""Failure injection: the first fault rule (or `X-Specmock-Fault` / `X-Specmock-Delay` /
`X-Specmock-Scenario` header) that fires adds latency, answers an error (any status, or a
vendor error by name, in the vendor's envelope), or breaks the connection."""

from __future__ import annotations

from .. import failures
from ..exchange import Exchange
from ..responder import Outgoing


async def inject(x: Exchange) -> Outgoing | None:
    assert x.op is not None and x.match is not None
    return await failures.inject(x.app, x.op, x.match, x.scope, x.headers, x.body)
