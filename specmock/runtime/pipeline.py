"""The request path: every stage a request passes, in order, in one place.

    path          raw path, doubled slashes collapsed, virtual host applied
    admin gate    /__specmock only for loopback clients or the admin token (403)
    route         the path template; unknown paths forwarded when proxying, else 404
    operation     the method's operation; 405 with Allow, OPTIONS from the contract
    ---- the operation is known; a stage it has no use for is left out of its chain
    parameters    path, query, header and cookie parameters parsed and checked
    security      credentials (401), unless a proxy lets the upstream decide
    body          read within the size limit (413), parsed by media type, checked
    faults        injected latency, error statuses and broken connections
    rate limit    429 with Retry-After per client key
    traffic mode  proxy/record forward, playback/hybrid answer from the cassette
    verdict       a request that broke its contract is refused, every violation named
    idempotency   Idempotency-Key replays the first answer, refuses another body
    answer        override, else stored state, else generated from the contract
    ---- after the stages
    deliver       the answer, or the connection fault it carries, on the wire
    record        metrics, journal and the log line

A request whose every byte was met before and answered from the contract alone is
answered again from `settled.py` without the stages; record still runs.

A stage is `stage(x: Exchange)` returning None (go on), an Outgoing (the answer), or an
awaitable of either where it must wait (see `stages/`).
Adding one is a line in ROUTING or OPERATION; `needed` leaves it out for
operations that cannot use it, decided once per operation, not per request.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..generator.plan import Operation
from . import admin, problems
from .engine import Engine
from .exchange import Exchange, read_headers
from .faults import CONNECTION_FAULTS
from .journal import BODY_LIMIT
from .responder import Outgoing
from .stages import (
    answer,
    body,
    checks,
    deliver,
    forward,
    gate,
    idempotency,
    inject,
    lookup,
    ratelimit,
    record,
    routing,
)
from .stages.refusal import refuse
from .state.guard import StoreDown
from .validation import Rejection
from .wire import send_answer

log = logging.getLogger("specmock")
_SAFE = ("GET", "HEAD", "OPTIONS")
_CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "*")]


def _always(op: Operation, app: Engine) -> bool:
    return True


def _served(op: Operation, app: Engine) -> bool:
    """A service's operation, not the control plane's (no faults, limits or proxying)."""
    return op.service != admin.NAME


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Exchange], Outgoing | Awaitable[Outgoing | None] | None]
    needed: Callable[[Operation, Engine], bool] = _always


ROUTING: tuple[Stage, ...] = (
    Stage("path", routing.normalize_path),
    Stage("admin gate", gate.admin_gate),
    Stage("route", routing.match_path),
    Stage("operation", routing.select_operation),
)

OPERATION: tuple[Stage, ...] = (
    Stage("parameters", checks.parameters),
    Stage("security", checks.security, lambda op, app: bool(op.security)),
    Stage("body", body.read_body, lambda op, app: op.body is not None),
    Stage("faults", inject.inject, _served),
    Stage(
        "rate limit",
        ratelimit.rate_limit,
        lambda op, app: _served(op, app) and app.rate_limiter is not None,
    ),
    Stage("traffic mode", forward.forward, _served),
    Stage("verdict", checks.refuse_invalid),
    Stage(
        "idempotency",
        idempotency.replay,
        lambda op, app: _served(op, app) and op.method in idempotency.METHODS,
    ),
    Stage("answer", answer.respond),
)


class Pipeline:
    """Runs requests through the stages; owns the per-operation chains."""

    def __init__(self, app: Engine, request_id: Callable[[], str]):
        self.app = app
        self.request_id = request_id
        self._chains: dict[int, tuple[Stage, ...]] = {}

    def reset(self) -> None:
        """Forget the chains and the settled answers: the operations were recompiled."""
        self._chains = {}
        self.app.responder.cache.settled.forget()

    def chain(self, op: Operation) -> tuple[Stage, ...]:
        found = self._chains.get(id(op))
        if found is None:
            found = tuple(s for s in OPERATION if s.needed(op, self.app))
            self._chains[id(op)] = found
        return found

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        headers = read_headers(scope)
        request_id = headers.get("x-request-id") or self.request_id()
        chunks: list[bytes] = []
        app = self.app
        if app.journal is not None and (
            "content-length" in headers or "transfer-encoding" in headers
        ):
            receive = _tee(receive, chunks)  # a body: the journal keeps its first part
        x = Exchange(
            app, scope, receive, headers, request_id, scope["method"], headers.get("accept")
        )
        out = await self._answer(x)
        scope["specmock.status"] = out.status  # for layers around the app (the mesh)
        scope["specmock.fault"] = out.fault
        if "origin" in headers and out.status != 204:
            out = dataclasses.replace(out, headers=[*out.headers, *_CORS])
        if out.fault in CONNECTION_FAULTS:
            out = await deliver.broken(x, out, send)
        else:
            await send_answer(send, out, request_id, x.method == "HEAD", x.receive)
        ms = (time.perf_counter() - started) * 1000
        record.observe(x, out, b"".join(chunks), ms)

    async def _answer(self, x: Exchange) -> Outgoing:
        """The settled answer to this very request, else the stages' (kept if settled)."""
        app = self.app
        table = app.responder.cache.settled
        quiet = lookup.quiet(app)
        key = table.key(x.scope) if quiet else None  # a request without a body
        out = lookup.lookup(app, key)
        if out is not None:
            return out
        out = await self._staged(x)
        if x.settled and quiet and out.fault is None and out.stream is None:
            key = key or table.key(x.scope, x.scope.get("specmock.raw_body"))
            if key is not None:
                table.put(key, out, x.settled_until)
        elif x.method not in _SAFE and x.is_admin:  # the configuration may have changed
            table.forget()
        return out

    async def _staged(self, x: Exchange) -> Outgoing:
        """The stages' answer, or the problem that stopped them."""
        try:
            return await self.handle(x)
        except StoreDown as exc:  # a store that is down says so, and which, and why
            body = problems.problem(503, [], str(exc))
            return Outgoing(503, orjson.dumps(body), problems.PROBLEM_TYPE, [("Retry-After", "1")])
        except Exception:  # the last line of defence: a bug must not drop the connection
            log.exception("internal error on %s %s", x.method, x.scope["path"])
            body = problems.problem(500, [], "specmock hit an internal error; see its log")
            return Outgoing(500, orjson.dumps(body), problems.PROBLEM_TYPE)

    async def handle(self, x: Exchange) -> Outgoing:
        """The stages in order; the first answer ends the request."""
        for stage in ROUTING:
            out = stage.run(x)
            if out is not None:
                return out if type(out) is Outgoing else await out
        assert x.op is not None
        try:
            for stage in self._chains.get(id(x.op)) or self.chain(x.op):
                out = stage.run(x)
                if out is not None and type(out) is not Outgoing:
                    out = await out
                if out is not None:
                    for hook in x.on_answer:
                        done = hook(out)
                        if done is not None:  # an async hook (a store write)
                            await done
                    return out
            raise RuntimeError(f"no stage answered {x.op.operation_id}")
        except Rejection as exc:
            return await refuse(x, exc.status, exc.violations, exc.headers)
        finally:  # a body left unread (fault, refusal, early answer, an operation that
            # declares none) would otherwise make the connection unfit for its next request
            stream = x.scope.get("specmock.stream")
            if stream is not None:
                async for _ in stream:
                    pass
            elif x.op.body is None:  # no body stage ran: nothing read what the client sent
                await _drain(x)


async def _drain(x: Exchange) -> None:
    """Read and drop a small declared body nobody read, so keep-alive goes on; a large one
    is left to the connection limits (read briefly, then the connection is closed)."""
    length = x.headers.get("content-length", "")
    if not length.isdigit() or not 0 < int(length) <= x.app.max_body:
        return
    while True:
        message = await x.receive()
        if message.get("type") != "http.request" or not message.get("more_body"):
            return


def _tee(receive: Any, chunks: list[bytes]) -> Any:
    """A receive that keeps a copy of the body for the journal."""

    async def tee() -> dict:
        message = await receive()
        if message.get("type") == "http.request" and sum(map(len, chunks)) < BODY_LIMIT:
            chunks.append(message.get("body", b""))
        return message

    return tee
