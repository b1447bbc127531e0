"""`Idempotency-Key` on POST and PATCH: same key and body, the first answer again;
same key, another body, 422; while the first is still being answered elsewhere (a
store shared by several processes), 409."""

from __future__ import annotations

import dataclasses

from ..behaviours import CONFLICT, IN_PROGRESS
from ..exchange import Exchange
from ..responder import Outgoing
from ..validation import Violation

METHODS = ("POST", "PATCH")


async def replay(x: Exchange) -> Outgoing | None:
    key = x.headers.get("idempotency-key")
    if not key:
        return None
    assert x.op is not None
    op, store = x.op, x.app.idempotency
    stored, outcome = await store.begin(op.service, key, x.body, op)
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
    body = x.body

    async def remember(out: Outgoing) -> None:
        await store.finish(op.service, key, body, out)

    x.on_answer.append(remember)
    return None
