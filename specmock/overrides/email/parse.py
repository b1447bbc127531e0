"""A message's source read into the inbox's record, with the stdlib `email` package.

The record follows Mailpit's names (`From`, `To`, `Subject`, `Text`, `HTML`,
`Attachments` with a `PartID`), so a test written against Mailpit reads it unchanged.
A PartID is the part's path in the MIME tree ("2", "2.1"), so a download can find the
part again in the stored source instead of keeping every attachment twice.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, Parser
from email.utils import getaddresses
from typing import Any

_PARSER = BytesParser(policy=policy.default)
_TEXT_PARSER = Parser(policy=policy.default)
_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
SNIPPET = 250


def parse(raw: bytes) -> EmailMessage:
    """UTF-8 sources (SMTPUTF8 headers) are read as text, so their headers decode; any
    other bytes are read as bytes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _PARSER.parsebytes(raw)  # type: ignore[return-value]
    return _TEXT_PARSER.parsestr(text)  # type: ignore[return-value]


def clean(text: str) -> str:
    """Undecodable bytes (kept as surrogates by the parser) as U+FFFD, so JSON can carry it."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def addresses(message: Message, name: str) -> list[dict[str, str]]:
    """Every address of a header (all of its occurrences), as Mailpit's {Name, Address}."""
    found = []
    for value in message.get_all(name) or []:
        try:
            pairs = [(a.display_name, a.addr_spec) for a in value.addresses]
        except (AttributeError, IndexError, ValueError):  # a header the parser could not read
            pairs = getaddresses([str(value)])
        found.extend(
            {"Name": clean(n or ""), "Address": clean(a or "")} for n, a in pairs if a or n
        )
    return found


def header(message: Message, name: str) -> str:
    value = message.get(name)
    return "" if value is None else clean(str(value))


def parts(message: Message, prefix: str = "") -> list[tuple[str, Message]]:
    """Every leaf part with its PartID, depth first."""
    if not message.is_multipart():
        return [(prefix or "1", message)]
    found = []
    for index, part in enumerate(message.get_payload(), start=1):  # type: ignore[arg-type]
        found.extend(parts(part, f"{prefix}.{index}" if prefix else str(index)))
    return found


def part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return str(part.get_payload()).encode()


def _text(part: Message) -> str:
    try:
        return clean(part.get_content())  # type: ignore[attr-defined]
    except (LookupError, ValueError, KeyError):  # unknown charset: best effort
        return part_bytes(part).decode("utf-8", "replace")


def _attachment(part_id: str, part: Message) -> dict[str, Any]:
    data = part_bytes(part)
    return {
        "PartID": part_id,
        "FileName": clean(part.get_filename() or ""),
        "ContentType": part.get_content_type(),
        "ContentID": header(part, "Content-ID").strip("<>"),
        "Size": len(data),
        "Checksums": {
            "MD5": hashlib.md5(data).hexdigest(),
            "SHA1": hashlib.sha1(data).hexdigest(),
            "SHA256": hashlib.sha256(data).hexdigest(),
        },
    }


def body_parts(message: Message) -> tuple[str, str, list[dict], list[dict]]:
    """Text, HTML, inline parts and attachments, as Mailpit splits them."""
    text = html = ""
    inline: list[dict[str, Any]] = []
    attached: list[dict[str, Any]] = []
    for part_id, part in parts(message):
        disposition = part.get_content_disposition()
        kind = part.get_content_type()
        if disposition != "attachment" and kind == "text/plain" and not text:
            text = _text(part)
        elif disposition != "attachment" and kind == "text/html" and not html:
            html = _text(part)
        elif disposition == "inline" or (disposition is None and part.get("Content-ID")):
            inline.append(_attachment(part_id, part))
        elif disposition == "attachment" or part.get_filename() or not kind.startswith("text/"):
            attached.append(_attachment(part_id, part))
    return text, html, inline, attached


def html_text(html: str) -> str:
    """The words of an HTML body, for snippets and searching."""
    return _SPACES.sub(" ", _TAGS.sub(" ", html)).strip()


def snippet(text: str, html: str) -> str:
    words = _SPACES.sub(" ", text).strip() if text else html_text(html)
    return words[:SNIPPET]


def read(raw: bytes) -> dict[str, Any]:
    """The parsed fields of a record (everything but ids, envelope, times and tags)."""
    message = parse(raw)
    text, html, inline, attached = body_parts(message)
    date = message.get("Date")
    when = getattr(date, "datetime", None) if date is not None else None
    return {
        "MessageID": header(message, "Message-ID").strip().strip("<>"),
        "From": next(iter(addresses(message, "From")), None),
        "To": addresses(message, "To"),
        "Cc": addresses(message, "Cc"),
        "Bcc": addresses(message, "Bcc"),
        "ReplyTo": addresses(message, "Reply-To"),
        "ReturnPath": header(message, "Return-Path").strip("<>"),
        "Subject": header(message, "Subject"),
        "Text": text,
        "HTML": html,
        "Size": len(raw),
        "Inline": inline,
        "Attachments": attached,
        "Snippet": snippet(text, html),
        "_date": when.timestamp() if when is not None and when.tzinfo is not None else None,
        "_tags": [t.strip() for t in header(message, "X-Tags").split(",") if t.strip()],
        "_run": header(message, "X-Specmock-Run").strip(),
    }


def headers(raw: bytes) -> dict[str, list[str]]:
    """Every header with all its values, decoded (Mailpit's /headers)."""
    message = parse(raw)
    found: dict[str, list[str]] = {}
    for name, value in message.items():
        found.setdefault(clean(name), []).append(clean(str(value)))
    return found
