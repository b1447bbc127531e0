"""A store in Redis, shared by every worker (or host) that talks to the same server.

Keys, with `P` the prefix (`?prefix=...` in the URL, default `specmock`):

- `P:items:NS`  hash, item key -> JSON text
- `P:order:NS`  sorted set, item key scored by its insertion sequence
- `P:ids:NS`    the `next_id` counter
- `P:seq`       the insertion sequence (INCR), shared by all namespaces
- `P:namespaces` set of every namespace ever written or counted
- `P:claim:NS\x00KEY` hash (holder, until, value) of a claim, with a native TTL: Redis
  drops it on its own once its time is up, so expired claims never pile up
- field indexes, made on first use by filtered and sorted pages (redis_indexes.py)

Whenever two keys change together the commands go in one MULTI/EXEC
transaction or one Lua script, so concurrent writers from several processes lose
nothing and never see an item without its place in the order or its index entries
(or the reverse). A filtered or sorted page reads its items in a second call, after
its keys are found: an item deleted in between is left out.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis

from .memory import ordered
from .query import Page, Query, matches
from .redis_indexes import RedisIndexes, filter_sets

_FAR = 10**13  # offsets and counts sent to Lua, whose numbers print exactly below 1e14

DEFAULT_PREFIX = "specmock"
_SLICE = 1000

# A page in one round trip and one atomic step: the keys in order, the total, their values.
_PAGE = """
local keys = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
local total = redis.call('ZCARD', KEYS[1])
if #keys == 0 then return {total, {}} end
return {total, redis.call('HMGET', KEYS[2], unpack(keys))}
"""

# A claim in one atomic step: taken when absent, expired on the caller's clock (ARGV[2]) or
# held by the same holder; PEXPIRE lets Redis forget it after its time in real milliseconds.
_CLAIM = """
local found = redis.call('HMGET', KEYS[1], 'holder', 'until')
if found[1] and found[1] ~= ARGV[1] and tonumber(found[2]) > tonumber(ARGV[2]) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'until', ARGV[3], 'value', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""

_RELEASE = """
if ARGV[1] == '' or redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _glob(text: str) -> str:
    """`text` matched literally in a SCAN pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))


