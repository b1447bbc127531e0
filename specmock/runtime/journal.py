"""What the mock received and answered: a bounded ring buffer, optionally mirrored to JSONL.

Tests ask it what happened ("POST /order called exactly 3 times"), which requests
matched nothing and what they nearly matched, and export it as HAR.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .cassette import Exchange, har_entry, har_log

BODY_LIMIT = 64 * 1024  # bytes of each body an entry keeps
HEADER_LIMIT = 8 * 1024  # bytes of each header value an entry keeps
JOURNAL_BYTES = 32 * 1024 * 1024  # what all entries may hold together, oldest dropped first
_OVERHEAD = 512  # an entry's own fields, roughly


def truncated(text: str, size: int) -> str:
    """The marker that ends a value the journal cut short, saying how long it was."""
    return f"{text}...[truncated by the journal: {size} bytes in all]"


def trace_id(headers: dict[str, str]) -> str:
    """W3C traceparent's trace id, else B3's; corrupt or missing context gives ""."""
    parts = headers.get("traceparent", "").split("-")
    if len(parts) == 4 and len(parts[1]) == 32:
        return parts[1]
    return headers.get("x-b3-traceid", "")


def _header_value(value: str) -> str:
    return value if len(value) <= HEADER_LIMIT else truncated(value[:HEADER_LIMIT], len(value))


class Entry:
    """One exchange. Recorded cheaply on the request path; bodies and headers are turned
    into text only when someone reads the journal (text when UTF-8, else base64)."""

    __slots__ = (
        "_body",
        "_body_size",
        "_ms",
        "_out",
        "_query",
        "_response",
        "_response_size",
        "delay_ms",
        "id",
        "method",
        "path",
        "request_headers",
        "request_id",
        "size",
        "time",
    )

    def __init__(
        self,
        id: int,
        time: float,
        ms: float,
        method: str,
        path: str,
        query: bytes,  # the raw query string, decoded when read
        out: Any,
        request_id: str = "",
        request_headers: dict[str, str] | None = None,
        body: bytes = b"",
        delay_ms: float = 0.0,
    ):
        self.id, self.time, self._ms = id, time, ms
        self.method, self.path, self._query = method, path, query
        self.request_id = request_id
        headers = request_headers or {}
        header_bytes = sum(map(len, headers.values()))
        if header_bytes > HEADER_LIMIT:  # one value, at least, may be too long to keep
            headers = {k: _header_value(v) for k, v in headers.items()}
            header_bytes = sum(map(len, headers.values()))
        self.request_headers = headers
        self.delay_ms = out.delay_ms or delay_ms
        self._body, self._body_size = body[:BODY_LIMIT], len(body)
        response = out.body or b""
        self._response, self._response_size = response[:BODY_LIMIT], len(response)
        # The answer's headers and violations stay; a large body only as its first part.
        self._out = out if len(response) <= BODY_LIMIT else dataclasses.replace(out, body=b"")
        self.size = (
            len(self._body)
            + len(self._response)
            + sum(map(len, headers))
            + header_bytes
            + _OVERHEAD
        )

    # what the answer says, read from it when asked (the request path only keeps it)
    @property
    def status(self) -> int:
        return self._out.status

    @property
    def service(self) -> str | None:
        op = self._out.operation
        return op.service if op else None

    @property
    def operation(self) -> str | None:
        op = self._out.operation
        return op.operation_id if op else None

    @property
    def fault(self) -> str | None:
        return self._out.fault

    @property
    def contract(self) -> str | None:
        return self._out.contract  # "injected, outside the contract"

    @property
    def matched(self) -> bool:
        return self._out.operation is not None or self._out.status not in (404, 405)

    @property
    def ms(self) -> float:
        return round(self._ms, 3)

    @property
    def query(self) -> str:
        return self._query.decode("latin-1")

    @property
    def trace_id(self) -> str:
        return trace_id(self.request_headers)

    @property
    def raw_body(self) -> bytes:
        return self._body

    @property
    def request_body(self) -> str:
        return body_text(self._body, self._body_size)

    @property
    def response_body(self) -> str:
        return body_text(self._response, self._response_size)

    @property
    def response_headers(self) -> dict[str, str]:
        return {"content-type": self._out.media_type or "", **dict(self._out.headers)}

    @property
    def violations(self) -> list[dict[str, str]]:
        return [v.as_dict() for v in self._out.violations + self._out.contract_errors]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}


_FIELDS = (
    "id",
    "time",
    "ms",
    "method",
    "path",
    "query",
    "status",
    "service",
    "operation",
    "request_id",
    "trace_id",
    "request_headers",
    "request_body",
    "response_headers",
    "response_body",
    "violations",
    "fault",
    "contract",
    "delay_ms",
    "matched",
)


def body_text(data: bytes, size: int | None = None) -> str:
    """Text when UTF-8, else `base64:...`; with the truncation marker when `size` (the
    length the body really had) is more than what was kept."""
    data = data[:BODY_LIMIT]
    cut = size is not None and size > len(data)
    text = None
    for end in (0, 1, 2, 3) if cut else (0,):  # a cut may split the last character
        try:
            text = data[: len(data) - end].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        text = "base64:" + base64.b64encode(data).decode()
    return truncated(text, size) if cut and size is not None else text


@dataclass
class Query:
    """Filters; every one given must hold. `body` matches a top-level JSON field's value."""

    service: str | None = None
    operation: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    since: float | None = None
    until: float | None = None
    matched: bool | None = None
    body: dict[str, Any] = field(default_factory=dict)

    def accepts(self, entry: Entry) -> bool:
        simple = (
            ("service", entry.service),
            ("operation", entry.operation),
            ("path", entry.path),
            ("status", entry.status),
            ("matched", entry.matched),
        )
        if any(
            getattr(self, name) is not None and getattr(self, name) != value
            for name, value in simple
        ):
            return False
        if self.method and self.method.upper() != entry.method:
            return False
        if self.since is not None and entry.time < self.since:
            return False
        if self.until is not None and entry.time > self.until:
            return False
        return not self.body or _body_matches(entry.request_body, self.body)


