"""Every input is bounded: header size and count, body size, how long a client may take.

A mock server faces test suites, fuzzers and load tools, so one bad client must not
take memory or connections from the others. The limits live at the wire, in an HTTP
protocol class for uvicorn (httptools' parser, with checks uvicorn does not make):

- the request head (request line and headers) is counted while it arrives; past
  `max_header_bytes` or `max_headers` the client gets 431 and the connection closes,
  so a 50 MB header costs at most one read buffer; a request target (URL) longer than
  `max_header_bytes` gets 414 the same way (64 KiB by default: more than any browser or
  HTTP library sends, so every URL a real client builds is served);
- a request head must arrive within `header_timeout` seconds of the connection (or of
  the previous response): a slowloris client dripping bytes is closed;
- a request body that stalls for `body_timeout` seconds is closed (this also ends a
  chunked body whose declared chunk size, e.g. `ffffffffffffffff`, never arrives);
- a connection gone while the app waits (a delay) sets `scope["specmock.gone"]`, so
  `pause` ends early instead of sleeping for a client that left.

The body size itself is checked by `read_body` while the body streams in: at most
`limit + 1` bytes are ever held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from itertools import chain
from typing import Any

import orjson

from .behaviours import IDEMPOTENCY_TTL
from .faults import MAX_DELAY_MS
from .journal import JOURNAL_BYTES

MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5.0
MAX_BODY = 10 * 1024 * 1024
SHUTDOWN_TIMEOUT = 3.0  # SIGTERM: requests still running after this are cancelled
LINGER = 2.0  # seconds a refused body is still read (and dropped) before the close


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = MAX_HEADER_BYTES
    max_headers: int = MAX_HEADERS
    header_timeout: float = HEADER_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT
    shutdown_timeout: float = SHUTDOWN_TIMEOUT
    max_body: int = MAX_BODY
    max_delay_ms: float = MAX_DELAY_MS
    journal_bytes: int = JOURNAL_BYTES
    idempotency_ttl: float = IDEMPOTENCY_TTL

    @classmethod
    def parse(cls, pairs: Mapping[str, str]) -> Limits:
        """`--limit name=value` pairs; names are the fields, units bytes and seconds
        (`max_delay_ms` in milliseconds). An unknown name or a bad number says which."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, text in pairs.items():
            if name not in known:
                raise ValueError(f"unknown limit {name!r}: one of {', '.join(known)}")
            number = _number(text)
            if number is None or number <= 0:
                raise ValueError(f"limit {name}={text!r}: a positive number is needed")
            values[name] = int(number) if known[name].type == "int" else float(number)
        return cls(**values)

    def uvicorn_settings(self) -> dict[str, Any]:
        """The uvicorn.Config arguments that carry these limits."""
        settings: dict[str, Any] = {
            "timeout_keep_alive": self.keep_alive_timeout,
            "timeout_graceful_shutdown": self.shutdown_timeout,
            "h11_max_incomplete_event_size": self.max_header_bytes,
        }
        if BoundedHttp is not None:
            settings["http"] = BoundedHttp
        return settings


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


class BodyTimeout(Exception):
    pass


def _problem(status: int, title: str, detail: str) -> bytes:
    body = orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    return (
        f"HTTP/1.1 {status} {title}\r\ncontent-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


class Corked:
    """A connection's transport that holds a response head until its body follows, so
    head and body leave in one write: one system call and one packet per answer where
    uvicorn makes two. A head whose body does not follow in the same turn of the loop (a
    stream waiting for its first event, a HEAD) leaves at the end of that turn; an
    interim answer (`100 Continue`) leaves at once."""

    __slots__ = ("_head", "_loop", "transport")

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop):
        self.transport = transport
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self.transport.write(head + data)
        elif data.startswith(b"HTTP/1.1 ") and data[9:10] != b"1":
            self._head = data
            self._loop.call_soon(self.flush)
        else:
            self.transport.write(data)

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self.transport.write(head)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:  # get_extra_info, pause_reading, ...
        return getattr(self.transport, name)


