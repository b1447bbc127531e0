"""Field indexes of a Redis store, made the first time a page filters or sorts on a field
and kept by every put and delete, in every process sharing the server.

Keys, with `P` the store's prefix, `NS` the namespace and `H` a digest of the index name
(`w:field` for a filter, `field` or `-field` for a sort):

- `P:ixs:NS`   hash, index name -> `building` or `ready` (at most `INDEXES` names)
- `P:ixver:NS` a token changed whenever an index is added: a put names the token it
  computed its entries for, and is refused (and computed again) when it is stale
- `P:rec:NS`   hash, item key -> JSON list of the (index key, member) pairs holding it,
  so a put or delete removes an item's old entries without reading its old value
- `P:ix:NS:H:a`, `...:s:TEXT`, `...:b:true|false` (a filter): sorted sets of item keys
  scored by their insertion sequence, for the items lacking the field and for those a
  filter text matches (`memory.tokens`). A page of one filter reads one set by rank or,
  when some items lack the field, two disjoint ones merged at the rank found by halving
  the sequence; other cases (several filters, text and boolean sets both present) are
  made into a temporary set first (ZUNIONSTORE, ZINTERSTORE: cost in the matches)
- `P:ix:NS:H:n`, `...:t`, `...:l` (a sort): numbers (booleans as 0 and 1) scored by value
  (negated descending), members `seq key` so ties keep insertion order; texts all scored
  0 and ordered by member, the text escaped to stay in code point order and end first
  (`\\x00` -> `\\x00\\x01`, then `\\x00\\x00`), then the sequence (reversed descending, as
  the set is read backward then); the rest (missing, null, objects, lists) by sequence

Entries are computed in Python (the Query rule is Python's: `5.0` and `5` read apart,
which Redis' Lua JSON cannot tell) and written by Lua scripts, so a put and its entries
are one atomic step. An index made while others write is filled in slices by its maker:
puts after it is registered carry its entries (one at least per item), and a slice adds
those of the items holding none yet, which were written before: the value it read is
still theirs. Its maker holds a lock with a time
limit; another process takes over a build whose maker died.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

import redis.asyncio as aioredis

from .memory import _LAST, _NUMBER, rank, tokens
from .query import sort_key

INDEXES = 16  # sorted or filtered fields indexed per namespace
SLICE = 500  # items per build step
FEW = 5000  # matches of a filtered, sorted page sorted as found (and 1 in `SPARSE` at most)
SPARSE = 20
LOCK_MS = 30000  # a build's lock, renewed at every slice
WIDTH = 15  # digits of a sequence in a member (below 2**53, exact in Lua's numbers)

# index key, score ("" = the sequence), member prefix, mode (see `_MEMBER`; "-" a mark)
Entry = tuple[str, str, str, str]

# The member of an entry: its prefix, the sequence as `mode` says ("a" ascending, "d"
# descending, "" none), the item key.
_MEMBER = """
local function member(prefix, mode, seq, key)
  if mode == 'a' then return prefix .. string.format('%015d', seq) .. key end
  if mode == 'd' then return prefix .. string.format('%015d', 999999999999999 - seq) .. key end
  return prefix .. key
end
local function unrecord(rec, key)
  local old = redis.call('HGET', rec, key)
  if old then
    for _, pair in ipairs(cjson.decode(old)) do redis.call('ZREM', pair[1], pair[2]) end
  end
