"""Sending a reply as a stream: paced on the server's clock, with the faults a test asked
for acted out at the chunk they name.

Chunks are built before the first one is sent, so the stream and the unstreamed reply
are the same answer; pacing only spaces them (`--option llm_ttft_ms=` before the first,
`llm_tokens_per_second=` between the rest).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

from specmock import Clock, DropConnection, Reply, ServerSentEvent, wait

from .errors import stream_error_event
from .faults import LLMFault

DONE = b"data: [DONE]\n\n"
HEADERS = {"cache-control": "no-cache"}


def data(value: Any) -> bytes:
    """One `data:` event holding JSON (chat and completions chunks)."""
    return b"data: " + orjson.dumps(value) + b"\n\n"


def typed(value: dict[str, Any]) -> bytes:
    """One Responses API event: `event:` names its type, `data:` holds it."""
    return ServerSentEvent(value, event=str(value.get("type"))).encode()


def reply(
    chunks: list[bytes],
    clock: Callable[[], Clock],
    fault: LLMFault,
    tokens_per_second: float,
    ttft_ms: float,
    done: bytes | None,
    error_chunk: Callable[[], bytes] = lambda: data(stream_error_event()),
) -> Reply:
    """The stream as an answer. Unpaced, every chunk is ready at once: they go out as the
    body's first piece, right behind the headers (one write, no wait for the stream to be
    polled), and only a dropped connection is left for the stream itself to act out."""
    if tokens_per_second > 0 or ttft_ms > 0:
        stream = paced(chunks, clock, fault, tokens_per_second, ttft_ms, done, error_chunk)
        return Reply(stream=stream, media_type="text/event-stream", headers=HEADERS)
    pieces, dropped = _unpaced(chunks, fault, done, error_chunk)
    return Reply(
        raw=b"".join(pieces),
        stream=_dropped(dropped) if dropped is not None else _nothing(),
        media_type="text/event-stream",
        headers=HEADERS,
    )


async def paced(
    chunks: list[bytes],
    clock: Callable[[], Clock],
    fault: LLMFault,
    tokens_per_second: float,
    ttft_ms: float,
    done: bytes | None,
    error_chunk: Callable[[], bytes] = lambda: data(stream_error_event()),
) -> AsyncIterator[bytes]:
    """The chunks in order, each after its wait, then `done`; cut, broken or left
    unfinished as `fault` says."""
    if ttft_ms > 0:
        await wait(clock(), ttft_ms / 1000)
    gap = 1 / tokens_per_second if tokens_per_second > 0 else 0.0
    if not gap:
        pieces, dropped = _unpaced(chunks, fault, done, error_chunk)
        if pieces:
            yield b"".join(pieces)
        if dropped is not None:
            raise DropConnection(f"connection dropped after {dropped} chunks, as asked")
        return
    for index, chunk in enumerate(chunks):
        if fault.drop_after is not None and index >= fault.drop_after:
            raise DropConnection(f"connection dropped after {index} chunks, as asked")
        if fault.error_after is not None and index >= fault.error_after:
            yield error_chunk()
            return
        if index:
            await wait(clock(), gap)
        yield chunk
    if done is not None and not fault.no_done:
        yield done


def _unpaced(
    chunks: list[bytes], fault: LLMFault, done: bytes | None, error_chunk: Callable[[], bytes]
) -> tuple[list[bytes], int | None]:
    """What an unpaced stream sends, and after how many chunks it drops (None: it ends)."""
    end = len(chunks)
    if fault.drop_after is not None:
        end = min(end, fault.drop_after)
    if fault.error_after is not None:
        end = min(end, fault.error_after)
    pieces = chunks[:end]
    if end == len(chunks):
        if done is not None and not fault.no_done:
            pieces.append(done)
        return pieces, None
    if fault.drop_after == end:  # a drop wins a tie with an error event
        return pieces, end
    pieces.append(error_chunk())
    return pieces, None


async def _dropped(count: int) -> AsyncIterator[bytes]:
    raise DropConnection(f"connection dropped after {count} chunks, as asked")
    yield b""  # pragma: no cover - makes this an async generator


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator
