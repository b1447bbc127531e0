"""Reference app for bench/llm.py: bare Starlette answering `POST /v1/chat/completions`
with a fixed completion, or with a fixed 20-chunk stream ending in `data: [DONE]`.
No contract work, no decisions: the floor an LLM mock's cost is measured against.
Launched with `uvicorn llm_bare:create --factory --app-dir bench`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

COMPLETION = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1_700_000_000,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "A fixed reply from the bench."},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
}


def _chunk(delta: dict, finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


CHUNKS = [
    _chunk({"role": "assistant", "content": ""}),
    *[_chunk({"content": f" word{i}"}) for i in range(18)],
    _chunk({}, "stop"),
]


async def _stream() -> AsyncIterator[bytes]:
    for chunk in CHUNKS:
        yield chunk
    yield b"data: [DONE]\n\n"


async def chat(request: Request) -> Response:
    body = await request.json()
    if body.get("stream"):
        return StreamingResponse(_stream(), media_type="text/event-stream")
    return JSONResponse(COMPLETION)


def create() -> Starlette:
    """uvicorn --factory entry point."""
    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
