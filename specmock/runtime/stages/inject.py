"""Failure injection: the first fault rule (or `X-Specmock-Fault` / `X-Specmock-Delay` /
`X-Specmock-Scenario` header) that fires adds latency, answers an error (any status, or a
vendor error by name, in the vendor's envelope), or breaks the connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable

from .. import failures, limits
from ..exchange import Exchange
from ..faults import Decision, RuleError, Target
from ..negotiation import Preference
from ..responder import Outgoing
from ..validation import Violation


def inject(x: Exchange) -> Outgoing | Awaitable[Outgoing | None] | None:
    assert x.op is not None
    op, app, headers = x.op, x.app, x.headers
    faults = app.faults
    try:
        decision = faults.from_headers(headers)
        if decision is None and (faults.rules or failures.SCENARIO_HEADER in headers):
            x.settled = False  # a rule may fire by chance, by count or by time
            path = x.scope["path"]
            target = Target(op.service, op.operation_id, op.method, path, op.path, headers, x.body)
            decision = failures.decide(app, target, headers)
        if decision is None:
            return None
        x.settled = False
        if decision.delay_ms:
            return _after_delay(x, decision)
        return _act(x, decision)
    except RuleError as exc:
        violation = Violation("header", "/x-specmock-fault", "fault", str(exc))
        return app.responder.error(op, 400, [violation], x.accept)


async def _after_delay(x: Exchange, decision: Decision) -> Outgoing | None:
    await limits.pause(x.scope, decision.delay_ms / 1000)  # ends if the client leaves
    try:
        return _act(x, decision)
    except RuleError as exc:
        violation = Violation("header", "/x-specmock-fault", "fault", str(exc))
        return x.app.responder.error(x.op, 400, [violation], x.accept)


def _act(x: Exchange, decision: Decision) -> Outgoing | None:
    """Latency alone lets the request go on; an error or a connection fault answers."""
    if not decision.answers:
        x.scope["specmock.delay_ms"] = decision.delay_ms
        return None
    assert x.op is not None and x.match is not None
    op, app, service = x.op, x.app, x.match.entry.service
    if decision.fault is None:
        error = failures.resolve(decision, op.service, failures.catalogue_of(service))
        out = failures.render(
            app.responder,
            op,
            service,
            error,
            x.headers,
            op.method,
            x.scope["path"],
            app.clock.now(),
            app.options,
        )
        app.metrics.inject(
            op.service, op.operation_id, out.status, out.contract or failures.DECLARED
        )
        label = f"error {error.name}" if decision.error else f"status {out.status}"
    else:  # a connection fault acts out on a normal answer
        out = app.responder.success(op, x.match.params, Preference(), x.accept)
        label = decision.fault
    # a copy: answers are cached and shared, the fault belongs to this request alone
    return dataclasses.replace(
        out, fault=label, fault_seconds=decision.seconds, delay_ms=decision.delay_ms
    )
