"""The answer: an override where one is registered, else stored state where the
operation is stateful, else data generated from the contract (or its examples)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable
from random import Random
from typing import Any

import orjson

from ...generator import quality as levels
from .. import admin, hooks, problems, sse
from ..crud import Call
from ..exchange import Exchange, origin_of
from ..hooks import Context, Reply
from ..negotiation import Preference, parse_prefer
from ..relay import relay
from ..responder import Echo, Outgoing, status_number, to_reply
from ..state.guard import StoreDown
from ..validation import Rejection

log = logging.getLogger("specmock")
_ECHO_METHODS = ("POST", "PUT", "PATCH")


def respond(x: Exchange) -> Outgoing | Awaitable[Outgoing]:
    assert x.op is not None and x.match is not None
    scope = x.scope
    origin = origin_of(scope, x.headers)
    x.pref = _with_quality(x, parse_prefer(x.headers.get("prefer")))
    x.call = Call(
        x.op,
        x.params,
        x.match.params,
        x.query,
        x.body,
        x.accept,
        origin + scope["path"],  # without the query: the base of Location and Link
        origin + x.match.prefix,
        x.headers,
        scope.get("specmock.files", {}),
        scope.get("specmock.raw_body", b""),
        scope.get("specmock.stream"),
    )
    handlers = x.app.admin_hooks if x.op.service == admin.NAME else x.app.overrides
    handler = handlers.find(x.op)
    if handler is not None:
        return _override(x, handler)
    return _default(x)


def _with_quality(x: Exchange, pref: Preference) -> Preference:
    """The level asked for: the request's `Prefer: quality=`, else the operation's or the
    service's `x-specmock-quality`, else the server's `--quality`."""
    if pref.quality is not None:
        return pref
    assert x.op is not None and x.match is not None
    root = x.match.entry.service.document.root
    for found in (x.op.extensions.get(levels.EXTENSION), root.get(levels.EXTENSION)):
        if found is not None:
            if levels.problem(found) is None:
                return dataclasses.replace(pref, quality=found)
            log.warning("%s: %s; ignored", x.op.operation_id, levels.problem(found))
    return pref


def _recorded(x: Exchange) -> Outgoing | None:
    """The `exact` level: the cassette's answer to this very request, byte for byte."""
    assert x.call is not None and x.pref is not None
    if (x.pref.quality or x.app.settings.quality) != "exact":
        return None
    scope = x.scope
    query = scope.get("query_string", b"").decode("latin-1")
    found = x.app.traffic.replayed(scope["method"], scope["path"], query, x.call.raw_body)
    if found is None:
        return None
    scope["specmock.source"] = "replayed"
    return relay(x.call.op, found)


def _default(x: Exchange) -> Outgoing | Awaitable[Outgoing]:
    """State where the operation is stateful (the store is awaited), generated data
    otherwise (built, or taken from the response cache, at once)."""
    call, pref, match = x.call, x.pref, x.match
    assert call is not None and pref is not None and match is not None
    op = call.op
    if _stateful(x):
        return x.app.crud.handle(call)
    recorded = _recorded(x)
    if recorded is not None:
        return recorded
    live = _live_events(x)
    if live is not None:
        return live
    body = call.body
    echo = Echo(
        {k: call.params[k] for k in match.params if k in call.params},
        body if isinstance(body, dict) and op.method in _ECHO_METHODS else None,
    )
    out = x.app.responder.success(op, match.params, pref, call.accept, echo)
    if x.settled is None:  # the contract alone answered: the same request, the same answer
        x.settled = True
    return out


def _live_events(x: Exchange) -> Outgoing | None:
    """A declared `text/event-stream` the client asked for: events produced as they go."""
    call, pref, match = x.call, x.pref, x.match
    assert call is not None and pref is not None and match is not None
    if pref.code is not None:
        return None
    app = x.app
    op = call.op
    live = sse.live_answer(
        op,
        call.accept,
        call.headers,
        app.options,
        lambda: app.responder.seed_for(op, 200, match.params, pref.seed),
        app.responder.faker,
        lambda: app.clock,
    )
    if live is None:
        return None
    status = status_number(op.success, None) if op.success else 200
    return Outgoing(status, b"", sse.MEDIA_TYPE, live[0], op, stream=live[1])


def _stateful(x: Exchange) -> bool:
    """Stored state answers unless the service is stateless or the client asks otherwise."""
    assert x.op is not None and x.match is not None and x.pref is not None
    if not (x.app.settings.stateful and x.match.entry.service.stateful):
        return False
    role, pref = x.op.role, x.pref
    return role is not None and role.stateful and pref.code is None and pref.example is None


async def _override(x: Exchange, handler: hooks.Handler) -> Outgoing:
    call, pref, match, app = x.call, x.pref, x.match, x.app
    assert call is not None and pref is not None and match is not None
    op = call.op
    earlier, x.settled = x.settled, False  # a handler may read anything, unless it says
    ctx = _context(x, app.responder.seed_for(op, 0, match.params, pref.seed))
    try:
        result = await hooks.call(handler, ctx)
    except (Rejection, StoreDown):
        raise
    except Exception as exc:
        log.exception("override for %s raised", op.operation_id)
        body = problems.problem(
            500, [], f"the override for {op.operation_id} raised {type(exc).__name__}: {exc}"
        )
        return Outgoing(500, orjson.dumps(body), problems.PROBLEM_TYPE, [], op)
    if result is None:
        return await _default_now(x)
    if earlier is None and isinstance(result, Reply) and result.settled_until is not None:
        x.settled, x.settled_until = True, result.settled_until
    return app.responder.from_reply(op, result, call.accept)


async def _default_now(x: Exchange) -> Outgoing:
    out = _default(x)
    return out if type(out) is Outgoing else await out


_SEEDED: dict[int, tuple[Any, ...]] = {}  # seed -> the state a generator starts in
_SEEN: set[int] = set()  # seeds met once: a state (~24 KiB) is kept from the second on
_SEEDED_MAX = 32


def _seeded(seed: int) -> Random:
    """A generator in the state `Random(seed)` starts in. Seeding the Mersenne Twister
    costs twice what restoring a remembered state does, and an operation's seed repeats
    for every request with the same path parameters."""
    state = _SEEDED.get(seed)
    if state is not None:
        rng = Random.__new__(Random)
        rng.setstate(state)
        return rng
    rng = Random(seed)
    if seed in _SEEN:
        if len(_SEEDED) >= _SEEDED_MAX:
            _SEEDED.clear()
        _SEEDED[seed] = rng.getstate()
    else:
        if len(_SEEN) >= 64 * _SEEDED_MAX:
            _SEEN.clear()
        _SEEN.add(seed)
    return rng


def _context(x: Exchange, seed: int) -> Context:
    """What a handler sees: the validated request, the app's parts, a seeded rng."""
    call, match, app = x.call, x.match, x.app
    assert call is not None and match is not None
    op, responder = call.op, app.responder
    rng = _seeded(seed)
    faker = responder.faker
    faker.random = rng

    async def default() -> Reply:
        return to_reply(await _default_now(x))

    def generate(status: int | None = None) -> Any:
        wanted = status or (status_number(op.success, None) if op.success else 200)
        return responder.generate(op, wanted, call.accept, seed)

    return Context(
        op,
        call.params,
        match.params,
        call.query,
        x.headers,
        call.body,
        app.store,
        app.clock,
        rng,
        faker,
        match.entry.service.document.root,
        default,
        generate,
        base_url=call.base_url,
        files=call.files,
        raw_body=call.raw_body,
        stream=call.stream,
        **app.handler_links(),
    )
