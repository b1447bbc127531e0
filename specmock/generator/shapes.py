"""What an operation's bodies and answers hold, for recognizing what it is: bytes or
records, a list or one record, and how its pages are asked for."""

from __future__ import annotations

import re
from typing import Any

from . import wording
from .heuristics import snake
from .plan import Operation
from .resources import LIST_KEYS, is_array, list_location
from .schema import flatten
from .wording import words

_CURSOR = ("cursor", "after", "before", "starting_after", "ending_before", "page_token")
_CURSOR += ("pagetoken", "next_token", "nexttoken", "continuation", "marker", "since_id")
_OFFSET = ("offset", "skip", "start")
_PAGE = ("page", "page_number", "pagenumber", "per_page", "page_size", "pagesize")
BINARY = re.compile(
    r"^(application/(octet-stream|pdf|zip|gzip|x-tar|x-gzip|x-bzip2)|image/|audio/|video/|text/csv)"
)
_FILE_FIELDS = ("file", "files", "attachment", "upload")  # a form field that is a file
# what sits beside the items of a list answer: paging, counts, links, diagnostics
_BESIDE_ITEMS = {"next", "prev", "previous", "offset", "limit", "total", "count", "page"}
_BESIDE_ITEMS |= {"size", "cursor", "next_cursor", "has_more", "href", "next_page_token"}
_BESIDE_ITEMS |= {"nextpagetoken", "total_count", "totalcount", "page_size", "pagesize"}
_BESIDE_ITEMS |= {"first", "last", "links", "_links", "meta", "paging", "pagination"}
_BESIDE_ITEMS |= {"kind", "etag", "object", "type", "has_next", "more", "total_size"}
_BESIDE_ITEMS |= {"next_link", "odata_next_link", "odata_count"}
_NOT_ITEMS = ("warnings", "errors", "links", "_links")  # arrays that are no list's items


def sends_bytes(op: Operation) -> bool:
    """The request body is a file: multipart, binary media or any type."""
    content = op.body.content if op.body is not None else {}
    return any(
        m.startswith("multipart/") or BINARY.match(m) or (m == "*/*" and raw(op, media, "request"))
        for m, media in content.items()
    )


def answers_bytes(op: Operation) -> bool:
    """The success answer is a file: binary media or any type."""
    content = op.success.content if op.success is not None else {}
    return any(
        BINARY.match(m) or (m == "*/*" and raw(op, media, "response"))
        for m, media in content.items()
    )


def raw(op: Operation, media: Any, direction: str) -> bool:
    """Bytes of any type, unless the schema says a record: specs converted from Swagger 2
    without `produces` declare `*/*` for their JSON (DocuSign's)."""
    schema = resolved(op, media.schema, direction)
    if schema.get("format") in ("binary", "file"):  # Swagger 2's file, converted
        return True
    return not (schema.get("properties") or schema.get("type") in ("object", "array"))


def fields_only(op: Operation, media: Any) -> bool:
    """A multipart body whose schema names its fields and each is a plain value (a file
    may hide behind a `$ref` or a choice: Telegram's `InputFile or String`)."""
    schema = resolved(op, media.schema, "request")
    props = fields_of(schema)
    return bool(props) and all(_plain(sub) for sub in props.values()) and not has_binary(schema)


def _plain(schema: Any) -> bool:
    if not isinstance(schema, dict) or schema.get("format") in ("binary", "byte"):
        return False
    if schema.get("type") == "array":
        return _plain(schema.get("items"))
    return schema.get("type") in ("string", "integer", "number", "boolean")


def has_binary(schema: dict[str, Any]) -> bool:
    """A field of the body holds bytes (`format: binary`, a `contentMediaType`, a string
    called `file`: Appwrite's)."""
    for name, sub in fields_of(schema).items():
        if isinstance(sub, dict) and (
            sub.get("format") in ("binary", "byte")
            or "contentMediaType" in sub
            or (name.lower() in _FILE_FIELDS and sub.get("type") == "string")
        ):
            return True
    return False


