"""Mailpit's search syntax, the part tests use: `to:`, `from:`, `subject:`, `message-id:`,
`tag:`, `is:read`, `is:unread`, `has:attachment`, plain words (searched in the addresses,
subject, text and HTML), "quoted phrases", and `-term` or `!term` for "not".
Every term must hold; matching ignores case."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from .parse import html_text

Match = Callable[[dict[str, Any]], bool]
_FIELDS = ("to", "from", "cc", "bcc", "subject", "message-id", "tag", "is", "has")


class QueryError(ValueError):
    """A query that cannot be read; the message says why."""


def _addresses(record: dict[str, Any], *names: str) -> str:
    found = []
    for name in names:
        value = record.get(name)
        for entry in value if isinstance(value, list) else [value] if value else []:
            found.append(f"{entry.get('Name', '')} <{entry.get('Address', '')}>")
    if "To" in names:
        found.extend(record.get("Envelope", {}).get("To", []))
    return " ".join(found).lower()


def _term(field: str, value: str) -> Match:
    if field == "to":
        return lambda r: value in _addresses(r, "To", "Cc", "Bcc")
    if field in ("from", "cc", "bcc"):
        name = field.capitalize()
        return lambda r: value in _addresses(r, name)
    if field == "subject":
        return lambda r: value in r.get("Subject", "").lower()
    if field == "message-id":
        return lambda r: value == r.get("MessageID", "").lower()
    if field == "tag":
        return lambda r: value in (t.lower() for t in r.get("Tags", ()))
    if field == "is":
        if value not in ("read", "unread"):
            raise QueryError(f"query: is: takes read or unread, not {value!r}")
        return lambda r: r.get("Read", False) is (value == "read")
    if field == "has":
        if value not in ("attachment", "attachments"):
            raise QueryError(f"query: has: takes attachment, not {value!r}")
        return lambda r: bool(r.get("Attachments"))

    def anywhere(r: dict[str, Any]) -> bool:
        text = " ".join(
            (
                _addresses(r, "From", "To", "Cc", "Bcc"),
                r.get("Subject", ""),
                r.get("Text", ""),
                html_text(r.get("HTML", "")),
            )
        )
        return value in text.lower()

    return anywhere


def compile_query(query: str | None) -> Match:
    """A predicate over stored records; an empty query matches everything."""
    if not query or not query.strip():
        return lambda r: True
    try:
        words = shlex.split(query)
    except ValueError as exc:
        raise QueryError(f"query: {exc} (close the quoted phrase)") from exc
    terms: list[tuple[bool, Match]] = []
    for word in words:
        negate = word[:1] in ("-", "!") and len(word) > 1
        word = word[1:] if negate else word
        field, sep, value = word.partition(":")
        if sep and field.lower() in _FIELDS:
            if not value:
                raise QueryError(f"query: {field}: needs a value")
            terms.append((negate, _term(field.lower(), value.lower())))
        else:
            terms.append((negate, _term("", word.lower())))
    return lambda r: all(match(r) is not negate for negate, match in terms)
