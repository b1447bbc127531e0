"""Recorded exchanges: what an upstream answered, kept as HAR and played back.

HAR is the format browsers, proxies and specmock's own journal export already
write, so a cassette can come from any of them. Secrets are redacted before an
exchange is kept: a cassette is meant to be committed next to the tests.
"""

from __future__ import annotations

import base64
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

REDACTED = "REDACTED"
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-amz-security-token",
    }
)
_SECRET_FIELD = re.compile(r"pass(word)?|secret|token|api[_-]?key|credential", re.IGNORECASE)


class CassetteError(ValueError):
    """A cassette file that cannot be read as HAR."""


@dataclass
class Exchange:
    """One request and the answer it got, as bytes on the wire."""

    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    started: float = 0.0
    ms: float = 0.0
    operation: str | None = None

    @property
    def media_type(self) -> str | None:
        return self.response_headers.get("content-type")


@dataclass
class Cassette:
    """Exchanges by method, path and query; repeated requests walk through their recordings."""

    exchanges: list[Exchange] = field(default_factory=list)
    secret_names: frozenset[str] = frozenset()  # header/query names of the spec's apiKey schemes
    _served: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def load(cls, file: str | Path, secret_names: frozenset[str] = frozenset()) -> Cassette:
        path = Path(file)
        if not path.exists():
            return cls([], secret_names)
        try:
            data = orjson.loads(path.read_bytes())
            entries = data["log"]["entries"]
            return cls([_from_har(e) for e in entries], secret_names)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise CassetteError(f"{file}: not a HAR file ({exc})") from None

    def add(self, exchange: Exchange) -> Exchange:
        kept = redact(exchange, self.secret_names)
        self.exchanges.append(kept)
        return kept

    def find(self, method: str, path: str, query: str, body: bytes) -> Exchange | None:
        """The recording for this request: same body preferred, then in recorded order."""
        key = (method, path, _query_key(query))
        candidates = [e for e in self.exchanges if (e.method, e.path, _query_key(e.query)) == key]
        if not candidates:
            return None
        same_body = [e for e in candidates if _same_body(e.request_body, body)]
        pool = same_body or candidates
        served_key = (*key, body if same_body else b"")
        index = min(self._served[served_key], len(pool) - 1)  # the last one repeats
        self._served[served_key] += 1
        return pool[index]

    def rewind(self) -> None:
        self._served.clear()

    def har(self) -> dict[str, Any]:
        return har_log([har_entry(e) for e in self.exchanges])

    def save(self, file: str | Path) -> None:
        """Write atomically: a reader never sees half a cassette."""
        path = Path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(orjson.dumps(self.har(), option=orjson.OPT_INDENT_2))
        os.replace(tmp, path)


def har_log(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A HAR 1.2 document around its entries."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "specmock", "version": "0.1"},
            "entries": entries,
        }
    }


def redact(exchange: Exchange, secret_names: frozenset[str] = frozenset()) -> Exchange:
    """The exchange with credentials, cookies and secret-looking JSON fields blanked."""
    names = _SECRET_HEADERS | {n.lower() for n in secret_names}
    query = "&".join(
        f"{k}={REDACTED}" if k.lower() in names else f"{k}={v}" if v else k
        for k, v in parse_qsl(exchange.query, keep_blank_values=True)
    )
    return Exchange(
        exchange.method,
        exchange.path,
        query if exchange.query else "",
        _redact_headers(exchange.request_headers, names),
        _redact_body(exchange.request_body),
        exchange.status,
        _redact_headers(exchange.response_headers, names),
        _redact_body(exchange.response_body),
        exchange.started,
        exchange.ms,
        exchange.operation,
    )


def _redact_headers(headers: dict[str, str], names: frozenset[str] | set[str]) -> dict[str, str]:
    return {k: REDACTED if k.lower() in names else v for k, v in headers.items()}


def _redact_body(body: bytes) -> bytes:
    if not body or body[:1] not in (b"{", b"["):
        return body
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    cleaned = _redact_value(value)
    return body if cleaned == value else orjson.dumps(cleaned)


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(v, str) and _SECRET_FIELD.search(k) else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    return value


def _query_key(query: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_qsl(query, keep_blank_values=True)))


def _same_body(recorded: bytes, body: bytes) -> bool:
    if recorded == body:
        return True
    try:
        return orjson.loads(recorded) == orjson.loads(body)
    except orjson.JSONDecodeError:
        return False


def _content(body: bytes, media_type: str) -> dict[str, Any]:
    try:
        return {"mimeType": media_type, "text": body.decode("utf-8")}
    except UnicodeDecodeError:
        encoded = base64.b64encode(body).decode("ascii")
        return {"mimeType": media_type, "text": encoded, "encoding": "base64"}


def _decode(content: dict[str, Any]) -> bytes:
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def har_entry(e: Exchange, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One HAR entry; `extra` is specmock's own record of it (kept under `_specmock`)."""
    started = datetime.fromtimestamp(e.started, UTC).isoformat().replace("+00:00", "Z")
    request: dict[str, Any] = {
        "method": e.method,
        "url": e.path + (f"?{e.query}" if e.query else ""),
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in e.request_headers.items()],
        "queryString": [
            {"name": k, "value": v} for k, v in parse_qsl(e.query, keep_blank_values=True)
        ],
        "cookies": [],
        "headersSize": -1,
        "bodySize": len(e.request_body),
    }
    if e.request_body:
        request["postData"] = _content(e.request_body, e.request_headers.get("content-type", ""))
    return {
        "startedDateTime": started,
        "time": e.ms,
        "request": request,
        "response": {
            "status": e.status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in e.response_headers.items()],
            "cookies": [],
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(e.response_body),
            "content": {
                "size": len(e.response_body),
                **_content(e.response_body, e.media_type or ""),
            },
        },
        "cache": {},
        "timings": {"send": 0, "wait": e.ms, "receive": 0},
        "_specmock": extra if extra is not None else {"operation": e.operation},
    }


def _from_har(entry: dict[str, Any]) -> Exchange:
    request, response = entry["request"], entry["response"]
    url = urlsplit(request["url"])
    started = entry.get("startedDateTime")
    return Exchange(
        request["method"].upper(),
        url.path or "/",
        url.query,
        {h["name"].lower(): h["value"] for h in request.get("headers", [])},
        _decode(request.get("postData") or {}),
        int(response["status"]),
        {h["name"].lower(): h["value"] for h in response.get("headers", [])},
        _decode(response.get("content") or {}),
        datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp() if started else 0.0,
        float(entry.get("time") or 0.0),
        (entry.get("_specmock") or {}).get("operation"),
    )
