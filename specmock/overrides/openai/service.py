"""What every endpoint of the LLM service reads from a request before answering: the seed,
the rules file, the faults asked for, the pacing settings, the context window check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specmock import Context, Reply, wait

from . import errors, faults, models, rules, text
from .compose import Answer, Prompt, Refusal, compose


@dataclass
class Turn:
    """One request's decided answer, or the error reply that replaces it."""

    answers: list[Answer]
    fault: faults.LLMFault
    seed: int
    created: int
    refusal: Reply | None = None


def seed_of(ctx: Context) -> int:
    """Server seed (through the context's seeded generator) and request body together."""
    base = ctx.rng.getrandbits(64)
    return text.request_seed(base, ctx.body)


async def decide(ctx: Context, prompt: Prompt, choices: int = 1) -> Turn:
    seed = seed_of(ctx)
    created = int(ctx.current_clock().now())
    try:
        asked = faults.parse(faults.from_header(ctx.headers.get(faults.HEADER)), faults.HEADER)
    except ValueError as exc:
        return Turn([], faults.LLMFault(), seed, created, errors.invalid(str(exc)))
    entry = models.model(prompt.model)
    needed = prompt.prompt_tokens + (prompt.limit or 0)
    if needed > entry.context_window:
        return Turn([], asked, seed, created, errors.context_length(entry.context_window, needed))
    try:
        answers = [
            compose(prompt, seed + i * 7919, ctx.option("llm_rules")) for i in range(choices)
        ]
        ruled = faults.parse(answers[0].fault, "llm_rules fault") if answers[0].fault else None
    except rules.RulesError as exc:
        return Turn([], asked, seed, created, errors.invalid(str(exc)))
    except Refusal as exc:
        return Turn([], asked, seed, created, errors.invalid(str(exc), exc.param))
    except ValueError as exc:
        return Turn([], asked, seed, created, errors.invalid(str(exc)))
    fault = asked if ctx.headers.get(faults.HEADER) else ruled or asked
    if fault.rate_limit is not None:
        return Turn([], fault, seed, created, errors.rate_limited(prompt.model, fault.rate_limit))
    if fault.first_byte_ms:
        await wait(ctx.current_clock(), fault.first_byte_ms / 1000)
    return Turn(answers, fault, seed, created)


def pacing(ctx: Context) -> tuple[float, float]:
    """(tokens per second, time to first token in ms); 0 means as fast as possible."""
    return (
        _number(ctx.option("llm_tokens_per_second", "0")),
        _number(ctx.option("llm_ttft_ms", "0")),
    )


def token_limit(value: Any, default: int | None = None) -> int | None:
    """A token limit as a whole number (JSON may send 30.0); absent gives the default."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return default
    return int(value)


def _number(value: str | None) -> float:
    try:
        return max(0.0, float(value or 0))
    except ValueError:
        return 0.0


def text_of(content: Any) -> str:
    """The words of a message content (a string or typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def usage_chat(answers: list[Answer]) -> dict[str, Any]:
    completion = sum(a.completion_tokens for a in answers)
    prompt = answers[0].prompt_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
