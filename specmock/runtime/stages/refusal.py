"""specmock's refusal of a request, unless the service's `@rejected` handler answers
it in the vendor's own way (Vault's `responseStatus: FAILURE`, S3's `<Error>`) or its
error catalogue renders it in the vendor's envelope (SFMC, Data Cloud, ...)."""

from __future__ import annotations

import dataclasses
import logging
from random import Random

import orjson

from ...generator.plan import Service
from .. import failures, hooks
from ..exchange import Exchange
from ..hooks import Context, Reply
from ..responder import Outgoing, to_reply, unchecked
from ..validation import Violation

log = logging.getLogger("specmock")


async def refuse(
    x: Exchange,
    status: int,
    violations: list[Violation],
    extra: dict[str, str] | None = None,
) -> Outgoing:
    assert x.op is not None and x.match is not None
    op, app = x.op, x.app
    handler = app.overrides.find_rejection(op.service)
    if handler is not None:
        result = await _vendor_refusal(x, handler, status, violations, extra)
        out = _vendor_reply(x, result) if result is not None else None
        if out is not None:
            return dataclasses.replace(out, violations=violations)
        return app.responder.error(op, status, violations, x.accept, extra)
    out = vendor_refusal(x, x.match.entry.service, status, violations, op.path)
    if out is None:
        return app.responder.error(op, status, violations, x.accept, extra)
    return dataclasses.replace(out, headers=[*out.headers, *(extra or {}).items()])


def _vendor_reply(x: Exchange, result: object) -> Outgoing | None:
    """A `@rejected` handler's answer. At a status the operation does not declare (OpenAI's
    spec has no 401 on most operations) it is sent as the vendor words it: there is no
    declared shape to check it against, and a 500 would hide why the request was refused.
    At a declared status whose shape the vendor's words do not fit (some OpenAI operations
    declare a bare error object, not the `{"error": ...}` the API sends), None: the
    contract's own shape is answered instead."""
    assert x.op is not None
    op, responder = x.op, x.app.responder
    if not isinstance(result, Reply) or result.status is None or result.stream is not None:
        return responder.from_reply(op, result, x.accept)
    if op.response_for(result.status) is None:
        return unchecked(result, op, result.status, list(result.headers.items()))
    validator = responder.validator_for(op, result.status)
    if validator is not None and not validator.is_valid(_said(result)):
        return None
    return responder.from_reply(op, result, x.accept)


def _said(reply: Reply) -> object:
    if reply.raw is None:
        return reply.body
    try:
        return orjson.loads(reply.raw)
    except orjson.JSONDecodeError:
        return None  # not JSON: the declared JSON shape wins


def vendor_refusal(
    x: Exchange, service: Service, status: int, violations: list[Violation], path: str
) -> Outgoing | None:
    """The refusal in the vendor's envelope and status conventions, where the service has a
    catalogue of its own (unknown path, method, credentials, validation); else None."""
    app = x.app
    return failures.refusal(
        app.responder,
        service,
        x.op,
        status,
        violations,
        x.headers,
        x.method,
        path,
        app.clock.now(),
        app.options,
    )


async def _vendor_refusal(
    x: Exchange,
    handler: hooks.Handler,
    status: int,
    violations: list[Violation],
    extra: dict[str, str] | None,
) -> object | None:
    assert x.op is not None and x.match is not None
    op, app, params = x.op, x.app, x.match.params
    seed = app.responder.seed_for(op, status, params)

    async def default() -> Reply:
        return to_reply(app.responder.error(op, status, violations, x.accept, extra))

    ctx = Context(
        op,
        dict(params),
        params,
        x.query,  # a handler may refuse by sub-resource (S3's `?acl` on CreateBucket)
        x.headers,
        None,
        app.store,
        app.clock,
        Random(seed),
        app.responder.faker,
        x.match.entry.service.document.root,
        default,
        lambda s=None: None,
        violations=[v.as_dict() for v in violations],
        rejection_status=status,
        **app.handler_links(),
    )
    try:
        return await hooks.call(handler, ctx)
    except Exception:
        log.exception("rejection handler of %s raised", op.service)
        return None
