"""The default store: dicts in this process, lost on exit.

Each namespace is one dict in insertion order (a replaced key keeps its place), which
is the order index a page walks: a page skips `offset` entries and copies only the
`limit` it returns. Items are copied in and out (through orjson, several times faster
than `copy.deepcopy` for JSON values) so a caller never shares state with the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

import orjson

from .query import Page, Query, matches, sort_key

Claim = tuple[str, float, dict[str, Any] | None]  # holder, until, value
SWEEP_EVERY = 256


def _copy(value: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:  # not plain JSON (a caller's own object): the slow, general way
        import copy

        return copy.deepcopy(dict(value))


def ordered(items: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Items sorted by one field (`-field` descending); items without it go last."""
    field, descending = sort_key(name)
    present = [i for i in items if i.get(field) is not None]
    missing = [i for i in items if i.get(field) is None]

    def key(item: dict[str, Any]) -> tuple[int, Any]:
        value = item[field]
        if isinstance(value, bool | int | float):
            return (0, value)
        return (1, str(value))

    try:
        present.sort(key=key, reverse=descending)
    except TypeError:
        present.sort(key=lambda i: str(i[field]), reverse=descending)
    return present + missing


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        self._claims: dict[str, dict[str, Claim]] = {}
        self._claimed = 0  # claims taken since the last sweep

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        found = self._data.get(namespace, {}).get(key)
        return _copy(found) if found is not None else None

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        self._data.setdefault(namespace, {})[key] = _copy(value)

    async def delete(self, namespace: str, key: str) -> bool:
        return self._data.get(namespace, {}).pop(key, None) is not None

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        return [_copy(v) for v in self._data.get(namespace, {}).values()]

    async def page(self, namespace: str, query: Query) -> Page:
        stored = self._data.get(namespace, {})
        selected: Iterable[dict[str, Any]] = stored.values()
        total = len(stored)
        if query.filters:
            chosen = [i for i in selected if matches(i, query.filters)]
            selected, total = chosen, len(chosen)
        if query.sort:
            selected = ordered(selected, query.sort)
        start = max(query.offset, 0)
        stop = None if query.limit is None else start + max(query.limit, 0)
        window: Iterator[dict[str, Any]] = islice(selected, start, stop)
        return Page([_copy(i) for i in window], total)

    async def next_id(self, namespace: str) -> int:
        self._counters[namespace] = self._counters.get(namespace, 0) + 1
        return self._counters[namespace]

    async def claim(
        self,
        namespace: str,
        key: str,
        holder: str,
        now: float,
        until: float,
        value: Mapping[str, Any] | None = None,
    ) -> bool:
        claims = self._claims.setdefault(namespace, {})
        found = claims.get(key)
        if found is not None and found[0] != holder and found[1] > now:
            return False
        claims[key] = (holder, until, None if value is None else _copy(value))
        self._claimed += 1
        if self._claimed >= SWEEP_EVERY:  # expired claims go now and then, not one by one
            self._claimed = 0
            for name in [k for k, (_, ends, _) in claims.items() if ends <= now]:
                del claims[name]
        return True

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        found = self._claims.get(namespace, {}).get(key)
        if found is None or found[1] <= now:
            return None
        return found[0], None if found[2] is None else _copy(found[2])

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        claims = self._claims.get(namespace, {})
        found = claims.get(key)
        if found is None or (holder is not None and found[0] != holder):
            return False
        del claims[key]
        return True

    async def namespaces(self, prefix: str = "") -> list[str]:
        return sorted(n for n, items in self._data.items() if n.startswith(prefix) and items)

    async def clear(self, prefix: str = "") -> None:
        for name in [n for n in self._data if n.startswith(prefix)]:
            del self._data[name]
        for name in [n for n in self._counters if n.startswith(prefix)]:
            del self._counters[name]
        for name in [n for n in self._claims if n.startswith(prefix)]:
            del self._claims[name]

    async def close(self) -> None:
        return None
