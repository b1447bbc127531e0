"""Decisions remembered: what the model "says" is a pure function of the request body's
bytes, the server seed, the rules file's contents and the fault header, so the same
request sent again is composed once and then only framed.

Only what does not depend on time is kept. `created` is read from the clock, and waits
and pacing are acted out, on every request. A rules file is known by its path, size and
modification time: editing it starts afresh, as the rules loader does. Bodies above
`BODY_LIMIT` bytes are not remembered (a long conversation is rarely sent twice, and the
cache must stay small); at most `SIZE` decisions are kept, least recently used first out.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any

SIZE = 512
BODY_LIMIT = 32 * 1024

_kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def key(*parts: Any, raw: bytes, rules: str | None) -> tuple[Any, ...] | None:
    """The cache key of a request, or None when it must be composed afresh (no body bytes,
    a body too large to keep, a rules file that cannot be read)."""
    if not raw or len(raw) > BODY_LIMIT:
        return None
    stamp: tuple[int, int, int] | None = None
    if rules:
        try:
            found = os.stat(rules)
        except OSError:
            return None  # composing says what is wrong with it
        stamp = (found.st_mtime_ns, found.st_size, found.st_ino)
    return (*parts, raw, rules, stamp)


def get(found: tuple[Any, ...] | None) -> Any:
    if found is None:
        return None
    value = _kept.get(found)
    if value is not None:
        _kept.move_to_end(found)
    return value


def put(found: tuple[Any, ...] | None, value: Any) -> None:
    if found is None:
        return
    _kept[found] = value
    if len(_kept) > SIZE:
        _kept.popitem(last=False)


def clear() -> None:
    _kept.clear()
