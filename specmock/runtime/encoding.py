"""How answer values become bytes: JSON (past orjson's limits too), XML through the
schema's `xml` objects, text; and how a declared header's value is written."""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..generator.plan import Media, Operation
from ..generator.xmlcodec import is_xml, to_xml
from .negotiation import is_json


def concrete(media_type: str) -> str:
    """A media type a response can carry: a wildcard range names no type of its own."""
    if "*" in media_type:
        return "application/json" if media_type in ("*/*", "application/*") else "text/plain"
    return media_type


def dumps(value: Any) -> bytes:
    """JSON bytes; past orjson's limits (integers beyond 64 bits) the standard library."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()


def serialize(value: Any, media_type: str, media: Media, op: Operation) -> bytes:
    if is_json(media_type):
        return dumps(value)
    written = isinstance(value, bytes) or (isinstance(value, str) and value.startswith("<"))
    if is_xml(media_type) and media.schema is not None and not written:
        return to_xml(value, media.schema, op.compiler.doc.root)
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return orjson.dumps(value)


def header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{header_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)
