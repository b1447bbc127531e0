"""Error bodies that read as errors: the body the spec declares for a status, generated,
then given a sentence where it invites one (never lorem)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ..generator.fake import Ctx
from ..generator.plan import Media, Operation, Response
from ..generator.xmlcodec import is_xml
from . import problems
from .catalogue import generic_error
from .encoding import concrete, serialize
from .negotiation import choose_media, is_json
from .outgoing import Outgoing
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
    valid = validator.is_valid(value)
    for with_list in (True, False):
        candidate = problems.fill(orjson.loads(orjson.dumps(value)), status, [], with_list, message)
        candidate = _settled(candidate, value, validator) if valid else None
        if candidate is not None:
            return problems.readable(candidate, value, status, validator, message)
    return value


def _settled(filled: Any, generated: Any, validator: Any) -> Any | None:
    """The filled body with what its schema refuses put back as generated; None when
    nothing of the fill is left although it wrote something (the message cannot go in)."""
    wrote = filled != generated
    value = problems.settle(filled, generated, validator)
    return None if value is None or (wrote and value == generated) else value


def declared(
    draw: Draw,
    op: Operation,
    status: int,
    message: str | None,
    violations: list[Violation],
    accept: str | None,
) -> tuple[str, bytes, bool] | None:
    """The error body the spec declares for `status`, generated, then given readable
    text: the message (else the violations) where it invites one, the status reason in
    the other text fields the schema lets us write (never lorem); None if none fits.
    The flag says whether the reason could be written into the body at all (an enum-only
    message field cannot carry it; the body is still the declared shape).
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
    if media.schema is None:  # the declared media type, with the problem's fields
        if not is_json(media_type):
            return None
        return concrete(media_type), orjson.dumps(problems.problem(status, violations)), True
    validator = op.compiler.validator(media.schema, "response", media.pointer)
    builder = op.compiler.builder(media.schema)
    unfilled = None  # a valid body the messages could not be written into (an enum)
    for attempt in range(ATTEMPTS):
        generated = builder(draw(op, status, attempt))
        valid = validator.is_valid(generated)
        for with_list in (True, False):
            value = problems.fill(
                orjson.loads(orjson.dumps(generated)), status, violations, with_list, message
            )
            # what the schema refuses of the fill (a long message in a `description`
            # with a maxLength deep inside) goes back to the generated value
            value = _settled(value, generated, validator) if valid else None
            if value is not None:
                value = problems.readable(value, generated, status, validator, message)
                return concrete(media_type), serialize(value, media_type, media, op), True
        if unfilled is None and valid:
            unfilled = generated
    if unfilled is not None:  # the reason travels in a header instead
        return concrete(media_type), serialize(unfilled, media_type, media, op), False
    return None


def owner(op: Operation | None, status: int, operations: list[Operation]) -> Operation | None:
    """The operation whose declared response a refusal with this status is shaped after:
    the refused one, else (when it declares none) the one whose shape most of the service
    declares for it."""
    if op is not None:
        response = op.response_for(status)
        if response is not None:
            return op if structured(response) else None
    tally: dict[int, list[Any]] = {}
    for other in operations:
        response = other.response_for(status)
        if response is None or not structured(response):
            continue
        media = next(iter(response.content.values()))
        entry = tally.setdefault(id(media.schema), [0, other])
        entry[0] += 1
    if not tally:
        return None
    return max(tally.values(), key=lambda entry: entry[0])[1]


def plain(
    op: Operation | None,
    response: Response,
    status: int,
    violations: list[Violation],
    extra: list[tuple[str, str]],
) -> Outgoing:
    """A refusal whose status the operation declares with no body, or only a binary one
    (the reason goes in `X-Specmock-Problem`), or with a text body (the reason is the text)."""
    text = problems.summary(status, violations)
    textual = next((m for m in response.content if m.startswith("text/")), None)
    if textual is not None:
        body = text.encode()
        return Outgoing(status, body, concrete(textual), extra, op, violations=violations)
    header = ("X-Specmock-Problem", header_safe(status, violations))
    return Outgoing(status, b"", None, [*extra, header], op, violations=violations)


def header_safe(status: int, violations: list[Violation]) -> str:
    """The refusal's reason as a header value: ASCII, one line, bounded."""
    text = problems.summary(status, violations).encode("ascii", "replace").decode()
    return " ".join(text.split())[:500]


def structured(response: Response) -> bool:
    return any(is_json(m) or is_xml(m) for m in response.content)


def refusal(
    context: Draw,
    op: Operation | None,
    status: int,
    violations: list[Violation],
    accept: str | None,
    headers: dict[str, str] | None = None,
    operations: list[Operation] | None = None,
) -> Outgoing:
    """specmock's own refusal: in the shape the operation declares for the status, else
    the one its service declares most (`operations` when no operation matched), else
    RFC 9457 problem+json."""
    extra = list((headers or {}).items())
    own = op.response_for(status) if op is not None else None
    if own is not None and not structured(own):  # declared without JSON/XML
        return plain(op, own, status, violations, extra)
    if operations is None and op is not None:
        operations = op.compiler.operations
    found = owner(op, status, operations or [])
    if found is not None:
        body = declared(context, found, status, None, violations, accept)
        if body is not None:
            media_type, data, filled = body
            if not filled:
                extra.append(("X-Specmock-Problem", header_safe(status, violations)))
            return Outgoing(status, data, media_type, extra, op, violations=violations)
    data = orjson.dumps(problems.problem(status, violations))
    return Outgoing(status, data, problems.PROBLEM_TYPE, extra, op, violations=violations)
