"""Error bodies that read as errors: the body the spec declares for a status, generated,
then given a sentence where it invites one (never lorem)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ..generator.fake import Ctx
from ..generator.plan import Media, Operation
from ..generator.xmlcodec import is_xml
from . import problems
from .catalogue import generic_error
from .encoding import concrete, serialize
from .negotiation import choose_media, is_json
from .validation import Violation

ATTEMPTS = 8
Draw = Callable[[Operation, int, int], Ctx]  # (operation, status, attempt) -> context


def readable(op: Operation, media: Media, status: int, value: Any) -> Any:
    """A generated error body (`Prefer: code=503`) with a sentence for the status in its
    message fields and the reason in its other text: an error never reads as lorem."""
    if media.schema is None or not isinstance(value, dict | list):
        return value
    validator = op.compiler.validator(media.schema, "response", media.pointer)
    message = generic_error(status).message
    for with_list in (True, False):
        candidate = problems.fill(orjson.loads(orjson.dumps(value)), status, [], with_list, message)
        if validator.is_valid(candidate):
            return problems.readable(candidate, value, status, validator, message)
    return value


def declared(
    draw: Draw,
    op: Operation,
    status: int,
    message: str | None,
    violations: list[Violation],
    accept: str | None,
) -> tuple[str, bytes] | None:
    """The error body the spec declares for `status`, generated, then given readable
    text: the message (else the violations) where it invites one, the status reason in
    the other text fields the schema lets us write (never lorem); None if none fits.
    `draw(op, status, attempt)` gives the seeded context each attempt builds from."""
    response = op.response_for(status)
    if response is None:
        return None
    offered = [m for m in response.content if is_json(m)]
    if not offered:  # an XML-only API declares its error body in XML
        offered = [m for m in response.content if is_xml(m)]
    if not offered:
        return None
    media_type = choose_media(accept, offered) or offered[0]
    media = response.content[media_type]
    if media.schema is None:
        return None
    validator = op.compiler.validator(media.schema, "response", media.pointer)
    builder = op.compiler.builder(media.schema)
    for attempt in range(ATTEMPTS):
        generated = builder(draw(op, status, attempt))
        for with_list in (True, False):
            value = problems.fill(
                orjson.loads(orjson.dumps(generated)), status, violations, with_list, message
            )
            if validator.is_valid(value):
                value = problems.readable(value, generated, status, validator, message)
                return concrete(media_type), serialize(value, media_type, media, op)
    return None