end
local function add(pairs, args, at, count, seq, key)
  for i = 0, count - 1 do
    local base = at + i * 4
    local score = args[base + 1]
    if score == '' then score = seq end
    if args[base + 3] == '-' then pairs[#pairs + 1] = {args[base], ''} else
      local m = member(args[base + 2], args[base + 3], seq, key)
      redis.call('ZADD', args[base], score, m)
      pairs[#pairs + 1] = {args[base], m}
    end
  end
end
"""

# KEYS: items, order, seq, known, rec, ver. ARGV: key, value, namespace, version, count,
# then the entries (4 each). Refused with the current version when `version` is stale.
PUT = (
    _MEMBER
    + """
local current = redis.call('GET', KEYS[6]) or ''
if current ~= ARGV[4] then return {0, current} end
local key = ARGV[1]
local seq = redis.call('ZSCORE', KEYS[2], key)
if seq then seq = tonumber(seq) else
  seq = redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[2], seq, key)
end
redis.call('HSET', KEYS[1], key, ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
unrecord(KEYS[5], key)
local pairs = {}
add(pairs, ARGV, 6, tonumber(ARGV[5]), seq, key)
if #pairs > 0 then redis.call('HSET', KEYS[5], key, cjson.encode(pairs))
else redis.call('HDEL', KEYS[5], key) end
return {1, seq}
"""
)

# KEYS: items, order, rec. ARGV: key.
DELETE = (
    _MEMBER
    + """
local deleted = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
unrecord(KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return deleted
"""
)

# KEYS: registry, ver, lock. ARGV: name, new version, most, token, lock ms.
REGISTER = """
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state == 'ready' then return 'ready' end
if not state then
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
  redis.call('HSET', KEYS[1], ARGV[1], 'building')
  redis.call('SET', KEYS[2], ARGV[2])
end
if redis.call('SET', KEYS[3], ARGV[4], 'NX', 'PX', ARGV[5]) then return 'build' end
return 'busy'
"""

# KEYS: items, rec, lock. ARGV: index key prefix, token, lock ms, items, then per item:
# key, sequence, count, entries (4 each). An item already holding an entry of the index
# (every index gives each item one at least) was written since it was registered.
FILL = (
    _MEMBER
    + """
local at = 5
local prefix = ARGV[1]
for _ = 1, tonumber(ARGV[4]) do
  local key, seq, count = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  if redis.call('HEXISTS', KEYS[1], key) == 1 then
    local old = redis.call('HGET', KEYS[2], key)
    local pairs = old and cjson.decode(old) or {}
    local has = false
    for _, pair in ipairs(pairs) do
      if string.sub(pair[1], 1, #prefix) == prefix then has = true end
    end
    if not has then
      add(pairs, ARGV, at + 3, count, seq, key)
      redis.call('HSET', KEYS[2], key, cjson.encode(pairs))
    end
  end
  at = at + 3 + count * 4
end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
return 1
"""
)

# KEYS: registry, lock. ARGV: name, token.
READY = """
if redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], 'ready')
  redis.call('DEL', KEYS[2])
end
return redis.call('HGET', KEYS[1], ARGV[1])
"""

_KEYS = """
local function keyof(group, m)
  if group == 'l' then return m end
  if group == 'n' then return string.sub(m, 16) end
  local at = string.find(m, '\\0\\0', 1, true)
  return string.sub(m, at + 17)
end
local function sorted(base, desc)
  local n, t, l = {base .. 'n', 'n', false}, {base .. 't', 't', false}, {base .. 'l', 'l', false}
  if desc then return {{base .. 't', 't', true}, n, l} end
  return {n, t, l}
end
"""

# KEYS: registry, order, temporary keys (one per filter, and one more). ARGV: start,
# count (-1: to the end), sort name ('' none), sort's key base, descending ('1'), filters,
# then per filter: its name, how many sets, the sets. Answers {-1} when an index is gone,
# {total, 1, keys} for a page, {total, 0, keys} for every match to be sorted by the caller.
PAGE = (
    _KEYS
    + """
local start, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local function done(answer)
  for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
  return answer
end
-- A page of the union of two sets with no key in common, scored by insertion sequence:
-- the sequence at rank `start` found by halving (each step counts both sets in log time),
-- then the page read from it in each set and merged.
local function merged(sets, start, count)
  local total = 0
  for _, s in ipairs(sets) do total = total + redis.call('ZCARD', s) end
  if count == 0 or start >= total then return total, {} end
  local lo, hi
  for _, s in ipairs(sets) do
    local a = tonumber(redis.call('ZRANGE', s, 0, 0, 'WITHSCORES')[2])
    local b = tonumber(redis.call('ZRANGE', s, -1, -1, 'WITHSCORES')[2])
    if not lo or a < lo then lo = a end
    if not hi or b > hi then hi = b end
  end
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local below = 0
    for _, s in ipairs(sets) do below = below + redis.call('ZCOUNT', s, '-inf', mid) end
    if below > start then hi = mid else lo = mid + 1 end
  end
  local found = {}
  for _, s in ipairs(sets) do
    local part = redis.call('ZRANGEBYSCORE', s, lo, '+inf', 'WITHSCORES', 'LIMIT', 0, count)
    for i = 1, #part, 2 do found[#found + 1] = {tonumber(part[i + 1]), part[i]} end
  end
  table.sort(found, function(x, y) return x[1] < y[1] end)
  local keys = {}
  for i = 1, #found do
    if count >= 0 and #keys >= count then break end
    keys[#keys + 1] = found[i][2]
  end
  return total, keys
end
local at, chosen, temp = 7, {}, 3
for f = 1, tonumber(ARGV[6]) do
  if redis.call('HGET', KEYS[1], ARGV[at]) ~= 'ready' then return done({-1}) end
  local sets, tokens = {}, 0
  for i = 1, tonumber(ARGV[at + 1]) do
    local name = ARGV[at + 1 + i]
    if redis.call('EXISTS', name) == 1 then
      sets[#sets + 1] = name
      if i > 1 then tokens = tokens + 1 end
    end
  end
  at = at + 2 + tonumber(ARGV[at + 1])
  if #sets == 0 then chosen = nil break end
  if #sets == 2 and tokens == 1 and ARGV[6] == '1' and ARGV[3] == '' then
    -- the items lacking the field and those matching: apart, so no union is made
    local total, keys = merged(sets, start, count)
    return done({total, 1, keys})
  end
  if #sets == 1 then chosen[#chosen + 1] = sets[1] else
    redis.call('ZUNIONSTORE', KEYS[temp], #sets, unpack(sets))
    chosen[#chosen + 1] = KEYS[temp]
    temp = temp + 1
  end
end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], ARGV[3]) ~= 'ready' then return done({-1}) end
if chosen == nil then return done({0, 1, {}}) end
local source = nil
if #chosen == 1 then source = chosen[1] elseif #chosen > 1 then
  redis.call('ZINTERSTORE', KEYS[#KEYS], #chosen, unpack(chosen))
  source = KEYS[#KEYS]
end
local stop = count < 0 and -1 or start + count - 1
local total = source and redis.call('ZCARD', source) or redis.call('ZCARD', KEYS[2])
if count == 0 then return done({total, 1, {}}) end
if ARGV[3] == '' then return done({total, 1, redis.call('ZRANGE', source, start, stop)}) end
if source and total <= FEW and total * SPARSE < redis.call('ZCARD', KEYS[2]) then
  return done({total, 0, redis.call('ZRANGE', source, 0, -1)})
end
local keys, seen = {}, 0
for _, group in ipairs(sorted(ARGV[4], ARGV[5] == '1')) do
  local size = redis.call('ZCARD', group[1])
  if source == nil then
    if start < size and (count < 0 or #keys < count) then
      local last = size - 1
      if count >= 0 then last = math.min(last, start + count - #keys - 1) end
      local found
      if group[3] then found = redis.call('ZRANGE', group[1], size - 1 - last, size - 1 - start)
      else found = redis.call('ZRANGE', group[1], start, last) end
      if group[3] then
        for i = #found, 1, -1 do keys[#keys + 1] = keyof(group[2], found[i]) end
      else
        for i = 1, #found do keys[#keys + 1] = keyof(group[2], found[i]) end
      end
    end
    start = math.max(0, start - size)
  else
    local at = 0
    while at < size and (count < 0 or #keys < count) do
      local found
      if group[3] then
        found = redis.call('ZRANGE', group[1], math.max(0, size - at - 500), size - at - 1)
      else found = redis.call('ZRANGE', group[1], at, at + 499) end
      local first, last, step = 1, #found, 1
      if group[3] then first, last, step = #found, 1, -1 end
      for i = first, last, step do
        local key = keyof(group[2], found[i])
        if redis.call('ZSCORE', source, key) then
          if seen >= start then keys[#keys + 1] = key end
          seen = seen + 1
          if count >= 0 and #keys >= count then break end
        end
      end
      at = at + 500
    end
  end
end
return done({total, 1, keys})
"""
)


def digest(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:16]


def escaped(text: str) -> str:
    """Text in a member: code point order kept, and ended before anything longer."""
    return text.replace("\x00", "\x00\x01") + "\x00\x00"


def _score(number: Any, descending: bool) -> str | None:
    try:
        value = float(number)
    except OverflowError:
        value = math.inf if number > 0 else -math.inf
    if math.isnan(value):
        return None
    return repr(-value if descending else value)


def sort_entries(base: str, name: str, item: Mapping[str, Any]) -> list[Entry]:
    """An item's one entry in the index of the sort `name` (keys start with `base`)."""
    field, descending = sort_key(name)
    kind, value = rank(item.get(field))
    if kind == _NUMBER:
        score = _score(value, descending)
        if score is not None:
            return [(base + "n", score, "", "a")]
        kind = _LAST
    if kind == _LAST:
        return [(base + "l", "", "", "")]
    return [(base + "t", "0", escaped(value), "d" if descending else "a")]


def filter_sets(base: str, wanted: str) -> list[str]:
    """The sets whose union is the items a filter text lets through."""
    sets = [base + "a", base + "s:" + wanted]
    if wanted.lower() in ("true", "false"):
        sets.append(base + "b:" + wanted.lower())
    return sets


def filter_entries(base: str, field: str, item: Mapping[str, Any]) -> list[Entry]:
    """An item's entries in a filter's index; a value no filter matches (null, an object,
    an empty list) gets a mark in the item's record alone (mode "-"), so that every item
    written since the index exists holds one entry of it at least."""
    if field not in item:
        return [(base + "a", "", "", "")]
    found = sorted(tokens(item[field]))
    return [(f"{base}{kind}:{text}", "", "", "") for kind, text in found] or [(base, "", "", "-")]


class RedisIndexes:
    """One store's indexes: which exist (cached per namespace, checked by every write and
    page), their entries for an item, and their making."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._redis, self.prefix = client, prefix
        self.put_script = client.register_script(PUT)
        self.delete_script = client.register_script(DELETE)
        self._register = client.register_script(REGISTER)
        self._fill = client.register_script(FILL)
        self._ready = client.register_script(READY)
        few = PAGE.replace("FEW", str(FEW)).replace("SPARSE", str(SPARSE))
        self.page_script = client.register_script(few)
        self.known: dict[str, tuple[str, list[str]]] = {}  # namespace -> (version, names)
        self.ready: set[tuple[str, str]] = set()

    def key(self, kind: str, namespace: str) -> str:
        return f"{self.prefix}:{kind}:{namespace}"

    def namespace_keys(self, namespace: str) -> tuple[str, str, str]:
        """The keys of a namespace's index bookkeeping (its index sets are `P:ix:NS:*`)."""
        return self.key("rec", namespace), self.key("ixs", namespace), self.key("ixver", namespace)

    def base(self, namespace: str, name: str) -> str:
        return f"{self.prefix}:ix:{namespace}:{digest(name)}:"

    def entries(self, namespace: str, name: str, item: Mapping[str, Any]) -> list[Entry]:
        base = self.base(namespace, name)
        if name.startswith("w:"):
            return filter_entries(base, name[2:], item)
        return sort_entries(base, name, item)

    async def refresh(self, namespace: str) -> tuple[str, list[str]]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self.key("ixver", namespace))
            pipe.hkeys(self.key("ixs", namespace))
            version, names = await pipe.execute()
        self.known[namespace] = (version or "", sorted(names))
        return self.known[namespace]

    def put_args(self, namespace: str, key: str, text: str) -> list[Any]:
        """The put script's arguments: the entries of `text` (the item as stored, so as
        every reader sees it) in the indexes known to this process."""
        version, names = self.known.get(namespace, ("", []))
        item = json.loads(text) if names else {}
        found = [e for name in names for e in self.entries(namespace, name, item)]
        return [key, text, namespace, version, len(found), *(v for e in found for v in e)]

    async def ensure(self, namespace: str, name: str) -> bool:
        """Whether the index `name` is ready, made (or its making finished) here if not."""
        if (namespace, name) in self.ready:
            return True
        token = uuid.uuid4().hex
        lock = f"{self.prefix}:ixlock:{namespace}\x00{name}"
        keys = [self.key("ixs", namespace), self.key("ixver", namespace), lock]
        state = await self._register(
            keys=keys, args=[name, uuid.uuid4().hex, INDEXES, token, LOCK_MS]
        )
        if state == "build":
            await self.refresh(namespace)
            await self._build(namespace, name, token, lock)
            state = await self._ready(keys=[keys[0], lock], args=[name, token])
        if state == "ready":
            self.ready.add((namespace, name))
        return state == "ready"

    async def _build(self, namespace: str, name: str, token: str, lock: str) -> None:
        """The entries of the items written before the index existed, in slices."""
        order, items = self.key("order", namespace), self.key("items", namespace)
        after = "-inf"
        while True:
            found = await self._redis.zrangebyscore(
                order, after, "+inf", start=0, num=SLICE, withscores=True
            )
            if not found:
                return
            after = f"({int(found[-1][1])}"
            values = await self._redis.hmget(items, [k for k, _ in found])
            args: list[Any] = [self.base(namespace, name), token, LOCK_MS, 0]
            for (key, seq), text in zip(found, values, strict=True):
                if text is None:
                    continue
                made = self.entries(namespace, name, json.loads(text))
                args += [key, int(seq), len(made), *(v for e in made for v in e)]
                args[3] += 1
            keys = [items, self.key("rec", namespace), lock]
            await self._fill(keys=keys, args=args)

    def forget(self, prefix: str) -> None:
        self.known = {n: v for n, v in self.known.items() if not n.startswith(prefix)}
        self.ready = {r for r in self.ready if not r[0].startswith(prefix)}
