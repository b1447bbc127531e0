"""`POST /v1/chat/completions`: the reply decided once, then sent whole or as chunks the
SDKs parse (a role delta, content or tool-call deltas, the finish reason, the usage chunk
of `stream_options.include_usage`, then `data: [DONE]`)."""

from __future__ import annotations

from typing import Any

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
    prompt = prompt_of(body)
    turn = await service.decide(ctx, prompt, max(1, int(body.get("n") or 1)))
    if turn.refusal is not None:
        return turn.refusal
    head = {
        "id": service.text.ident("chatcmpl-", turn.seed),
        "created": turn.created,
        "model": prompt.model,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }
    if not body.get("stream"):
        choices = [
            {"index": i, "message": message(a), "logprobs": None, "finish_reason": a.finish}
            for i, a in enumerate(turn.answers)
        ]
        return Reply(
            {
                "id": head["id"],
                "object": "chat.completion",
                **{k: v for k, v in head.items() if k != "id"},
                "choices": choices,
                "usage": service.usage_chat(turn.answers),
            }
        )
    usage = bool((body.get("stream_options") or {}).get("include_usage"))
    chunks = list(_chunks(head, turn.answers, usage))
    tps, ttft = service.pacing(ctx)
    stream = streaming.paced(chunks, ctx.current_clock, turn.fault, tps, ttft, streaming.DONE)
    return Reply(
        stream=stream, media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


def _chunks(head: dict[str, Any], answers: list[Answer], usage: bool) -> Any:
    base = {
        "id": head["id"],
        "object": "chat.completion.chunk",
        **{k: v for k, v in head.items() if k != "id"},
    }

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return streaming.data({**base, "choices": [choice]})

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
        yield streaming.data({**base, "choices": [], "usage": service.usage_chat(answers)})


def _argument_pieces(arguments: str, size: int = 16) -> list[str]:
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