class _Bounded:
    """The checks, mixed in before uvicorn's HttpToolsProtocol (BoundedHttp below). Its
    methods are called by name (not through super(), which costs a lookup per call: these
    run several times for every request)."""

    limits: Limits

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)  # type: ignore[call-arg]
        self.limits = getattr(config, "specmock_limits", None) or Limits()
        # between requests the next head must come within this (keep-alive or not)
        self._next_head = max(self.limits.header_timeout, self.limits.keep_alive_timeout)
        self._raw = 0  # bytes of the current head seen on the wire
        self._in_head = True
        self._refused = False
        self._draining = False
        # One deadline at a time, checked by one loop timer that is moved only when the
        # deadline comes earlier: most requests set and clear a deadline without creating,
        # cancelling and freeing a timer each time (that cost a few % of throughput).
        self._deadline: float | None = None
        self._why = ""
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._gone: asyncio.Event | None = None

    # -- timers -----------------------------------------------------------
    def _arm(self, seconds: float, why: str) -> None:
        at = self.loop.time() + seconds  # type: ignore[attr-defined]
        self._deadline, self._why = at, why
        if self._timer is None or self._timer_at > at:
            self._schedule(at)

    def _disarm(self) -> None:
        self._deadline = None  # the timer, if any, fires later and finds nothing due

    def _schedule(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_at(at, self._due)  # type: ignore[attr-defined]
        self._timer_at = at

    def _due(self) -> None:
        self._timer = None
        if self._deadline is None:
            return
        if self.loop.time() < self._deadline:  # type: ignore[attr-defined]
            self._schedule(self._deadline)  # moved later since this timer was set
            return
        self._deadline = None
        self._expire(self._why)

    def _expire(self, why: str) -> None:
        transport = self.transport  # type: ignore[attr-defined]
        if transport.is_closing():
            return
        if self._in_head and self._raw:
            # A head was started and not finished: say why. An idle connection between
            # requests closes silently (a client may be sending its next request already).
            transport.write(_problem(408, "Request Timeout", why))
        transport.close()  # a stalled body: the app sees http.disconnect

    def _refuse(
        self, detail: str, status: int = 431, title: str = "Request Header Fields Too Large"
    ) -> None:
        if not self._refused:
            self._refused = True
            self._disarm()
            transport = self.transport  # type: ignore[attr-defined]
            transport.write(_problem(status, title, detail))
            transport.close()

    # -- uvicorn's protocol hooks -------------------------------------------
    def connection_made(self, transport: Any) -> None:
        HttpToolsProtocol.connection_made(self, transport)
        self.transport = Corked(transport, self.loop)  # type: ignore[attr-defined]
        # one per connection (its requests come one after another): set when it is lost
        self._gone = asyncio.Event()
        self._arm(self.limits.header_timeout, "the request head took too long")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._gone is not None:
            self._gone.set()
        HttpToolsProtocol.connection_lost(self, exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._draining:
            return  # dropped unparsed; the linger timer closes
        if self._in_head:
            self._raw += len(data)
        elif self._deadline is not None:  # reading a body: it is alive
            self._arm(self.limits.body_timeout, "the request body stalled")
        HttpToolsProtocol.data_received(self, data)
        # Still in the head after the parser took everything: the head alone is this big
        # (httptools keeps a partial header in its own buffer until it ends).
        if self._in_head and self._raw > self.limits.max_header_bytes + 8192:
            self._refuse(f"the request head is larger than {self.limits.max_header_bytes} bytes")

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            HttpToolsProtocol.send_400_response(self, msg)

    def on_message_begin(self) -> None:
        HttpToolsProtocol.on_message_begin(self)
        self._in_head = True
        self.scope["specmock.gone"] = self._gone  # type: ignore[attr-defined]

    def on_url(self, url: bytes) -> None:
        if not self._refused:
            HttpToolsProtocol.on_url(self, url)
            most = self.limits.max_header_bytes
            if len(self.url) > most:  # type: ignore[attr-defined]
                self._refuse(f"the URL is longer than {most} bytes", 414, "URI Too Long")

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        # Counted once the head is complete, not per header: what a head can hold is
        # already bounded by `data_received` (its bytes on the wire).
        headers, most = self.headers, self.limits  # type: ignore[attr-defined]
        if len(headers) > most.max_headers:
            self._refuse(f"more than {most.max_headers} request headers")
            return
        if sum(map(len, chain.from_iterable(headers))) + 4 * len(headers) > most.max_header_bytes:
            self._refuse(f"the request headers are larger than {most.max_header_bytes} bytes")
            return
        self._in_head, self._raw = False, 0
        HttpToolsProtocol.on_headers_complete(self)
        cycle = self.cycle  # type: ignore[attr-defined]
        if cycle is not None and cycle.more_body and not cycle.response_complete:
            self._arm(self.limits.body_timeout, "the request body stalled")
        else:
            self._disarm()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            HttpToolsProtocol.on_body(self, body)

    def on_message_complete(self) -> None:
        if self._draining:
            self.transport.close()  # type: ignore[attr-defined]
        elif not self._refused:
            self._disarm()
            HttpToolsProtocol.on_message_complete(self)

    def on_response_complete(self) -> None:
        cycle = self.cycle  # type: ignore[attr-defined]
        if cycle is not None and cycle.more_body and not cycle.disconnected:
            # Answered before the body was read (a 413, an early error): the rest is read
            # and dropped for a moment, so the client can finish sending and read the
            # answer (closing at once would reset the connection under it), then closed.
            self._draining = True
            self._arm(LINGER, "")
            return
        HttpToolsProtocol.on_response_complete(self)
        self._in_head, self._raw = True, 0  # what comes next is the next request's head
        if not self.transport.is_closing():  # type: ignore[attr-defined]
            # The next head must come in time too: uvicorn's keep-alive timer restarts on
            # every byte, so a client dripping one byte at a time would never meet it.
            self._arm(self._next_head, "the request head took too long")


async def read_body(receive: Callable[[], Awaitable[dict]], limit: int) -> bytes:
    """The whole request body, or BodyTooLarge as soon as more than `limit` bytes came."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyTimeout("the client went away while sending the body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes) -> Callable[[], Awaitable[dict]]:
    """A receive callable that hands an already read body over once."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def pause(scope: dict, seconds: float) -> bool:
    """Sleep, unless the client leaves first; True when the full time passed."""
    if seconds <= 0:
        return True
    gone = scope.get("specmock.gone")
    if gone is None:
        await asyncio.sleep(seconds)
        return True
    try:
        await asyncio.wait_for(gone.wait(), seconds)
    except TimeoutError:
        return True
    return False


try:  # httptools is optional: without it uvicorn uses h11, whose incomplete-event limit
    # (max_header_bytes) still bounds the head, answering 400 instead of 431.
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover
    BoundedHttp: type | None = None
else:

    class BoundedHttp(_Bounded, HttpToolsProtocol):  # type: ignore[no-redef]
        """uvicorn's httptools protocol with specmock's limits."""
