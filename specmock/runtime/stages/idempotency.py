"""`Idempotency-Key` on POST and PATCH: same key and body, the first answer again;
same key, another body, 422."""

from __future__ import annotations

import dataclasses

from ..exchange import Exchange
from ..responder import Outgoing
from ..validation import Violation

METHODS = ("POST", "PATCH")


def replay(x: Exchange) -> Outgoing | None:
    key = x.headers.get("idempotency-key")
    if not key:
        return None
    assert x.op is not None
    op, store = x.op, x.app.idempotency
    stored, conflict = store.lookup(op.service, key, x.body)
    if conflict:
        message = "this Idempotency-Key was used with a different body"
        violation = Violation("header", "/idempotency-key", "idempotency", message)
        return x.app.responder.error(op, 422, [violation], x.accept)
    if stored is not None:
        return dataclasses.replace(
            stored, headers=[*stored.headers, ("Idempotent-Replayed", "true")]
        )
    body = x.body

    def remember(out: Outgoing) -> None:
        if out.status < 500:
            store.remember(op.service, key, body, out)

    x.on_answer.append(remember)
    return None
