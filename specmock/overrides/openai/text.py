"""Seeded mock text and ids: a pure function of the server seed and the request body.

Two requests with the same body (streamed or not: `stream` and `stream_options` are left
out) get the same words, ids and token counts, in any process. The text says it is a mock,
so nobody mistakes it for a model's answer.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import orjson

from . import tokens

_OPENING = ("This", "is", "a", "deterministic", "mock", "reply", "from", "specmock.")
_WORDS = [
    "the",
    "reply",
    "covers",
    "a",
    "short",
    "summary",
    "of",
    "the",
    "request",
    "with",
    "plain",
    "words",
    "and",
    "no",
    "real",
    "model",
    "behind",
    "it",
    "so",
    "tests",
    "can",
    "rely",
    "on",
    "every",
    "byte",
    "staying",
    "the",
    "same",
    "between",
    "runs",
    "while",
    "the",
    "length",
    "follows",
    "the",
    "token",
    "budget",
    "the",
    "caller",
    "set",
    "for",
    "this",
    "answer",
    "in",
    "the",
    "mock",
    "service",
]
_IGNORED = ("stream", "stream_options", "user", "metadata", "store")
DEFAULT_RANGE = (16, 48)  # reply tokens when the request sets no limit
_COST = {word: tokens.count(word) for word in (*_OPENING, *_WORDS)}  # a space costs nothing


def request_seed(base: int, body: Any) -> int:
    """A 64-bit seed from the server's seed and the request body (stream flags aside)."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in _IGNORED}
    data = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.blake2b(data, digest_size=8, key=str(base).encode()[:64]).digest()
    return int.from_bytes(digest, "big")


def ident(prefix: str, seed: int, length: int = 24) -> str:
    """An id such as `chatcmpl-...` drawn from the seed."""
    digest = hashlib.blake2b(f"{prefix}{seed}".encode(), digest_size=16).hexdigest()
    return f"{prefix}{digest[:length]}"


def words(seed: int, limit: int | None) -> tuple[list[str], bool]:
    """The reply as pieces to stream (each a word with its leading space) and whether
    it was cut short by `limit` tokens (finish_reason "length")."""
    rng = random.Random(seed)
    natural = rng.randint(*DEFAULT_RANGE)
    budget = natural if limit is None else min(limit, natural)
    pieces: list[str] = []
    used = 0
    for word in (*_OPENING, *rng.choices(_WORDS, k=budget)):
        cost = _COST[word]
        if used + cost > budget:
            break
        pieces.append(" " + word if pieces else word)
        used += cost
    if pieces and not pieces[-1].endswith(".") and used < budget:
        pieces.append(".")
    return pieces, limit is not None and limit < natural


def split(text: str) -> list[str]:
    """A fixed text (a rule's reply, JSON) as stream pieces: words with their spaces."""
    pieces: list[str] = []
    start = 0
    for i, char in enumerate(text):
        if char == " " and i > start:
            pieces.append(text[start:i])
            start = i
    if start < len(text):
        pieces.append(text[start:])
    return pieces
