"""Failure injection: the first fault rule (or `X-Specmock-Fault` / `X-Specmock-Delay`
header) that fires adds latency, answers an error status, or breaks the connection."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable

from ..exchange import Exchange
from ..faults import Decision, RuleError, Target
from ..negotiation import Preference
from ..responder import Outgoing
from ..validation import Violation


def inject(x: Exchange) -> Outgoing | Awaitable[Outgoing | None] | None:
    assert x.op is not None
    op, faults = x.op, x.app.faults
    try:
        decision = faults.from_headers(x.headers)
        if decision is None and faults.rules:
            path = x.scope["path"]
            target = Target(
                op.service, op.operation_id, op.method, path, op.path, x.headers, x.body
            )
            decision = faults.decide(target)
    except RuleError as exc:
        violation = Violation("header", "/x-specmock-fault", "fault", str(exc))
        return x.app.responder.error(op, 400, [violation], x.accept)
    if decision is None:
        return None
    if decision.delay_ms:
        return _after_delay(x, decision)
    return _act(x, decision)


async def _after_delay(x: Exchange, decision: Decision) -> Outgoing | None:
    await asyncio.sleep(decision.delay_ms / 1000)
    return _act(x, decision)


def _act(x: Exchange, decision: Decision) -> Outgoing | None:
    """Latency alone lets the request go on; a status or a connection fault answers."""
    if decision.status is None and decision.fault is None:
        x.scope["specmock.delay_ms"] = decision.delay_ms
        return None
    out = _fault_answer(x, decision)
    # a copy: answers are cached and shared, the fault belongs to this request alone
    return dataclasses.replace(
        out,
        fault=decision.fault or f"status {decision.status}",
        fault_seconds=decision.seconds,
        delay_ms=decision.delay_ms,
    )


def _fault_answer(x: Exchange, decision: Decision) -> Outgoing:
    assert x.op is not None and x.match is not None
    op, responder = x.op, x.app.responder
    if decision.status is None:  # a connection fault: the usual answer, then broken
        return responder.success(op, x.match.params, Preference(), x.accept)
    if op.response_for(decision.status) is None:
        declared = ", ".join(op.responses)
        message = (
            f"fault {decision.rule} asks for status {decision.status}, which "
            f"{op.operation_id} does not declare ({declared})"
        )
        violation = Violation("fault", "/status", "status", message)
        return responder.error(op, 400, [violation], x.accept)
    return responder.success(op, x.match.params, Preference(code=decision.status), x.accept)
