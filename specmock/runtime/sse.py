"""Server-sent events, produced live: `text/event-stream` answers are streams, not bodies.

An operation whose chosen response media type is `text/event-stream` gets events
generated one at a time, spaced by an interval, until a count is reached (or for
ever), with `: ping` comments while the next event is not due so proxies keep
the connection open. What an event holds comes from, in order:

- OpenAPI 3.2 `itemSchema`: the schema of one *event* (`data`, `event`, `id`,
  `retry`); a `data` with `contentSchema` is generated from it and sent as JSON;
- `x-specmock-event-schema` on the media type: the schema of one event's `data`;
- the media type's `schema`, read the same way (how OpenAI's spec describes its
  chunks).

Event ids count from 1. A client reconnecting with `Last-Event-ID: n` gets events
n+1 onwards, the same ones it would have had: event k is seeded by k alone.
Pacing reads the app's clock (`clock.wait`), so a frozen virtual clock holds the
stream until a test advances it. The stream ends when the client leaves: the
sender watches for the disconnect and closes the generator.

Settings, most specific first: an `X-Specmock-Stream: interval=0.5,count=5,heartbeat=2`
request header, the operation's `x-specmock-stream` mapping, `--option
sse_interval=`/`sse_count=`/`sse_heartbeat=` (seconds; count 0 means endless).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..generator.errors import unescape_token
from ..generator.fake import Ctx
from ..generator.loader import resolve
from ..generator.plan import Media, Operation
from .clock import Clock, wait
from .negotiation import choose_media
from .validation import Rejection, Violation

MEDIA_TYPE = "text/event-stream"
HEADERS = [("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")]
PING = b": ping\n\n"
_KNOBS = ("interval", "count", "heartbeat")
_open = 0  # generated streams now running


def open_streams() -> int:
    """How many generated event streams are running (each ends when its client leaves)."""
    return _open


class DropConnection(Exception):
    """Raised by a stream to have the connection cut there (an injected mid-stream fault)."""


@dataclass
class ServerSentEvent:
    """One event as the SSE format frames it; `data` that is not a string goes as JSON."""

    data: Any = None
    event: str | None = None
    id: str | int | None = None
    retry: int | None = None
    comment: str | None = None

    def encode(self) -> bytes:
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in self.comment.splitlines() or [""])
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {int(self.retry)}")
        if self.data is not None:
            text = self.data if isinstance(self.data, str) else orjson.dumps(self.data).decode()
            lines.extend(f"data: {line}" for line in text.split("\n"))
        return ("\n".join(lines) + "\n\n").encode()


async def event_stream(
    events: AsyncIterable[ServerSentEvent | bytes | str], heartbeat: float | None = None
) -> AsyncIterator[bytes]:
    """Frame `events` for `Reply(stream=...)`; while the next one takes longer than
    `heartbeat` seconds, send `: ping` comments. Strings and bytes go out as they are."""
    source = aiter(events)
    pending: asyncio.Future[Any] | None = None
    try:
        while True:
            pending = asyncio.ensure_future(anext(source))
            while heartbeat and heartbeat > 0:
                done, _ = await asyncio.wait({pending}, timeout=heartbeat)
                if done:
                    break
                yield PING
            try:
                item = await pending
            except StopAsyncIteration:
                pending = None
                return
            pending = None
            if isinstance(item, ServerSentEvent):
                yield item.encode()
            else:
                yield item.encode() if isinstance(item, str) else item
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        if hasattr(source, "aclose"):
            await source.aclose()


@dataclass(frozen=True)
class Pacing:
    interval: float = 1.0  # seconds between events
    count: int = 10  # events in all; 0 = endless
    heartbeat: float = 15.0  # seconds between `: ping` comments while waiting; 0 = none


def pacing(op: Operation, options: Mapping[str, str], headers: Mapping[str, str]) -> Pacing:
    """The stream settings for this request; a bad value is refused naming it."""
    given: dict[str, Any] = {}
    for name in _KNOBS:
        if f"sse_{name}" in options:
            given[name] = options[f"sse_{name}"]
    declared = op.extensions.get("x-specmock-stream")
    if isinstance(declared, dict):
        given.update({k: v for k, v in declared.items() if k in _KNOBS})
    header = headers.get("x-specmock-stream")
    if header:
        for item in header.split(","):
            name, _, value = item.strip().partition("=")
            if name not in _KNOBS:
                message = f"unknown setting {name!r}; known: {', '.join(_KNOBS)}"
                raise Rejection(400, [_violation(message)])
            given[name] = value
    try:
        values = {k: (int(v) if k == "count" else float(v)) for k, v in given.items()}
    except (TypeError, ValueError) as exc:
        message = f"stream settings must be numbers: {exc}"
        raise Rejection(400, [_violation(message)]) from None
    if any(v < 0 for v in values.values()):
        raise Rejection(400, [_violation("stream settings must not be negative")])
    return Pacing(**values)


def _violation(message: str) -> Violation:
    return Violation("header", "/x-specmock-stream", "stream", message)


def live_answer(
    op: Operation,
    accept: str | None,
    headers: Mapping[str, str],
    options: Mapping[str, str],
    seed: Callable[[], int],
    faker: Any,
    clock: Callable[[], Clock],
) -> tuple[list[tuple[str, str]], AsyncIterator[bytes]] | None:
    """Headers and live events when the request asked for the declared event stream
    (the seed is only worked out then)."""
    media = chosen_stream(op, accept)
    if media is None:
        return None
    settings = pacing(op, options, headers)
    after = last_event_id(headers)
    stream = generated_events(op, media, seed(), faker, settings, clock, after)
    return HEADERS, stream


def chosen_stream(op: Operation, accept: str | None) -> Media | None:
    """The event-stream media of the success response, when content negotiation picks it."""
    response = op.success
    if response is None or MEDIA_TYPE not in response.content:
        return None
    if choose_media(accept, list(response.content)) != MEDIA_TYPE:
        return None
    return response.content[MEDIA_TYPE]


def last_event_id(headers: Mapping[str, str]) -> int:
    text = headers.get("last-event-id", "").strip()
    return int(text) if text.isdigit() else 0


def generated_events(
    op: Operation,
    media: Media,
    seed: int,
    faker: Any,
    settings: Pacing,
    clock: Callable[[], Clock],
    after: int = 0,
) -> AsyncIterator[bytes]:
    """The live stream of a declared event schema, events after id `after`."""
    make = _event_maker(op, media, faker)

    async def events() -> AsyncIterator[ServerSentEvent]:
        global _open
        _open += 1
        try:
            index = after + 1
            due = clock().now()  # events fall due on a fixed schedule from the first: a
            # clock moved while an event was being sent counts, and pacing does not drift
            while not settings.count or index <= settings.count:
                if index > after + 1:
                    due += settings.interval
                    await wait(clock(), due - clock().now())
                event = make(seed + index)
                event.id = index
                yield event
                index += 1
        finally:
            _open -= 1

    return event_stream(events(), settings.heartbeat)


def _event_maker(op: Operation, media: Media, faker: Any) -> Callable[[int], ServerSentEvent]:
    root = op.compiler.doc.root
    node = _node(root, media.pointer.removesuffix("/schema"))
    item = node.get("itemSchema") if isinstance(node, dict) else None
    if isinstance(item, dict):
        whole = op.compiler.builder(item)
        data = _flat(root, item).get("properties", {}).get("data")
        content = _flat(root, data).get("contentSchema") if isinstance(data, dict) else None
        payload = op.compiler.builder(content) if content is not None else None

        def framed(seed: int) -> ServerSentEvent:
            value = whole(Ctx(random.Random(seed), faker))
            value = value if isinstance(value, dict) else {"data": value}
            body = payload(Ctx(random.Random(seed), faker)) if payload else value.get("data")
            event = value.get("event")
            retry = value.get("retry")
            return ServerSentEvent(
                body if body is not None else "",
                event if isinstance(event, str) and event else None,
                retry=retry if isinstance(retry, int) and retry >= 0 else None,
            )

        return framed
    schema = node.get("x-specmock-event-schema") if isinstance(node, dict) else None
    schema = schema if schema is not None else media.schema
    if schema is None:
        return lambda seed: ServerSentEvent(f"event {seed}")
    builder = op.compiler.builder(schema)
    return lambda seed: ServerSentEvent(builder(Ctx(random.Random(seed), faker)))


def _node(root: dict[str, Any], pointer: str) -> Any:
    """The document node at a JSON pointer, following `$ref`s met on the way."""
    node: Any = root
    for token in pointer.removeprefix("#").split("/")[1:]:
        node = _flat(root, node)
        key = unescape_token(token)
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _flat(root: dict[str, Any], node: Any) -> dict[str, Any]:
    """A schema with its top-level `$ref` followed (to read its properties)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 16:
        try:
            node = resolve(root, node["$ref"])
        except (KeyError, IndexError, ValueError):
            return {}
        seen += 1
    return node if isinstance(node, dict) else {}
