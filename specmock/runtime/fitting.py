"""Stored items served the way the reader declares them.

An item is stored as its create answered it, and most specs read it back in the same
shape. Some do not: OpenAI's certificates are created without the `active` flag their
list requires. Rather than answer such a read by breaking the contract, the stored item
is laid over a generated item of the reader's shape, keeping each stored field the
reader's schema allows. This runs only for an answer that failed its check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..generator.fake import Builder
from ..generator.plan import Media, Operation
from ..generator.schema import Bundle, flatten
from ..generator.validators import compile_validator
from .responder import Responder

_ITEMS: dict[tuple[int, str], tuple[Operation, tuple[Any, Builder] | None]] = {}


def fitted(base: dict[str, Any], item: dict[str, Any], validator: Any) -> dict[str, Any]:
    """`base` with every field of `item` it can take and stay valid, one at a time."""
    candidate = {**base, **item}
    if validator.is_valid(candidate):
        return candidate
    out = dict(base)
    for name, value in item.items():
        trial = {**out, name: value}
        if validator.is_valid(trial):
            out = trial
    return out


def read_fit(responder: Responder, op: Operation, status: int, seed: int) -> Callable[[Any], Any]:
    """For a read: the stored item over a generated answer of the read's own shape."""

    def fit(item: Any) -> Any:
        validator = responder.validator_for(op, status)
        base = responder.generate(op, status, None, seed)
        if validator is None or not isinstance(item, dict) or not isinstance(base, dict):
            return item
        return fitted(base, item, validator)

    return fit


def page_fit(
    responder: Responder, op: Operation, status: int, media: Media, where: str, seed: int
) -> Callable[[Any], Any]:
    """For a list: each stored item that breaks the list's item schema, fitted to it."""

    def fit(body: Any) -> Any:
        tools = _item_tools(op, media, where)
        items = body if where == "" else body.get(where) if isinstance(body, dict) else None
        if tools is None or not isinstance(items, list):
            return body
        validator, builder = tools
        kept = []
        for n, item in enumerate(items):
            if isinstance(item, dict) and not validator.is_valid(item):
                base = builder(responder.context(seed + n))
                item = fitted(base, item, validator) if isinstance(base, dict) else item
            kept.append(item)
        return kept if where == "" else {**body, where: kept}

    return fit


def _item_tools(op: Operation, media: Media, where: str) -> tuple[Any, Builder] | None:
    """A validator and a builder of the list's item schema, made once per operation (only
    lists whose items ever needed fitting pay for them)."""
    key = (id(op), where)
    found = _ITEMS.get(key)
    if found is None or found[0] is not op:
        bundle = op.compiler.bundle(media.schema, "response")
        holder = flatten(bundle.schema, bundle.defs)
        if where and isinstance(holder, dict):
            holder = flatten((holder.get("properties") or {}).get(where), bundle.defs)
        node = holder.get("items") if isinstance(holder, dict) else None
        item = Bundle(node, bundle.defs)
        tools = (compile_validator(item), Builder(item)) if isinstance(node, dict) else None
        found = _ITEMS[key] = (op, tools)
    return found[1]
