"""The in-process tier of the answer cache: a bounded LRU that counts what it does.

A generated answer is a pure function of its key (operation, status, media type,
preferences, quality, path parameters, echoed body), so it is kept and served again;
the counters say whether that is paying off (`GET /__specmock/cache`, Prometheus).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from typing import Any

from .outgoing import Outgoing


class AnswerCache:
    """Least recently used answers, at most `capacity` of them."""

    tier = "memory"

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict[tuple, Outgoing] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.by_operation: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def get(self, key: tuple, operation: tuple[str, str]) -> Outgoing | None:
        found = self._items.get(key)
        counts = self.by_operation[operation]
        if found is None:
            self.misses += 1
            counts[1] += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        counts[0] += 1
        return found

    def put(self, key: tuple, out: Outgoing) -> None:
        if self.capacity <= 0:
            return
        self._items[key] = out
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
            self.evictions += 1

    def purge(self) -> int:
        """Forget every answer (the counters stay); how many were dropped."""
        dropped = len(self._items)
        self._items.clear()
        return dropped

    def __len__(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, Any]:
        lookups = self.hits + self.misses
        return {
            "tier": self.tier,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / lookups, 4) if lookups else 0.0,
            "size": len(self._items),
            "capacity": self.capacity,
            "evictions": self.evictions,
        }

    def prometheus(self) -> list[str]:
        """The cache's series in Prometheus text format."""
        labels = f'tier="{self.tier}"'
        return [
            "# HELP specmock_cache_hits_total Generated answers served from the cache.",
            "# TYPE specmock_cache_hits_total counter",
            f"specmock_cache_hits_total{{{labels}}} {self.hits}",
            "# HELP specmock_cache_misses_total Generated answers built anew.",
            "# TYPE specmock_cache_misses_total counter",
            f"specmock_cache_misses_total{{{labels}}} {self.misses}",
            "# HELP specmock_cache_evictions_total Answers dropped to stay within the size cap.",
            "# TYPE specmock_cache_evictions_total counter",
            f"specmock_cache_evictions_total{{{labels}}} {self.evictions}",
            "# HELP specmock_cache_entries Answers held now.",
            "# TYPE specmock_cache_entries gauge",
            f"specmock_cache_entries{{{labels}}} {len(self._items)}",
        ]
