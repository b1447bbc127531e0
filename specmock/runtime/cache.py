"""The in-process tier of the answer cache: a bounded LRU that counts what it does.

A generated answer is a pure function of its key (operation, status, media type,
preferences, quality, path parameters, echoed body), so it is kept and served again;
the counters say whether that is paying off (`GET /__specmock/cache`, Prometheus).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import OrderedDict, defaultdict
from typing import Any

import orjson

from ..generator.plan import Operation
from .outgoing import Outgoing
from .settled import Settled


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
        self.settled = Settled(capacity)  # answers by request, ahead of any lookup

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

    def hit(self, op: Operation | None) -> None:
        """An answer of this tier given again without a lookup (settled.py)."""
        self.hits += 1
        if op is not None:
            self.by_operation[op.service, op.operation_id][0] += 1

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
        self.settled.forget()
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


class SharedTier:
    """Answers kept in an SQLite file several processes open (`--cache sqlite:///file`),
    so a worker serves what another built; each answer lives `ttl` seconds."""

    tier = "sqlite"

    def __init__(self, url: str, ttl: float = 300.0):
        path = url.removeprefix("sqlite:///")
        if not url.startswith("sqlite:///") or not path:
            raise ValueError(f"cache {url!r}: expected sqlite:///PATH")
        self.path = path
        self.ttl = ttl
        self.hits = 0
        self.misses = 0
        self.evictions = 0  # answers found expired
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers (key BLOB PRIMARY KEY, expires REAL, "
            "status INTEGER, media_type TEXT, headers BLOB, body BLOB)"
        )

    def get(self, key: bytes) -> tuple[int, str | None, list[tuple[str, str]], bytes] | None:
        row = self._db.execute(
            "SELECT expires, status, media_type, headers, body FROM answers WHERE key = ?",
            (key,),
        ).fetchone()
        if row is not None and row[0] < time.time():
            self._db.execute("DELETE FROM answers WHERE key = ?", (key,))
            self.evictions += 1
            row = None
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        headers = [(str(k), str(v)) for k, v in orjson.loads(row[3])]
        return int(row[1]), row[2], headers, bytes(row[4])

    def put(self, key: bytes, out: Outgoing) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
            (
                key,
                time.time() + self.ttl,
                out.status,
                out.media_type,
                orjson.dumps(list(out.headers)),
                out.body,
            ),
        )

    def purge(self) -> int:
        return self._db.execute("DELETE FROM answers").rowcount

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM answers").fetchone()[0]

    def stats(self) -> dict[str, Any]:
        lookups = self.hits + self.misses
        return {
            "tier": self.tier,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / lookups, 4) if lookups else 0.0,
            "size": len(self),
            "capacity": 0,
            "evictions": self.evictions,
        }


def open_tier(url: str | None, ttl: float) -> Any:
    """The shared tier a `--cache` URL names (SQLite file or Redis server); None for
    memory only."""
    if url is None or url == "memory://":
        return None
    if url.startswith("sqlite:///"):
        return SharedTier(url, ttl)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .cache_redis import RedisTier  # the redis extra, only when named

        return RedisTier(url, ttl)
    raise ValueError(f"cache {url!r}: expected memory://, sqlite:///PATH or redis://HOST:PORT/DB")


_SERIES = (
    ("hits", "specmock_cache_hits_total", "counter", "Generated answers served from the tier."),
    ("misses", "specmock_cache_misses_total", "counter", "Lookups the tier could not answer."),
    ("evictions", "specmock_cache_evictions_total", "counter", "Answers dropped (cap or TTL)."),
    ("size", "specmock_cache_entries", "gauge", "Answers held now."),
)


class Tiers:
    """Memory first, then the shared tier where one is configured: a generated answer is
    built once per key, in this process or any other that shares the tier."""

    def __init__(self, seed: int, size: int, url: str | None, ttl: float):
        self.seed = seed
        self.memory = AnswerCache(size)
        self.shared = open_tier(url, ttl)

    def all(self) -> list[Any]:
        return [self.memory] if self.shared is None else [self.memory, self.shared]

    def get(self, op: Operation, key: tuple) -> Outgoing | None:
        found = self.memory.get(key, (op.service, op.operation_id))
        if found is not None or self.shared is None:
            return found
        kept = self.shared.get(self._shared_key(op, key))
        if kept is None:
            return None
        out = Outgoing(kept[0], kept[3], kept[1], kept[2], op)
        self.memory.put(key, out)
        return out

    def put(self, op: Operation, key: tuple, out: Outgoing) -> None:
        self.memory.put(key, out)
        if self.shared is not None and not out.contract_errors:
            self.shared.put(self._shared_key(op, key), out)

    def _shared_key(self, op: Operation, key: tuple) -> bytes:
        """The memory key without `id(op)`, which means nothing to another process."""
        stable = (self.seed, op.service, op.method, op.path, *key[1:])
        text = orjson.dumps(stable, default=lambda v: v.decode("latin-1"))
        return hashlib.blake2b(text, digest_size=16).digest()


def prometheus(tiers: list[dict[str, Any]]) -> list[str]:
    """Every tier's statistics in Prometheus text format, labelled by `tier`."""
    lines = []
    for field, name, kind, text in _SERIES:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        lines += [f'{name}{{tier="{t["tier"]}"}} {t[field]}' for t in tiers]
    return lines
