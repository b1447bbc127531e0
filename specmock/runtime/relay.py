"""The request path's side of the traffic modes: forward, record, play back.

Runs after validation and failure injection, so faults apply to proxied traffic
too and request violations become drift findings instead of refusals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request

from ..generator.plan import Operation
from .cassette import Exchange
from .responder import Outgoing, Responder
from .traffic import Mode, Traffic
from .validation import Violation

_OURS = frozenset({"content-type", "x-request-id"})  # set by specmock on every answer


def relay(op: Operation | None, exchange: Exchange) -> Outgoing:
    """An upstream's (or a cassette's) answer, sent on as it came."""
    headers = [(k, v) for k, v in exchange.response_headers.items() if k not in _OURS]
    return Outgoing(exchange.status, exchange.response_body, exchange.media_type, headers, op)


async def through(
    traffic: Traffic,
    responder: Responder,
    op: Operation,
    prefix: str,
    scope: dict,
    headers: dict[str, str],
    violations: list[Violation],
) -> Outgoing | None:
    """The answer the mode gives, or None to go on generating (and refusing) as usual."""
    method, path = scope["method"], scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    body = scope.get("specmock.raw_body", b"")
    if traffic.mode.forwards:
        streamed: list[bytes] = []
        sent: Any = body if scope.get("specmock.stream") is None else _tee(scope, streamed)
        base = traffic.upstream_for(op.service)
        if base is None:
            message = f"no upstream is configured for service {op.service}"
            return responder.error(op, 502, [Violation("path", path, "upstream", message)], None)
        exchange = await traffic.forward(base, method, path, query, headers, sent, prefix)
        if streamed:
            exchange.request_body = b"".join(streamed)
        traffic.observe(op.service, op, exchange, violations)
        return relay(op, exchange)
    if violations:
        return None
    found = traffic.replayed(method, path, query, body)
    if found is not None:
        return relay(op, found)
    if traffic.mode is Mode.PLAYBACK:
        message = f"the cassette holds no exchange for {method} {path}"
        violation = Violation("path", path, "recording", message)
        return responder.error(op, 404, [violation], headers.get("accept"))
    return None


async def _tee(scope: dict, chunks: list[bytes]) -> AsyncIterator[bytes]:
    """Forward a streamed body as it arrives, keeping a copy for the cassette."""
    async for chunk in scope.pop("specmock.stream"):
        chunks.append(chunk)
        yield chunk


async def unmatched(
    traffic: Traffic,
    scope: dict,
    receive: Any,
    headers: dict[str, str],
    service: str,
    prefix: str,
) -> Outgoing | None:
    """A path the contract does not know: forwarded (and reported) when proxying."""
    base = traffic.upstream_for(service)
    if not traffic.mode.forwards or base is None:
        return None
    body = await Request(scope, receive).body()
    query = scope.get("query_string", b"").decode("latin-1")
    path = scope["path"]
    exchange = await traffic.forward(base, scope["method"], path, query, headers, body, prefix)
    traffic.observe(service, None, exchange, [])
    return relay(None, exchange)
