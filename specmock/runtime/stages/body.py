"""The request body: read within the size limit, parsed by its media type, checked.

An operation marked `x-specmock-stream-body: true` leaves its body unread for the
override (`ctx.stream`, no size limit): S3 uploads of many gigabytes.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ...generator.params import MISSING
from ...generator.plan import Operation
from .. import limits
from ..exchange import Exchange
from ..hooks import UploadedFile
from ..negotiation import base_type, is_json
from ..responder import Outgoing
from ..validation import (
    Rejection,
    Violation,
    check_body,
    coerce_form,
    parse_body,
    select_body_media,
)
from . import lookup


async def read_body(x: Exchange) -> Outgoing | None:
    """Read, parse and check the body; its violations join the others."""
    assert x.op is not None
    op, scope, headers, limit = x.op, x.scope, x.headers, x.app.max_body
    if op.extensions.get("x-specmock-stream-body") is True:
        # the override reads it, unlimited
        scope["specmock.stream"] = Request(scope, x.receive).stream()
        return None
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Rejection(413, [_too_large(limit)])
    try:  # never more than the limit and one chunk held, whatever the framing
        body = await limits.read_body(x.receive, limit)
    except limits.BodyTooLarge:
        raise Rejection(413, [_too_large(limit)]) from None
    except limits.BodyTimeout as exc:
        raise Rejection(400, [Violation("body", "/", "complete", str(exc))]) from None
    scope["specmock.raw_body"] = body  # for overrides that check signatures on the bytes
    settled = x.app.responder.cache.settled
    if lookup.quiet(x.app) and settled.expects_body(scope["path"]):
        found = lookup.lookup(x.app, settled.key(scope, body))
        if found is not None:  # this very request, body and all, was answered before
            return found
    content_type = headers.get("content-type")
    media = select_body_media(op, content_type, body)
    is_form = "urlencoded" in (content_type or "").lower()
    if media is None or (not body and not is_form):  # empty JSON is no body; empty form is {}
        x.violations.extend(check_body(op, None, MISSING))
        return None
    try:
        x.body = await _parse(op, media, content_type or "", body, scope)
    except ValueError as exc:
        message = f"body is not valid {media.media_type}: {exc}"
        x.violations.append(Violation("body", "/", "syntax", message))
        return None
    raw = body if is_json(media.media_type) and is_json(base_type(content_type or "")) else None
    x.violations.extend(check_body(op, media, x.body, raw))
    return None


async def _parse(op: Operation, media: Any, content_type: str, body: bytes, scope: dict) -> Any:
    form = None
    if content_type.lower().startswith("multipart/"):
        request = Request(scope, limits.replay(body))  # multipart parsing reads it again
        try:
            parsed = await request.form(max_files=100, max_fields=1000)
        except Exception as exc:  # malformed multipart framing
            raise ValueError(str(exc) or "malformed multipart body") from None
        form = {key: parsed.getlist(key) for key in parsed}
        scope["specmock.files"] = await _files(form)
    value = parse_body(media, content_type, body, form, op.compiler.doc.root)
    if isinstance(value, dict) and (form is not None or "urlencoded" in content_type.lower()):
        value = coerce_form(op, media, value)
    return value


async def _files(form: dict[str, list[Any]]) -> dict[str, list[UploadedFile]]:
    """The uploaded parts of a multipart body, bytes and all, for overrides."""
    files: dict[str, list[UploadedFile]] = {}
    for name, values in form.items():
        for value in values:
            if isinstance(value, UploadFile):
                content = await value.read()
                files.setdefault(name, []).append(
                    UploadedFile(value.filename or "", value.content_type or "", content)
                )
    return files


def _too_large(limit: int) -> Violation:
    return Violation("body", "/", "maxBodySize", f"request body exceeds {limit} bytes")
