"""`Idempotency-Key` on POST and PATCH: same key and body, the first answer again;
same key, another body, 422; while the first is still being answered elsewhere (a
store shared by several processes), 409."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable

from ..behaviours import CONFLICT, IN_PROGRESS
from ..exchange import Exchange
from ..responder import Outgoing
from ..validation import Violation

METHODS = ("POST", "PATCH")


def replay(x: Exchange) -> Outgoing | Awaitable[Outgoing | None] | None:
    key = x.headers.get("idempotency-key")
    if not key:
        return None
    assert x.op is not None
    x.settled = False
    found = x.app.idempotency.begin(x.op.service, key, x.body, x.op)
    if isinstance(found, tuple):
        return _decide(x, key, found)
    return _claimed(x, key, found)  # claimed in a shared store: wait for it


async def _claimed(
    x: Exchange, key: str, found: Awaitable[tuple[Outgoing | None, str]]
) -> Outgoing | None:
    return _decide(x, key, await found)


def _decide(x: Exchange, key: str, found: tuple[Outgoing | None, str]) -> Outgoing | None:
    assert x.op is not None
    op, store = x.op, x.app.idempotency
    stored, outcome = found
    if outcome in (CONFLICT, IN_PROGRESS):
        message = (
            "this Idempotency-Key was used with a different body"
            if outcome == CONFLICT
            else "a request with this Idempotency-Key is still being answered"
        )
        violation = Violation("header", "/idempotency-key", "idempotency", message)
        status = 422 if outcome == CONFLICT else 409
        return x.app.responder.error(op, status, [violation], x.accept)
    if stored is not None:
        return dataclasses.replace(
            stored, headers=[*stored.headers, ("Idempotent-Replayed", "true")]
        )
    body = x.body  # remembered (or, shared, stored: an awaitable the pipeline awaits)
    x.on_answer.append(lambda out: store.finish(op.service, key, body, out))
    return None
