"""The Redis store's field indexes: filtered and sorted pages read them, not the items (the
server's own byte and command counters say so), every process sharing the server keeps
them, items written before an index existed are in it, and they are capped."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from specmock.runtime.state import Query, open_store, redis_indexes
from specmock.runtime.state.redis import RedisStore

from .redis_server import redis_server
from .test_store_agreement import expected as want
from .test_stores import anyio_backend  # noqa: F401

pytestmark = pytest.mark.anyio

SIZE = 10000
NS = "svc:pets"


def pet(n: int) -> dict[str, Any]:
    return {"id": n, "name": f"pet{n % 97}", "tag": "dog" if n % 2 else "cat"}


@pytest.fixture
async def server() -> AsyncIterator[str]:
    """A private server: its counters see this test's commands alone."""
    with redis_server() as url:
        yield url


@pytest.fixture
async def two(server: str) -> AsyncIterator[tuple[RedisStore, RedisStore]]:
    """Two stores on one server and prefix, as two processes have."""
    first, second = opened(server, "t"), opened(server, "t")
    try:
        yield first, second
    finally:
        await first.clear("svc:")
        await first.close()
        await second.close()


def opened(url: str, prefix: str) -> RedisStore:
    store = open_store(f"{url}?prefix={prefix}")
    assert isinstance(store, RedisStore)
    return store


async def loaded(store: RedisStore, items: list[dict[str, Any]]) -> None:
    """Items written straight into the store's keys (as an older version or a bulk load
    leaves them): no index entries, so an index made later must find them itself."""
    r = store._redis
    async with r.pipeline(transaction=False) as pipe:
        for n, item in enumerate(items, 1):
            pipe.hset(store._items(NS), str(item["id"]), json.dumps(item))
            pipe.zadd(store._order(NS), {str(item["id"]): n})
        pipe.sadd(store._known, NS)
        pipe.set(store._seq, len(items))
        await pipe.execute()


async def counted(client: aioredis.Redis, work: Any) -> tuple[Any, int, int]:
    """What `work` returns, the bytes the server sent and the commands it ran meanwhile
    (scripts' own commands included)."""
    await client.config_resetstat()
    result = await work
    stats = await client.info("all")
    commands = sum(v["calls"] for k, v in stats.items() if k.startswith("cmdstat_"))
    return result, stats["total_net_output_bytes"], commands


def got(page: Any) -> tuple[list[int], int]:
    return [i["id"] for i in page.items], page.total


