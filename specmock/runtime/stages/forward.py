"""Traffic modes: proxy and record forward to the upstream, playback and hybrid
answer from the cassette; plain mock mode goes on to the answer."""

from __future__ import annotations

from collections.abc import Awaitable

from ..exchange import Exchange
from ..relay import through
from ..responder import Outgoing
from ..traffic import Mode


def forward(x: Exchange) -> Awaitable[Outgoing | None] | None:
    app = x.app
    if app.traffic.mode is Mode.MOCK:
        return None
    assert x.op is not None
    prefix = app.mount_prefix(x.op.service)
    source = "forwarded" if app.traffic.mode.forwards else "replayed"
    pending = through(app.traffic, app.responder, x.op, prefix, x.scope, x.headers, x.violations)
    return _noted(x, source, pending)


async def _noted(x: Exchange, source: str, pending: Awaitable[Outgoing | None]) -> Outgoing | None:
    """The answer, with where it came from noted for analytics."""
    out = await pending
    if out is not None and out.status != 502 and not out.violations:
        x.scope["specmock.source"] = source
    return out
