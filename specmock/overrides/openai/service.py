"""What every endpoint of the LLM service reads from a request before answering: the seed,
the rules file, the faults asked for, the pacing settings, the context window check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from specmock import Context, Reply, wait

from . import errors, faults, memo, models, rules, text
from .compose import Answer, Prompt, Refusal, compose


@dataclass
class Decision:
    """What a request decides whatever the time: its prompt, its answers (or the error
    reply that replaces them), its fault and seed. Kept by `memo` and shared by every
    request with the same body, so nothing may change it once made."""

    prompt: Prompt | None
    answers: list[Answer]
    fault: faults.LLMFault
    seed: int
    refusal: Reply | None = None
    # each endpoint's encoded framing of the answers, built on first use (see chat.py)
    framed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """One request's decided answer, or the error reply that replaces it."""

    answers: list[Answer]
    fault: faults.LLMFault
    seed: int
    created: int
    refusal: Reply | None = None
    prompt: Prompt | None = None
    framed: dict[str, Any] = field(default_factory=dict)
    # the whole reply may be given again to the same request until `created` changes:
    # no rules file (it may be edited), no fault, no refusal
    settled_until: float | None = None


async def decide(ctx: Context, prompt_of: Callable[[], Prompt], choices: int = 1) -> Turn:
    """The request's answers (composed once per distinct request, see memo.py), then the
    parts that happen every time: the clock read, the first-byte wait."""
    base = ctx.rng.getrandbits(64)
    rules_file = ctx.option("llm_rules")
    header = ctx.headers.get(faults.HEADER)
    key = memo.key(ctx.operation_id, base, header, choices, raw=ctx.raw_body, rules=rules_file)
    decision = memo.get(key)
    if decision is None:
        decision = _decision(ctx.body, prompt_of, base, rules_file, header, choices)
        memo.put(key, decision)
    created = int(ctx.current_clock().now())
    fault = decision.fault
    if decision.refusal is None and fault.first_byte_ms:
        await wait(ctx.current_clock(), fault.first_byte_ms / 1000)
    # without a rules file or a fault header no fault can be decided (faults come from those)
    quiet = rules_file is None and header is None and decision.refusal is None
    return Turn(
        decision.answers,
        fault,
        decision.seed,
        created,
        decision.refusal,
        decision.prompt,
        decision.framed,
        created + 1 if quiet else None,
    )


def _decision(
    body: Any,
    prompt_of: Callable[[], Prompt],
    base: int,
    rules_file: str | None,
    header: str | None,
    choices: int,
) -> Decision:
    seed = text.request_seed(base, body)
    try:
        asked = faults.parse(faults.from_header(header), faults.HEADER)
    except ValueError as exc:
        return Decision(None, [], faults.LLMFault(), seed, errors.invalid(str(exc)))
    prompt = prompt_of()
    entry = models.model(prompt.model)
    needed = prompt.prompt_tokens + (prompt.limit or 0)
    if needed > entry.context_window:
        refusal = errors.context_length(entry.context_window, needed)
        return Decision(prompt, [], asked, seed, refusal)
    try:
        answers = [compose(prompt, seed + i * 7919, rules_file) for i in range(choices)]
        ruled = faults.parse(answers[0].fault, "llm_rules fault") if answers[0].fault else None
    except rules.RulesError as exc:
        return Decision(prompt, [], asked, seed, errors.invalid(str(exc)))
    except Refusal as exc:
        return Decision(prompt, [], asked, seed, errors.invalid(str(exc), exc.param))
    except ValueError as exc:
        return Decision(prompt, [], asked, seed, errors.invalid(str(exc)))
    fault = asked if header else ruled or asked
    if fault.rate_limit is not None:
        refusal = errors.rate_limited(prompt.model, fault.rate_limit)
        return Decision(prompt, [], fault, seed, refusal)
    return Decision(prompt, answers, fault, seed)


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
