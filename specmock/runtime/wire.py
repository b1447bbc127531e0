"""Sending answers, including the broken ones failure injection asks for.

Connection faults need the socket: uvicorn's `send` is a bound method of its
request cycle, which holds the transport. Where there is none (an in-process
test client), a connection fault degrades to a 500 problem and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from .responder import Outgoing
from .sse import DropConnection


def _transport(send: Any) -> asyncio.Transport | None:
    return getattr(getattr(send, "__self__", None), "transport", None)


# control characters end a header line or are refused by the server: never sent in a value
_UNSAFE = {c: "?" for c in [*range(0, 9), *range(10, 32), 127]}


def _headers(out: Outgoing, request_id: str, length: bool = True) -> list[tuple[bytes, bytes]]:
    headers = []
    given = bool(out.headers) and any(k.lower() == "content-length" for k, _ in out.headers)
    if length and not given and out.stream is None and out.status not in (204, 304):
        headers.append((b"content-length", str(len(out.body)).encode()))
    if out.media_type:
        headers.append((b"content-type", out.media_type.encode()))
    headers.append((b"x-request-id", request_id.encode("latin-1", "replace")))
    headers.extend(
        (k.lower().encode(), v.translate(_UNSAFE).encode("latin-1", "replace"))
        for k, v in out.headers
    )
    return headers


async def send_answer(
    send: Any, out: Outgoing, request_id: str, head: bool, receive: Any = None
) -> None:
    """Send an answer; a streamed one stops when the client leaves (seen on `receive`) or
    is cut short when its stream raises DropConnection."""
    await send(
        {"type": "http.response.start", "status": out.status, "headers": _headers(out, request_id)}
    )
    if out.stream is None or head:
        if out.stream is not None and hasattr(out.stream, "aclose"):
            await out.stream.aclose()
        await send({"type": "http.response.body", "body": b"" if head else out.body})
        return
    if out.body:
        await send({"type": "http.response.body", "body": out.body, "more_body": True})
    try:
        finished = await _pump(send, receive, out.stream)
    except DropConnection:
        transport = _transport(send)
        if transport is not None:
            transport.abort()
            return
        finished = True
    finally:
        if hasattr(out.stream, "aclose"):
            await out.stream.aclose()
    if finished:
        await send({"type": "http.response.body", "body": b""})


async def _pump(send: Any, receive: Any, stream: Any) -> bool:
    """Send the stream's chunks; False when the client left first."""

    async def chunks() -> bool:
        async for chunk in stream:
            if _gone(send):
                return False
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        return True

    if receive is None:
        return await chunks()
    sending = asyncio.ensure_future(chunks())
    watching = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({sending, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sending, watching):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if sending.cancelled():
        return False
    return sending.result()


async def _disconnected(receive: Any) -> None:
    while (await receive()).get("type") != "http.disconnect":
        pass


def _gone(send: Any) -> bool:
    """uvicorn drops what is sent after a disconnect without saying so: look for it."""
    cycle = getattr(send, "__self__", None)
    if getattr(cycle, "disconnected", False):
        return True
    transport = getattr(cycle, "transport", None)
    return bool(transport is not None and transport.is_closing())


async def send_fault(
    send: Any, receive: Any, out: Outgoing, request_id: str, fault: str, seconds: float
) -> bool:
    """Misbehave as asked; False when the transport is out of reach."""
    if fault == "dribble":
        await _dribble(send, out, request_id, seconds)
        return True
    transport = _transport(send)
    if transport is None:
        return False
    if fault == "timeout":
        await _wait_for_disconnect(receive, seconds)
        transport.close()
    elif fault == "reset":
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    elif fault == "empty":
        transport.close()
    elif fault == "truncated":
        await send(
            {
                "type": "http.response.start",
                "status": out.status,
                "headers": _headers(out, request_id),
            }
        )
        await send(
            {
                "type": "http.response.body",
                "body": out.body[: len(out.body) // 2],
                "more_body": True,
            }
        )
        transport.close()
    elif fault == "malformed":
        await send(
            {
                "type": "http.response.start",
                "status": out.status,
                "headers": _headers(out, request_id, length=False),
            }
        )
        transport.write(b"zz\r\nthis is not a chunk\r\n")
        transport.close()
    await asyncio.sleep(0)  # let the server see the connection is gone before it answers
    return True


async def _dribble(send: Any, out: Outgoing, request_id: str, seconds: float) -> None:
    await send(
        {"type": "http.response.start", "status": out.status, "headers": _headers(out, request_id)}
    )
    pieces = max(1, min(len(out.body), 10))
    size = -(-len(out.body) // pieces) if out.body else 0
    for i in range(pieces):
        await asyncio.sleep(seconds / pieces)
        chunk = out.body[i * size : (i + 1) * size]
        await send({"type": "http.response.body", "body": chunk, "more_body": i < pieces - 1})


async def _wait_for_disconnect(receive: Any, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_disconnected(receive), timeout=seconds)