def resolved(op: Operation, schema: Any, direction: str) -> dict[str, Any]:
    """A body schema with its top-level `$ref` followed (one step is what names need)."""
    if not isinstance(schema, dict):
        return {}
    if "$ref" not in schema:
        return schema
    bundle = op.compiler.bundle(schema, direction)
    ref = bundle.schema.get("$ref", "") if isinstance(bundle.schema, dict) else ""
    found = bundle.defs.get(ref.removeprefix("#/$defs/").replace("~1", "/").replace("~0", "~"))
    return found if isinstance(found, dict) else {}


def fields_of(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema's properties, or none where a malformed spec gives something else."""
    found = schema.get("properties")
    return found if isinstance(found, dict) else {}


def bare_list(op: Operation) -> bool:
    """The success body is an array, or an object around one under a list-like name."""
    success = op.success
    for media_type, media in success.content.items() if success else ():
        if "json" not in media_type or media.schema is None:
            continue
        bundle = op.compiler.bundle(media.schema, "response")
        noun = next((s for s in reversed(op.path.split("/")) if s and "{" not in s), "")
        where = list_location(bundle.schema, bundle.defs, noun)
        if where == "" or where in LIST_KEYS or (where and where == noun):
            return True
    return False


def answer_shape(op: Operation) -> str | None:
    """What the JSON success answer holds: "array" (of records), "scalars" (an array of
    plain values), "wrapped" (one array beside at most two fields that are not paging or
    counts: `{"top_writers": [...]}`, `{"id": ..., "related": [...]}`), "record", "object"
    (no properties named), or None (no JSON answer declared)."""
    success = op.success
    for media_type, media in success.content.items() if success else ():
        if "json" not in media_type or media.schema is None:
            continue
        bundle = op.compiler.bundle(media.schema, "response")
        flat = flatten(bundle.schema, bundle.defs)
        if not isinstance(flat, dict):
            return None
        choices = [flatten(c, bundle.defs) for c in flat.get("oneOf") or flat.get("anyOf") or ()]
        lists = [c for c in choices if isinstance(c, dict) and c.get("type") == "array"]
        if lists and not flat.get("properties"):
            flat = lists[0]  # a list as one spelling: Ably's channels, SoundCloud's tracks
        elif choices and isinstance(choices[0], dict) and not flat.get("properties"):
            flat = choices[0]  # the first spelling of the answer
        if is_array(flat):
            item = flatten(flat.get("items"), bundle.defs)
            record = isinstance(item, dict) and (item.get("properties") or item.get("allOf"))
            return "array" if record else "scalars"
        props = fields_of(flat)
        if not props:
            return "object"
        arrays, others = [], []
        for name, sub in props.items():
            sub = flatten(sub, bundle.defs)
            if name.lower() in _NOT_ITEMS:
                continue
            if is_array(sub):
                arrays.append(name)
            elif snake(name) not in _BESIDE_ITEMS:
                others.append(name)
        named = len(arrays) == 1 and (
            arrays[0] == "value"  # Azure's `{"value": [...], "nextLink": ...}`
            or names_alike(arrays[0], wording.last_segment(op))
        )
        if named and len(others) <= 2:
            return "wrapped"
        return "record"
    return None


def names_alike(field: str, segment: str) -> bool:
    """A field and a path segment share a word, plurals aside: `associated_articles` and
    `articles`, `top_writers` and `top_writer`; `Days` and `opens` do not."""
    stems = {w.rstrip("s") for w in words(segment) if len(w) > 2}
    return any(w.rstrip("s") in stems for w in words(field) if len(w) > 2)


def pagination(op: Operation) -> str | None:
    names = {p.name.lower() for p in op.params if p.location == "query"}
    if names & set(_CURSOR):
        return "cursor"
    if names & set(_OFFSET):
        return "offset"
    if names & set(_PAGE):
        return "page"
    success = op.success
    if success is not None and "link" in {h.lower() for h in success.headers}:
        return "link"
    return None
