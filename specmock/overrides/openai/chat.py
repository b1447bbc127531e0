"""`POST /v1/chat/completions`: the reply decided once, then sent whole or as chunks the
SDKs parse (a role delta, content or tool-call deltas, the finish reason, the usage chunk
of `stream_options.include_usage`, then `data: [DONE]`)."""

from __future__ import annotations

from typing import Any

import orjson

from specmock import Context, Reply, override

from . import service, streaming, tokens
from .compose import Answer, Prompt, Tool

FINGERPRINT = "fp_specmock"


def prompt_of(body: dict[str, Any]) -> Prompt:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    users = [m for m in messages if m.get("role") == "user"]
    last_user = service.text_of(users[-1].get("content")) if users else ""
    tools = [
        Tool(t["function"]["name"], t["function"].get("parameters"))
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function" and "function" in t
    ]
    trailing: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        trailing.insert(0, service.text_of(message.get("content")))
    fmt = body.get("response_format") or {}
    schema = (
        (fmt.get("json_schema") or {}).get("schema") if fmt.get("type") == "json_schema" else None
    )
    return Prompt(
        model=str(body.get("model", "")),
        body=body,
        last_user=last_user,
        prompt_tokens=tokens.message_tokens(messages) + tokens.tools_tokens(body.get("tools")),
        tools=tools,
        tool_choice=body.get("tool_choice") or "auto",
        parallel=body.get("parallel_tool_calls") is not False,
        schema=schema
        if isinstance(schema, dict)
        else ({} if fmt.get("type") == "json_schema" else None),
        json_object=fmt.get("type") == "json_object",
        limit=service.token_limit(body.get("max_completion_tokens") or body.get("max_tokens")),
        tool_results=trailing if trailing else None,
    )


def message(answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "role": "assistant",
        "content": answer.content,
        "refusal": None,
        "annotations": [],
    }
    if answer.tool_calls:
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in answer.tool_calls
        ]
    return out


@override("openai:createChatCompletion")
async def create_chat_completion(ctx: Context) -> Reply:
    body = ctx.body or {}
    turn = await service.decide(ctx, lambda: prompt_of(body), max(1, int(body.get("n") or 1)))
    if turn.refusal is not None:
        return turn.refusal
    if not body.get("stream"):
        whole = turn.framed.get("chat") or turn.framed.setdefault("chat", _whole(turn))
        return Reply(
            {"id": whole[0], "object": "chat.completion", "created": turn.created, **whole[1]},
            settled_until=turn.settled_until,
        )
    usage = bool((body.get("stream_options") or {}).get("include_usage"))
    opening, tails = turn.framed.get("chunks") or turn.framed.setdefault(
        "chunks", _framed_chunks(turn, usage)
    )
    created = str(turn.created).encode()
    chunks = [opening + created + tail for tail in tails]
    tps, ttft = service.pacing(ctx)
    return streaming.reply(chunks, ctx.current_clock, turn.fault, tps, ttft, streaming.DONE)


def _tail(turn: service.Turn) -> dict[str, Any]:
    """The fields after `created`, the same in every chunk and in the whole reply."""
    assert turn.prompt is not None
    return {
        "model": turn.prompt.model,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def _whole(turn: service.Turn) -> tuple[str, dict[str, Any]]:
    """The unstreamed reply but its `id`, `object` and `created` (read from the clock)."""
    choices = [
        {"index": i, "message": message(a), "logprobs": None, "finish_reason": a.finish}
        for i, a in enumerate(turn.answers)
    ]
    rest = {**_tail(turn), "choices": choices, "usage": service.usage_chat(turn.answers)}
    return service.text.ident("chatcmpl-", turn.seed), rest


def _framed_chunks(turn: service.Turn, usage: bool) -> tuple[bytes, list[bytes]]:
    """Every chunk encoded once, split around its `created` value: the opening (`data:`,
    `id`, `object`) and, per chunk, what follows the number."""
    ident = service.text.ident("chatcmpl-", turn.seed)
    opening = (
        b'data: {"id":' + orjson.dumps(ident) + b',"object":"chat.completion.chunk","created":'
    )
    tails = [
        b"," + orjson.dumps(rest)[1:] + b"\n\n"
        for rest in _chunks(_tail(turn), turn.answers, usage)
    ]
    return opening, tails


def _chunks(base: dict[str, Any], answers: list[Answer], usage: bool) -> Any:
    """Each chunk's fields after `created`, in order."""

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice]}

    for i, answer in enumerate(answers):
        first: dict[str, Any] = {
            "role": "assistant",
            "content": "" if answer.pieces else None,
            "refusal": None,
        }
        yield chunk(i, first)
        for piece in answer.pieces:
            yield chunk(i, {"content": piece})
        for n, call in enumerate(answer.tool_calls):
            yield chunk(
                i,
                {
                    "tool_calls": [
                        {
                            "index": n,
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                },
            )
            for piece in _argument_pieces(call.arguments):
                yield chunk(i, {"tool_calls": [{"index": n, "function": {"arguments": piece}}]})
        yield chunk(i, {}, answer.finish)
    if usage:
        yield {**base, "choices": [], "usage": service.usage_chat(answers)}


def _argument_pieces(arguments: str, size: int = 16) -> list[str]:
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
