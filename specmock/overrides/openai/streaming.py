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

from specmock import Clock, DropConnection, ServerSentEvent, wait

from .errors import stream_error_event
from .faults import LLMFault

DONE = b"data: [DONE]\n\n"


def data(value: Any) -> bytes:
    """One `data:` event holding JSON (chat and completions chunks)."""
    return b"data: " + orjson.dumps(value) + b"\n\n"


def typed(value: dict[str, Any]) -> bytes:
    """One Responses API event: `event:` names its type, `data:` holds it."""
    return ServerSentEvent(value, event=str(value.get("type"))).encode()


async def paced(
    chunks: list[bytes],
    clock: Callable[[], Clock],
    fault: LLMFault,
    tokens_per_second: float,
    ttft_ms: float,
    done: bytes | None,
    error_chunk: Callable[[], bytes] = lambda: data(stream_error_event()),
) -> AsyncIterator[bytes]:
    """The chunks in order, then `done`; cut, broken or left unfinished as `fault` says.

    Chunks with no wait between them go out together, one write instead of one per chunk:
    unpaced, the whole stream is a single piece (the client sees the same bytes, sooner)."""
    if ttft_ms > 0:
        await wait(clock(), ttft_ms / 1000)
    gap = 1 / tokens_per_second if tokens_per_second > 0 else 0.0
    end = len(chunks)
    if fault.drop_after is not None:
        end = min(end, fault.drop_after)
    if fault.error_after is not None:
        end = min(end, fault.error_after)
    cut = end < len(chunks)
    dropped = cut and fault.drop_after == end  # a drop wins a tie with an error event
    if not gap:
        pieces = chunks[:end]
        if not cut and done is not None and not fault.no_done:
            pieces.append(done)
        elif cut and not dropped:
            pieces.append(error_chunk())
        if pieces:
            yield b"".join(pieces)
        if dropped:
            raise DropConnection(f"connection dropped after {end} chunks, as asked")
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
