"""After the answer has gone: metrics, the journal and the log line.

Control-plane requests are left out of metrics and the journal, so watching the
mock does not change what it reports.
"""

from __future__ import annotations

from .. import admin, logs
from ..exchange import Exchange
from ..journal import Entry
from ..responder import Outgoing


def observe(x: Exchange, out: Outgoing, body: bytes, ms: float) -> None:
    app, scope = x.app, x.scope
    if not scope["path"].startswith(admin.PREFIX):
        op = out.operation
        app.metrics.observe(
            op.service if op else "-",
            op.operation_id if op else "-",
            scope["method"],
            out.status,
            ms / 1000,
            bool(out.violations),
            bool(out.contract_errors),
            scope.get("specmock.source", "mocked"),
        )
        journal = app.journal
        if journal is not None:
            journal.add(
                Entry(
                    journal.next_id(),
                    app.clock.now(),
                    ms,
                    scope["method"],
                    scope["path"],
                    scope.get("query_string", b""),
                    out,
                    x.request_id,
                    x.headers,
                    body,
                    scope.get("specmock.delay_ms", 0.0),
                )
            )
    if not app.quiet:
        op_id = out.operation.operation_id if out.operation else None
        logs.request_line(scope["method"], scope["path"], out.status, ms, x.request_id, op_id)
