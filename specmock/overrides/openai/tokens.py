"""Token counts without a tokenizer: an offline approximation, the same on every machine.

Real BPE tokenizers need vocabulary files; specmock downloads nothing at run time. The
rule: text splits into runs of letters, runs of up to three digits, and single other
non-space characters; a run of letters is one token per four letters (rounded up), every
other piece is one token. English prose comes out near OpenAI's own rule of thumb (a token
is about four characters). Counts are additive over words, so the tokens of a streamed
reply add up to the usage of the same reply unstreamed.

A chat message costs its content plus 3 tokens of framing (4 with a `name`), and a reply
is primed with 3 more, as in OpenAI's published counting recipe.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

_PIECE = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_")
IMAGE_TOKENS = 85  # what a low-detail image costs


def count(text: str) -> int:
    """The approximate tokens of a text."""
    total = 0
    for piece in _PIECE.findall(text):
        total += math.ceil(len(piece) / 4) if piece[0].isalpha() else 1
    return total


def content_tokens(content: Any) -> int:
    """Tokens of a message content: a string, or a list of typed parts."""
    if content is None:
        return 0
    if isinstance(content, str):
        return count(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if isinstance(part, dict):
                kind = str(part.get("type", ""))
                if "image" in kind or "file" in kind or "audio" in kind:
                    total += IMAGE_TOKENS
                else:
                    total += count(str(part.get("text") or part.get("refusal") or ""))
            else:
                total += count(str(part))
        return total
    return count(orjson.dumps(content).decode())


def message_tokens(messages: list[Any]) -> int:
    """Prompt tokens of a chat request's messages (tool calls count as their JSON)."""
    total = 3
    for message in messages:
        if not isinstance(message, dict):
            continue
        total += 3 + content_tokens(message.get("content"))
        if message.get("name"):
            total += 1 + count(str(message["name"]))
        for call in message.get("tool_calls") or []:
            total += count(orjson.dumps(call).decode())
    return total


def tools_tokens(tools: list[Any] | None) -> int:
    """Tool definitions are sent to the model as text too."""
    return sum(count(orjson.dumps(tool).decode()) for tool in tools or [])