def _body_matches(text: str, wanted: dict[str, Any]) -> bool:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and all(
        str(data.get(k)) == str(v) if not isinstance(v, bool | int | float) else data.get(k) == v
        for k, v in wanted.items()
    )


class Journal:
    """The last `size` entries, and no more than `max_bytes` of them together."""

    def __init__(
        self, size: int = 1000, file: str | Path | None = None, max_bytes: int = JOURNAL_BYTES
    ):
        self._entries: deque[Entry] = deque()
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._ids = itertools.count(1)  # next() on it is atomic: no lock per request
        self._lock = threading.Lock()
        self.file = Path(file) if file else None

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)
            self.bytes += entry.size
            while self._entries and (len(self._entries) > self.size or self.bytes > self.max_bytes):
                self.bytes -= self._entries.popleft().size
        if self.file is not None:
            with self.file.open("ab") as out:
                out.write(orjson.dumps(entry.as_dict()) + b"\n")

    def find(self, query: Query | None = None, limit: int | None = None) -> list[Entry]:
        found = [e for e in self._entries if query is None or query.accepts(e)]
        # a limit past 64 bits arrives as a float, as JSON numbers that large do
        return found[-int(limit) :] if limit else found

    def after(self, entry_id: int) -> list[Entry]:
        """Entries newer than `entry_id`, oldest first (a live view reads only the tail)."""
        newer: list[Entry] = []
        for entry in reversed(self._entries):
            if entry.id <= entry_id:
                break
            newer.append(entry)
        return newer[::-1]

    def last_id(self) -> int:
        return self._entries[-1].id if self._entries else 0

    def get(self, entry_id: int) -> Entry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def near_misses(
        self, templates: list[tuple[str, str, str]], limit: int = 3
    ) -> list[dict[str, Any]]:
        """Unmatched requests, each with the declared operations it most resembles."""
        out = []
        for entry in self.find(Query(matched=False)):
            ranked = sorted(templates, key=lambda t: -_likeness(entry, t))[:limit]
            out.append(
                {
                    "request": {"id": entry.id, "method": entry.method, "path": entry.path},
                    "nearest": [
                        {
                            "method": m,
                            "path": p,
                            "operation": o,
                            "likeness": round(_likeness(entry, (m, p, o)), 2),
                        }
                        for m, p, o in ranked
                    ],
                }
            )
        return out

    def har(self) -> dict[str, Any]:
        return har_log([_har_entry(e) for e in self._entries])


def _likeness(entry: Entry, template: tuple[str, str, str]) -> float:
    """Segment by segment: a `{param}` fits anything, literals score by spelling."""
    method, path, _ = template
    given = entry.path.strip("/").split("/")
    wanted = path.strip("/").split("/")
    scores = [
        0.9 if w.startswith("{") else difflib.SequenceMatcher(None, g, w).ratio()
        for g, w in zip(given, wanted, strict=False)
    ]
    score = sum(scores) / max(len(given), len(wanted))
    return score + (0.05 if method == entry.method else 0.0)


def _har_entry(entry: Entry) -> dict[str, Any]:
    exchange = Exchange(
        entry.method,
        entry.path,
        entry.query,
        entry.request_headers,
        entry.raw_body,
        entry.status,
        entry.response_headers,
        entry._response,
        entry.time,
        entry.ms,
        entry.operation,
    )
    return har_entry(
        exchange,
        {
            "id": entry.id,
            "service": entry.service,
            "operation": entry.operation,
            "request_id": entry.request_id,
            "trace_id": entry.trace_id,
            "violations": entry.violations,
            "fault": entry.fault,
        },
    )