async def test_filtered_and_sorted_pages_read_the_indexes_not_the_items(server: str) -> None:
    store = opened(server, "t")
    client = aioredis.Redis.from_url(server, decode_responses=True)
    try:
        kept = [pet(n) for n in range(1, SIZE + 1)]
        await loaded(store, kept)
        queries = [
            Query(filters={"tag": "dog"}, offset=SIZE // 4, limit=20),
            Query(sort="-name", offset=SIZE // 2, limit=20),
            Query(sort="name", offset=SIZE - 30, limit=20),
            Query(filters={"tag": "cat"}, sort="-name", offset=100, limit=20),
        ]
        for query in queries:  # the first of each makes its index from the items
            assert got(await store.page(NS, query)) == want(kept, query)
        # ... and writes keep them: a replacement moves an item, a delete removes it
        await store.put(NS, "7", {**pet(7), "name": "aaa", "tag": "cat"})
        await store.delete(NS, "8")
        await store.put(NS, str(SIZE + 1), pet(SIZE + 1))
        kept = [{**pet(7), "name": "aaa", "tag": "cat"} if i["id"] == 7 else i for i in kept]
        kept = [i for i in kept if i["id"] != 8] + [pet(SIZE + 1)]
        for query in queries:
            page, sent, commands = await counted(client, store.page(NS, query))
            assert got(page) == want(kept, query)
            # a read of the items would send the 10,000 of them (about 500 KB); through an
            # index it is the page's 20 items, in a few commands (a filtered, sorted page
            # also checks the matches of the sort's index up to its end, one command each)
            most = 3 * (query.offset + 20) if query.filters and query.sort else 40
            assert sent < 8000 and commands < most, (query, sent, commands)
    finally:
        await store.clear("svc:")
        await store.close()
        await client.aclose()


async def test_every_process_keeps_and_uses_an_index_another_made(two) -> None:
    maker, other = two
    kept = {n: pet(n) for n in range(1, 301)}
    await loaded(maker, list(kept.values()))
    dogs = Query(filters={"tag": "dog"}, sort="-id", offset=3, limit=10)
    await other.put(NS, "1", {**pet(1), "tag": "cat"})  # `other` knows of no index yet
    kept[1] = {**pet(1), "tag": "cat"}
    assert got(await maker.page(NS, dogs)) == want(list(kept.values()), dogs)
    # `other` still thinks there are none: its writes are refused until it computes
    # their entries, so the index stays whole
    for n in (3, 5, 400, 401):
        await other.put(NS, str(n), {**pet(n), "tag": "dog", "id": n})
        kept[n] = {**pet(n), "tag": "dog", "id": n}
    assert await other.delete(NS, "9")
    del kept[9]
    assert got(await maker.page(NS, dogs)) == want(list(kept.values()), dogs)
    assert got(await other.page(NS, dogs)) == want(list(kept.values()), dogs)
    registry = await maker._redis.hgetall(maker._indexes.key("ixs", NS))
    assert registry == {"w:tag": "ready", "-id": "ready"}


async def test_an_index_made_while_others_write_holds_every_item(two, monkeypatch) -> None:
    monkeypatch.setattr(redis_indexes, "SLICE", 50)  # many slices, writes between them
    maker, writer = two
    kept = {n: pet(n) for n in range(1, 2001)}
    await loaded(maker, list(kept.values()))
    rng = random.Random(7)

    async def writes() -> None:
        for _ in range(300):
            n = rng.randrange(1, 2200)
            if n in kept and rng.random() < 0.3:
                assert await writer.delete(NS, str(n))
                del kept[n]
            else:
                tag = rng.choice(["a", "b", None, []])  # None, []: no filter matches
                item = {"id": n, "name": f"w{rng.randrange(50)}", "tag": tag}
                await writer.put(NS, str(n), item)
                if n not in kept:
                    kept[n] = item  # new keys go last, replaced ones keep their place
                kept[n] = item
            await asyncio.sleep(0)

    await asyncio.gather(
        maker.page(NS, Query(sort="name", offset=5, limit=5)),
        maker.page(NS, Query(filters={"tag": "a"}, limit=5)),
        writes(),
    )
    for query in (
        Query(sort="name", limit=None),
        Query(sort="-name", offset=100, limit=50),
        Query(filters={"tag": "a"}, limit=None),
    ):
        assert got(await maker.page(NS, query)) == want(list(kept.values()), query)
    rec = await maker._redis.hlen(maker._indexes.key("rec", NS))
    assert rec == len(kept)  # every item holds its entries


async def test_a_build_whose_maker_died_is_finished_by_another(server: str) -> None:
    store = opened(server, "t")
    try:
        kept = [pet(n) for n in range(1, 101)]
        await loaded(store, kept)
        # registered, half built, its maker gone (its lock expired)
        await store._redis.hset(store._indexes.key("ixs", NS), "w:tag", "building")
        await store._redis.set(store._indexes.key("ixver", NS), uuid.uuid4().hex)
        query = Query(filters={"tag": "cat"}, offset=10, limit=5)
        assert got(await store.page(NS, query)) == want(kept, query)
        assert await store._redis.hget(store._indexes.key("ixs", NS), "w:tag") == "ready"
    finally:
        await store.clear("svc:")
        await store.close()


async def test_indexes_are_capped(server: str, monkeypatch) -> None:
    monkeypatch.setattr(redis_indexes, "INDEXES", 2)
    store = opened(server, "t")
    try:
        kept = [pet(n) for n in range(1, 51)]
        await loaded(store, kept)
        for query in (
            Query(sort="name", limit=5),
            Query(filters={"tag": "dog"}, limit=5),
            Query(sort="-id", offset=3, limit=5),  # past the cap: the items are read
            Query(filters={"id": "7"}),
        ):
            assert got(await store.page(NS, query)) == want(kept, query)
        registry = await store._redis.hgetall(store._indexes.key("ixs", NS))
        assert sorted(registry) == ["name", "w:tag"]
        await store.clear("svc:")
        left = [k async for k in store._redis.scan_iter(match="t:*")]
        assert left == ["t:seq"]  # the sequence outlives a clear, as before indexes
    finally:
        await store.close()


async def test_writes_between_a_slice_s_read_and_its_fill_win(two) -> None:
    maker, writer = two
    kept = {n: pet(n) for n in range(1, 41)}
    await loaded(maker, list(kept.values()))
    real, wrote = maker._indexes._fill, []

    async def late(**kwargs: Any) -> Any:  # the slice has read the items already
        if not wrote:
            wrote.append(True)
            for n, tag in ((1, None), (3, []), (5, "cat"), (2, "dog")):
                kept[n] = {**pet(n), "tag": tag}
                await writer.put(NS, str(n), kept[n])
            assert await writer.delete(NS, "7")
            del kept[7]
        return await real(**kwargs)

    maker._indexes._fill = late
    for query in (
        Query(filters={"tag": "dog"}),
        Query(filters={"tag": "cat"}, sort="-id"),
    ):
        assert got(await maker.page(NS, query)) == want(list(kept.values()), query)


async def test_a_filter_on_a_field_some_items_lack_makes_no_union(server: str) -> None:
    store = opened(server, "t")
    client = aioredis.Redis.from_url(server, decode_responses=True)
    try:
        # every third item lacks `tag`, which every filter on it lets through
        kept = [{k: v for k, v in pet(n).items() if n % 3 or k != "tag"} for n in range(1, SIZE)]
        await loaded(store, kept)
        await store.page(NS, Query(filters={"tag": "x"}))  # makes the index
        for offset in (0, SIZE // 3, SIZE // 2):
            query = Query(filters={"tag": "dog"}, offset=offset, limit=20)
            page, sent, commands = await counted(client, store.page(NS, query))
            assert got(page) == want(kept, query)
            # the page's place found by halving the insertion numbers, a few counts each
            # step: no set of the 6,000 matches made (ZUNIONSTORE), no items read
            stats = await client.info("commandstats")
            assert "cmdstat_zunionstore" not in stats
            assert sent < 8000 and commands < 150, (offset, sent, commands)
    finally:
        await store.clear("svc:")
        await store.close()
        await client.aclose()
