"""The answer cache's shared tier in Redis (`--cache redis://host:port/db[?prefix=name]`).

Several processes, or hosts, that name the same server serve the bytes one of them built.
Each answer is a hash `P:answer:KEY` (status, media type, headers, body) that Redis
expires after the TTL; the sorted set `P:answers` scores every key by its expiry, so a
miss on an expired answer is counted as an eviction (as the SQLite tier counts it), the
size counts live answers only, and a purge finds every key without scanning the server.

A Redis that stops answering while serving turns lookups into misses and stores into
no-ops: the answer is generated as without a shared tier, never a 500.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import redis

from .outgoing import Outgoing

DEFAULT_PREFIX = "specmock-cache"


class RedisTier:
    tier = "redis"

    def __init__(self, url: str, ttl: float = 300.0):
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        self.prefix = dict(query).get("prefix", DEFAULT_PREFIX)
        if not self.prefix:
            raise ValueError(f"cache {url!r}: empty key prefix")
        rest = urlencode([(k, v) for k, v in query if k != "prefix"])
        self.ttl = ttl
        self.hits = 0
        self.misses = 0
        self.evictions = 0  # answers found expired
        self.errors = 0  # lookups and stores Redis did not answer
        self._redis = redis.Redis.from_url(
            urlunsplit(parts._replace(query=rest)), socket_timeout=2, socket_connect_timeout=2
        )
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise ValueError(f"cache {url!r}: Redis does not answer ({exc})") from None
        self._index = f"{self.prefix}:answers"

    def _key(self, key: bytes) -> str:
        return f"{self.prefix}:answer:{key.hex()}"

    def get(self, key: bytes) -> tuple[int, str | None, list[tuple[str, str]], bytes] | None:
        name = self._key(key)
        try:
            found = self._redis.hgetall(name)
            if not found:
                expires = self._redis.zscore(self._index, name)
                expired = expires is not None and expires <= time.time()
                if expired and self._redis.zrem(self._index, name):  # one process counts it
                    self.evictions += 1
        except redis.RedisError:
            self.errors += 1
            found = {}
        if not found:
            self.misses += 1
            return None
        self.hits += 1
        media_type = found[b"media_type"].decode() or None
        headers = [(str(k), str(v)) for k, v in orjson.loads(found[b"headers"])]
        return int(found[b"status"]), media_type, headers, found[b"body"]

    def put(self, key: bytes, out: Outgoing) -> None:
        name = self._key(key)
        fields = {
            "status": out.status,
            "media_type": out.media_type or "",
            "headers": orjson.dumps(list(out.headers)),
            "body": out.body,
        }
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(name, mapping=fields)
                pipe.pexpire(name, max(1, int(self.ttl * 1000)))
                pipe.zadd(self._index, {name: time.time() + self.ttl})
                pipe.execute()
        except redis.RedisError:
            self.errors += 1

    def purge(self) -> int:
        """Drop every answer of this prefix; how many were live (0 if Redis is away)."""
        try:
            names = self._redis.zrange(self._index, 0, -1)
            live = self._redis.exists(*names) if names else 0
            self._redis.delete(*names, self._index)
        except redis.RedisError:
            self.errors += 1
            return 0
        return int(live)

    def __len__(self) -> int:
        """Answers not yet expired (expired ones stay indexed until a miss finds them)."""
        return int(self._redis.zcount(self._index, time.time(), "+inf"))

    def stats(self) -> dict[str, Any]:
        lookups = self.hits + self.misses
        try:
            size = len(self)
        except redis.RedisError:
            size = 0
        return {
            "tier": self.tier,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / lookups, 4) if lookups else 0.0,
            "size": size,
            "capacity": 0,
            "evictions": self.evictions,
        }
