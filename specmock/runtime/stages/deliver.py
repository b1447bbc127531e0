"""Sending the answer, or acting out the connection fault it carries."""

from __future__ import annotations

from typing import Any

import orjson

from .. import problems
from ..exchange import Exchange
from ..faults import CONNECTION_FAULTS
from ..responder import Outgoing
from ..wire import send_answer, send_fault


async def deliver(x: Exchange, out: Outgoing, send: Any) -> Outgoing:
    """The answer as it went out: an in-process client cannot be sent a broken
    connection, so it gets a 500 that says so."""
    if out.fault not in CONNECTION_FAULTS:
        await send_answer(send, out, x.request_id, x.method == "HEAD")
        return out
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
