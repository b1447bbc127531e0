"""`POST /v1/completions` (the legacy text endpoint) and the model list."""

from __future__ import annotations

from specmock import Context, Reply, override

from . import models, service, streaming, text, tokens
from .compose import Prompt


@override("openai:createCompletion")
async def create_completion(ctx: Context) -> Reply:
    body = ctx.body or {}
    given = body.get("prompt")
    prompts = given if isinstance(given, list) and all(isinstance(p, str) for p in given) else None
    prompt_text = "\n".join(prompts) if prompts is not None else str(given or "")
    prompt = Prompt(
        model=str(body.get("model", "")),
        body=body,
        last_user=prompt_text,
        prompt_tokens=tokens.count(prompt_text),
        limit=service.token_limit(body.get("max_tokens"), 16),
    )
    turn = await service.decide(ctx, lambda: prompt, max(1, int(body.get("n") or 1)))
    if turn.refusal is not None:
        return turn.refusal
    head = {
        "id": text.ident("cmpl-", turn.seed),
        "object": "text_completion",
        "created": turn.created,
        "model": prompt.model,
        "system_fingerprint": "fp_specmock",
    }
    if not body.get("stream"):
        choices = [
            {"text": a.content or "", "index": i, "logprobs": None, "finish_reason": a.finish}
            for i, a in enumerate(turn.answers)
        ]
        usage = service.usage_chat(turn.answers)
        usage = {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
        return Reply({**head, "choices": choices, "usage": usage})
    chunks: list[bytes] = []
    for i, answer in enumerate(turn.answers):
        for piece in answer.pieces:
            choice = {"text": piece, "index": i, "logprobs": None, "finish_reason": None}
            chunks.append(streaming.data({**head, "choices": [choice]}))
        last = {"text": "", "index": i, "logprobs": None, "finish_reason": answer.finish}
        chunks.append(streaming.data({**head, "choices": [last]}))
    tps, ttft = service.pacing(ctx)
    return streaming.reply(chunks, ctx.current_clock, turn.fault, tps, ttft, streaming.DONE)


@override("openai:listModels")
def list_models(ctx: Context) -> Reply:
    return Reply(models.listing())


@override("openai:retrieveModel")
def retrieve_model(ctx: Context) -> Reply:
    """Any name is a model here (unknown ones get the default window), as in the chat path."""
    return Reply(models.described(models.model(ctx.path_params.get("model", ""))))