class RedisStore:
    def __init__(self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = client
        self.prefix = prefix
        self._page_script = client.register_script(_PAGE)
        self._indexes = RedisIndexes(client, prefix)
        self._claim_script = client.register_script(_CLAIM)
        self._release_script = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        """`redis://host:port/db[?prefix=name]`; other query parameters go to redis-py."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        prefix = DEFAULT_PREFIX
        rest = []
        for name, value in query:
            if name == "prefix":
                prefix = value
            else:
                rest.append((name, value))
        if not prefix:
            raise ValueError(f"empty key prefix in {url!r}")
        client_url = urlunsplit(parts._replace(query=urlencode(rest)))
        return cls(aioredis.Redis.from_url(client_url, decode_responses=True), prefix)

    def _items(self, namespace: str) -> str:
        return f"{self.prefix}:items:{namespace}"

    def _order(self, namespace: str) -> str:
        return f"{self.prefix}:order:{namespace}"

    def _ids(self, namespace: str) -> str:
        return f"{self.prefix}:ids:{namespace}"

    @property
    def _seq(self) -> str:
        return f"{self.prefix}:seq"

    @property
    def _known(self) -> str:
        return f"{self.prefix}:namespaces"

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        text = await self._redis.hget(self._items(namespace), key)
        return json.loads(text) if text is not None else None

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        """One script: the value, its place, and its entries in the namespace's indexes,
        computed for the indexes this process knows of; refused and computed again when
        another process added one since."""
        ix, text = self._indexes, _dumps(value)
        keys = [self._items(namespace), self._order(namespace), self._seq, self._known]
        keys += [ix.key("rec", namespace), ix.key("ixver", namespace)]
        for _ in range(8):
            args = ix.put_args(namespace, key, text)
            done, _seq = await ix.put_script(keys=keys, args=args)
            if done:
                return
            await ix.refresh(namespace)
        raise RuntimeError(f"indexes of {namespace!r} keep changing; put of {key!r} not done")

    async def delete(self, namespace: str, key: str) -> bool:
        keys = [self._items(namespace), self._order(namespace)]
        keys.append(self._indexes.key("rec", namespace))
        return bool(await self._indexes.delete_script(keys=keys, args=[key]))

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        # One transaction: a consistent snapshot of both keys in one round trip.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrange(self._order(namespace), 0, -1)
            pipe.hgetall(self._items(namespace))
            order, values = await pipe.execute()
        return [json.loads(values[key]) for key in order if key in values]

    async def page(self, namespace: str, query: Query) -> Page:
        """Insertion order is the sorted set: an unfiltered page is one ZRANGE of its keys
        and one HMGET of their values (one script call for pages up to `_SLICE`). A filter
        or sort goes through the fields' indexes; without them (past `INDEXES`, or while
        another process makes one) it reads the namespace in slices of `_SLICE` items,
        keeping only matches, so memory follows the matches, not the size."""
        start = max(query.offset, 0)
        if not query.filters and not query.sort:
            stop = -1 if query.limit is None else start + max(query.limit, 0) - 1
            if query.limit is not None and stop < start:  # limit 0 (stop -1 is not "the end")
                return Page([], await self._redis.zcard(self._order(namespace)))
            if stop != -1 and stop - start < _SLICE:  # Lua's unpack takes a few thousand
                keys = [self._order(namespace), self._items(namespace)]
                total, values = await self._page_script(keys=keys, args=[start, stop])
                return Page([json.loads(v) for v in values if v is not None], int(total))
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zrange(self._order(namespace), start, stop)
                pipe.zcard(self._order(namespace))
                keys, total = await pipe.execute()
            values = await self._redis.hmget(self._items(namespace), keys) if keys else []
            return Page([json.loads(v) for v in values if v is not None], int(total))
        found = await self._indexed(namespace, query)
        if found is not None:
            return found
        chosen: list[dict[str, Any]] = []
        offset = 0
        while True:
            keys = await self._redis.zrange(self._order(namespace), offset, offset + _SLICE - 1)
            if not keys:
                break
            offset += len(keys)
            for text in await self._redis.hmget(self._items(namespace), keys):
                if text is not None:
                    item = json.loads(text)
                    if matches(item, query.filters):
                        chosen.append(item)
        if query.sort:
            chosen = ordered(chosen, query.sort)
        stop = None if query.limit is None else start + max(query.limit, 0)
        return Page(chosen[start:stop], len(chosen))

    async def _indexed(self, namespace: str, query: Query) -> Page | None:
        """A filtered or sorted page through indexes (made here on first use), or None
        where one is missing."""
        ix = self._indexes
        names = [f"w:{name}" for name in query.filters] + ([query.sort] if query.sort else [])
        for name in names:
            if not await ix.ensure(namespace, name):
                return None
        count = -1 if query.limit is None else min(query.limit, _FAR)
        sort = query.sort or ""
        args: list[Any] = [min(query.offset, _FAR), count, sort]
        args += [ix.base(namespace, sort) if sort else "", "1" if sort.startswith("-") else ""]
        args.append(len(query.filters))
        for name, wanted in query.filters.items():
            sets = filter_sets(ix.base(namespace, f"w:{name}"), wanted)
            args += [f"w:{name}", len(sets), *sets]
        temporary = [f"{self.prefix}:tmp:{uuid.uuid4().hex}" for _ in range(len(query.filters) + 1)]
        keys = [ix.key("ixs", namespace), self._order(namespace), *temporary]
        answer = await ix.page_script(keys=keys, args=args)
        if answer[0] == -1:  # an index went (the namespace was cleared): asked again next time
            ix.ready -= {(namespace, name) for name in names}
            return None
        total, paged, found = answer
        items = []
        for start in range(0, len(found), _SLICE):
            part = await self._redis.hmget(self._items(namespace), found[start : start + _SLICE])
            items += [json.loads(v) for v in part if v is not None]
        if not paged:  # few matches, sorted here
            stop = None if query.limit is None else query.offset + query.limit
            items = ordered(items, sort)[query.offset : stop]
        return Page(items, int(total))

    async def next_id(self, namespace: str) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._ids(namespace))
            # Known, so that clear() finds the counter of a namespace without items.
            pipe.sadd(self._known, namespace)
            value, _ = await pipe.execute()
        return int(value)

    def _claim(self, namespace: str, key: str) -> str:
        return f"{self.prefix}:claim:{namespace}\x00{key}"

    async def claim(
        self,
        namespace: str,
        key: str,
        holder: str,
        now: float,
        until: float,
        value: Mapping[str, Any] | None = None,
    ) -> bool:
        ttl = max(1, math.ceil(round((until - now) * 1000, 3)))
        text = "" if value is None else _dumps(value)
        args = [holder, repr(float(now)), repr(float(until)), text, ttl]
        return bool(await self._claim_script(keys=[self._claim(namespace, key)], args=args))

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        holder, until, text = await self._redis.hmget(
            self._claim(namespace, key), ["holder", "until", "value"]
        )
        if holder is None or float(until) <= now:
            return None
        return holder, json.loads(text) if text else None

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        keys = [self._claim(namespace, key)]
        return bool(await self._release_script(keys=keys, args=[holder or ""]))

    async def _matching(self, prefix: str) -> list[str]:
        names: set[str] = await self._redis.smembers(self._known)
        return sorted(name for name in names if name.startswith(prefix))

    async def namespaces(self, prefix: str = "") -> list[str]:
        names = await self._matching(prefix)
        if not names:
            return []
        # Redis drops a hash when its last field goes: EXISTS means "has items".
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(self._items(name))
            present = await pipe.execute()
        return [name for name, exists in zip(names, present, strict=True) if exists]

    async def clear(self, prefix: str = "") -> None:
        pattern = f"{_glob(self.prefix)}:claim:{_glob(prefix)}*"
        claims = [k async for k in self._redis.scan_iter(match=pattern, count=1000)]
        if claims:
            await self._redis.delete(*claims)
        for kind in ("ix", "ixlock"):
            pattern = f"{_glob(self.prefix)}:{kind}:{_glob(prefix)}*"
            found = [k async for k in self._redis.scan_iter(match=pattern, count=1000)]
            for start in range(0, len(found), _SLICE):
                await self._redis.delete(*found[start : start + _SLICE])
        self._indexes.forget(prefix)
        names = await self._matching(prefix)
        if not names:
            return
        ix = self._indexes
        keys = [
            k
            for n in names
            for k in (self._items(n), self._order(n), self._ids(n), *ix.namespace_keys(n))
        ]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(*keys)
            pipe.srem(self._known, *names)
            await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()
