"""The default store: dicts in this process, lost on exit."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        found = self._data.get(namespace, {}).get(key)
        return copy.deepcopy(found) if found is not None else None

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        self._data.setdefault(namespace, {})[key] = copy.deepcopy(dict(value))

    async def delete(self, namespace: str, key: str) -> bool:
        return self._data.get(namespace, {}).pop(key, None) is not None

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(v) for v in self._data.get(namespace, {}).values()]

    async def next_id(self, namespace: str) -> int:
        self._counters[namespace] = self._counters.get(namespace, 0) + 1
        return self._counters[namespace]

    async def namespaces(self, prefix: str = "") -> list[str]:
        return sorted(n for n, items in self._data.items() if n.startswith(prefix) and items)

    async def clear(self, prefix: str = "") -> None:
        for name in [n for n in self._data if n.startswith(prefix)]:
            del self._data[name]
        for name in [n for n in self._counters if n.startswith(prefix)]:
            del self._counters[name]

    async def close(self) -> None:
        return None
