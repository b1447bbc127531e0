"""Connection faults on the wire: a reset, a timeout, a truncated or dribbled body.

A plain answer is sent by the pipeline itself (`wire.send_answer`).
"""

from __future__ import annotations

from typing import Any

import orjson

from .. import problems
from ..exchange import Exchange
from ..responder import Outgoing
from ..wire import send_answer, send_fault


async def broken(x: Exchange, out: Outgoing, send: Any) -> Outgoing:
    """Act out the answer's connection fault; what went out. An in-process client
    cannot be sent a broken connection, so it gets a 500 that says so."""
    sent = await send_fault(send, x.receive, out, x.request_id, out.fault, out.fault_seconds)
    if sent:
        return out
    detail = f"fault {out.fault} needs a real server connection"
    fallback = Outgoing(
        500,
        orjson.dumps(problems.problem(500, [], detail)),
        problems.PROBLEM_TYPE,
        operation=out.operation,
        fault=out.fault,
        delay_ms=out.delay_ms or x.scope.get("specmock.delay_ms", 0.0),
    )
    await send_answer(send, fallback, x.request_id, False)
    return fallback
