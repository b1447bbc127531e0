"""Failures an LLM client must survive, asked for by a rule's `fault` or a request header:

    X-Specmock-LLM-Fault: rate_limit
    X-Specmock-LLM-Fault: first_byte_ms=800, drop_after=3
    X-Specmock-LLM-Fault: error_after=2
    X-Specmock-LLM-Fault: no_done

- `rate_limit` (or `rate_limit=SECONDS`): 429 `rate_limit_exceeded` with `retry-after`
  and `x-ratelimit-*` headers, before any work.
- `first_byte_ms=N`: nothing is sent for N ms (on the server's clock).
- `drop_after=N`: a stream's connection is cut after N chunks.
- `error_after=N`: after N chunks an error event is sent and the stream ends.
- `no_done`: a chat or completions stream ends without `data: [DONE]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEADER = "x-specmock-llm-fault"
_NAMES = ("rate_limit", "first_byte_ms", "drop_after", "error_after", "no_done")


@dataclass(frozen=True)
class LLMFault:
    rate_limit: int | None = None  # retry-after seconds
    first_byte_ms: float = 0.0
    drop_after: int | None = None
    error_after: int | None = None
    no_done: bool = False


def parse(given: dict[str, Any], where: str) -> LLMFault:
    """Check and convert; ValueError names the field and what it must be."""
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name not in _NAMES:
            raise ValueError(f"{where}: unknown fault {name!r}; known: {', '.join(_NAMES)}")
        if name == "no_done":
            values[name] = value not in (False, "false", "0")
            continue
        if name == "rate_limit" and value in (True, None, ""):
            values[name] = 1
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {name} must be a number, not {value!r}") from None
        if number < 0:
            raise ValueError(f"{where}: {name} must not be negative")
        values[name] = (
            number
            if name == "first_byte_ms"
            else max(1, int(number))
            if name == "rate_limit"
            else int(number)
        )
    return LLMFault(**values)


def from_header(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    out: dict[str, Any] = {}
    for item in text.split(","):
        name, sep, value = item.strip().partition("=")
        if name:
            out[name.strip()] = value.strip() if sep else True
    return out
