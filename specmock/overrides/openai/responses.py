"""`POST /v1/responses`: the Responses API, whole or as its typed events
(`response.created` ... `response.output_text.delta` ... `response.completed`), each
with a `sequence_number`; the final event carries the same response the unstreamed
request gets."""

from __future__ import annotations

import copy
from typing import Any

from specmock import Context, Reply, override

from . import service, streaming, text, tokens
from .compose import Answer, Prompt, Tool


def prompt_of(body: dict[str, Any]) -> Prompt:
    given = body.get("input")
    items = [{"role": "user", "content": given}] if isinstance(given, str) else given or []
    items = [i for i in items if isinstance(i, dict)]
    users = [i for i in items if i.get("role") == "user"]
    last_user = service.text_of(users[-1].get("content")) if users else ""
    trailing: list[str] = []
    for item in reversed(items):
        if item.get("type") != "function_call_output":
            break
        output = item.get("output")
        trailing.insert(0, output if isinstance(output, str) else service.text_of(output))
    used = 3 + tokens.count(str(body.get("instructions") or ""))
    for item in items:
        if item.get("type") in ("function_call_output", "function_call"):
            used += 3 + tokens.count(str(item.get("output") or item.get("arguments") or ""))
        else:
            used += 3 + tokens.content_tokens(item.get("content"))
    tools = [
        Tool(str(t.get("name")), t.get("parameters"))
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function" and t.get("name")
    ]
    fmt = (body.get("text") or {}).get("format") or {}
    schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
    return Prompt(
        model=str(body.get("model", "")),
        body=body,
        last_user=last_user,
        prompt_tokens=used + tokens.tools_tokens(body.get("tools")),
        tools=tools,
        tool_choice=body.get("tool_choice") or "auto",
        parallel=body.get("parallel_tool_calls") is not False,
        schema=schema if isinstance(schema, dict) else None,
        json_object=fmt.get("type") == "json_object",
        limit=service.token_limit(body.get("max_output_tokens")),
        tool_results=trailing or None,
    )


def output_of(answer: Answer, seed: int) -> list[dict[str, Any]]:
    if answer.tool_calls:
        return [
            {
                "id": text.ident("fc_", seed + i),
                "type": "function_call",
                "status": "completed",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
            }
            for i, call in enumerate(answer.tool_calls)
        ]
    part = {"type": "output_text", "text": answer.content or "", "annotations": [], "logprobs": []}
    message = {
        "id": text.ident("msg_", seed),
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [part],
    }
    return [message]


def response_of(body: dict[str, Any], answer: Answer, seed: int, created: int) -> dict[str, Any]:
    cut = answer.finish == "length"
    fmt = (body.get("text") or {}).get("format") or {"type": "text"}
    return {
        "id": text.ident("resp_", seed, 48),
        "object": "response",
        "created_at": created,
        "status": "incomplete" if cut else "completed",
        "completed_at": None if cut else created,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": str(body.get("model", "")),
        "output": output_of(answer, seed),
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": None,
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": fmt},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": [t for t in body.get("tools") or [] if t.get("type") == "function"],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": {
            "input_tokens": answer.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": answer.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": answer.total_tokens,
        },
        "metadata": body.get("metadata") or {},
    }


@override("openai:createResponse")
async def create_response(ctx: Context) -> Reply:
    body = ctx.body or {}
    turn = await service.decide(ctx, lambda: prompt_of(body))
    if turn.refusal is not None:
        return turn.refusal
    final = response_of(body, turn.answers[0], turn.seed, turn.created)
    if not body.get("stream"):
        return Reply(final)
    events = _events(final)
    tps, ttft = service.pacing(ctx)

    def error_event() -> bytes:
        return streaming.typed(
            {
                "type": "error",
                "code": "server_error",
                "message": "The server had an error while processing your request.",
                "param": None,
                "sequence_number": 0,
            }
        )

    return streaming.reply(
        events, ctx.current_clock, turn.fault, tps, ttft, None, error_chunk=error_event
    )


def _events(final: dict[str, Any]) -> list[bytes]:
    out: list[dict[str, Any]] = []
    pending = {
        **copy.deepcopy(final),
        "status": "in_progress",
        "completed_at": None,
        "output": [],
        "incomplete_details": None,
    }
    pending.pop("usage")
    out.append({"type": "response.created", "response": pending})
    out.append({"type": "response.in_progress", "response": pending})
    for index, item in enumerate(final["output"]):
        started = {**item, "status": "in_progress"}
        if item["type"] == "message":
            started["content"] = []
            out.append(
                {"type": "response.output_item.added", "output_index": index, "item": started}
            )
            part = item["content"][0]
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            empty = {**part, "text": ""}
            out.append({"type": "response.content_part.added", **where, "part": empty})
            for piece in text.split(part["text"]):
                delta = {"type": "response.output_text.delta", **where, "delta": piece}
                out.append({**delta, "logprobs": []})
            done = {"type": "response.output_text.done", **where, "text": part["text"]}
            out.append({**done, "logprobs": []})
            out.append({"type": "response.content_part.done", **where, "part": part})
        else:
            started["arguments"] = ""
            out.append(
                {"type": "response.output_item.added", "output_index": index, "item": started}
            )
            where = {"item_id": item["id"], "output_index": index}
            arguments = item["arguments"]
            for i in range(0, len(arguments), 16):
                piece = arguments[i : i + 16]
                out.append(
                    {"type": "response.function_call_arguments.delta", **where, "delta": piece}
                )
            out.append(
                {
                    "type": "response.function_call_arguments.done",
                    **where,
                    "name": item["name"],
                    "arguments": arguments,
                }
            )
        out.append({"type": "response.output_item.done", "output_index": index, "item": item})
    kind = "response.completed" if final["status"] == "completed" else "response.incomplete"
    out.append({"type": kind, "response": final})
    return [streaming.typed({**event, "sequence_number": n}) for n, event in enumerate(out)]
