"""Valid verdicts remembered by the JSON bytes judged: identical bytes, identical verdict.

A schema check walks the whole value on every request, however often the same body is
sent (a test suite's fixtures, a load tool, an override's answer). Judging the bytes
instead lets a body proven valid once skip the walk: the key is the validator and the
exact JSON text, so a changed byte is judged afresh. Only valid verdicts are kept (a
refusal names its violations, found anew), only for bodies up to `BODY_LIMIT` bytes, and
at most `SIZE` of them, the oldest dropped first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SIZE = 512
BODY_LIMIT = 8 * 1024

_valid: dict[tuple[Any, bytes], None] = {}


def checked(validator: Any, data: bytes, check: Callable[[], list[Any]]) -> list[Any]:
    """`check()`'s violations, skipped when `data` was judged valid by `validator` before."""
    if len(data) > BODY_LIMIT:
        return check()
    key = (validator, data)
    if key in _valid:
        return []
    found = check()
    if not found:
        if len(_valid) >= SIZE:
            del _valid[next(iter(_valid))]
        _valid[key] = None
    return found
