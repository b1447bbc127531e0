"""Claims in every store: one holder at a time, taken over when its time is up, renewed
by its holder, carrying a value, swept, and exactly one winner among racing processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from typing import Any

import pytest

from specmock.runtime.state import Store, open_store
from specmock.runtime.state.mysql import MysqlStore

from .mariadb_server import mysql_url  # noqa: F401
from .redis_server import redis_url  # noqa: F401
from .test_stores import anyio_backend, shared_url, store, url  # noqa: F401  (same backends)

pytestmark = pytest.mark.anyio
RACERS = 6


async def test_one_holder_until_its_time_is_up(store: Store) -> None:  # noqa: F811
    assert await store.claim("jobs", "k", "a", 100.0, 110.0)
    assert not await store.claim("jobs", "k", "b", 105.0, 115.0)  # a has it
    assert await store.claimed("jobs", "k", 105.0) == ("a", None)
    assert await store.claim("jobs", "k", "a", 105.0, 120.0)  # renewed by its holder
    assert not await store.claim("jobs", "k", "b", 119.0, 130.0)
    assert await store.claimed("jobs", "k", 120.0) is None  # a's time is up
    assert await store.claim("jobs", "k", "b", 120.0, 130.0)  # b takes over
    assert await store.claimed("jobs", "k", 121.0) == ("b", None)
    assert await store.claim("jobs", "other", "a", 121.0, 130.0)  # keys are apart
    assert await store.claim("more", "k", "a", 121.0, 130.0)  # so are namespaces


async def test_release_frees_only_for_the_holder(store: Store) -> None:  # noqa: F811
    assert await store.claim("jobs", "k", "a", 0.0, 10.0)
    assert not await store.release("jobs", "k", "b")
    assert await store.claimed("jobs", "k", 1.0) == ("a", None)
    assert await store.release("jobs", "k", "a")
    assert not await store.release("jobs", "k", "a")
    assert await store.claim("jobs", "k", "b", 1.0, 10.0)
    assert await store.release("jobs", "k")  # no holder named: whoever has it


async def test_a_claim_carries_a_value_and_clear_forgets_it(store: Store) -> None:  # noqa: F811
    record = {"digest": "ab", "status": 201, "body": "e30=", "nested": {"é": [1, 2]}}
    assert await store.claim("svc:records", "key", "a", 0.0, 5.0, record)
    assert await store.claimed("svc:records", "key", 1.0) == ("a", record)
    assert await store.claim("svc:records", "key", "a", 1.0, 5.0, {"digest": "cd"})
    assert await store.claimed("svc:records", "key", 1.0) == ("a", {"digest": "cd"})
    assert await store.claim("other:x", "key", "a", 0.0, 5.0)
    await store.clear("svc:")
    assert await store.claimed("svc:records", "key", 1.0) is None
    assert await store.claimed("other:x", "key", 1.0) == ("a", None)


async def test_expired_claims_are_swept_lazily(store: Store) -> None:  # noqa: F811
    for i in range(300):  # more than one sweep's worth, all expired by t=50
        assert await store.claim("old", f"k{i}", "a", 0.0, 10.0)
    for i in range(300):
        assert await store.claim("old", f"n{i}", "b", 50.0, 100.0)
    left = await _claim_count(store, "old")
    if left is not None:
        assert left < 600, "no expired claim was ever swept"


async def _claim_count(opened: Store, namespace: str) -> int | None:
    """How many claims the backend still keeps (Redis forgets by its own TTL: None)."""
    inner: Any = getattr(opened, "store", opened)
    if hasattr(inner, "_claims") and isinstance(inner._claims, dict):
        return len(inner._claims.get(namespace, {}))
    if hasattr(inner, "_db") and hasattr(inner._db, "execute") and hasattr(inner, "path"):
        (n,) = inner._db.execute(
            "SELECT count(*) FROM claims WHERE namespace = ?", (namespace,)
        ).fetchone()
        return n
    if isinstance(inner, MysqlStore):
        rows = inner._run(
            f"SELECT COUNT(*) FROM {inner._claims} WHERE namespace = %s", (namespace,), True
        )
        return int(rows[0][0])
    return None


async def test_redis_forgets_a_claim_by_its_own_ttl(redis_url: str) -> None:  # noqa: F811
    opened = open_store(f"{redis_url}?prefix=ttl{uuid.uuid4().hex[:8]}")
    try:
        assert await opened.claim("ns", "k", "a", 1000.0, 1000.2)
        key = opened._claim("ns", "k")  # type: ignore[attr-defined]
        assert 0 < await opened._redis.pttl(key) <= 200  # type: ignore[attr-defined]
        await asyncio.sleep(0.4)
        assert not await opened._redis.exists(key)  # type: ignore[attr-defined]
    finally:
        await opened.close()


def _race(where: str, holder: str, barrier: Any, won: Any) -> None:
    async def go() -> None:
        opened = open_store(where)
        try:
            for round_ in range(20):
                barrier.wait()
                if await opened.claim("race", f"r{round_}", holder, 0.0, 60.0):
                    won.put((round_, holder))
        finally:
            await opened.close()

    asyncio.run(go())


def test_racing_processes_take_each_claim_exactly_once(shared_url: str) -> None:  # noqa: F811
    context = multiprocessing.get_context("spawn")
    barrier, won = context.Barrier(RACERS), context.Queue()
    processes = [
        context.Process(target=_race, args=(shared_url, f"p{i}", barrier, won))
        for i in range(RACERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    winners = [won.get(timeout=5) for _ in range(20)]
    assert sorted(r for r, _ in winners) == list(range(20))  # one winner per round
    assert won.empty()
    if shared_url.startswith("mysql"):
        opened = open_store(shared_url)
        assert isinstance(opened, MysqlStore)
        opened.drop_tables()
