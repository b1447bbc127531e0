"""Every store answers the same page for the same writes and query: seeded random histories
of puts, replacements and deletes, then random filtered, sorted and deep pages, each
compared with the rule in `state/query.py` computed over a plain list."""

from __future__ import annotations

import random
from typing import Any

import pytest

from specmock.runtime.state import (
    Query,
    memory,
    mysql_pages,
    open_store,
    redis_indexes,
    sqlite_pages,
)
from specmock.runtime.state.memory import ordered
from specmock.runtime.state.query import matches

from .mariadb_server import mysql_url  # noqa: F401
from .redis_server import redis_url  # noqa: F401
from .test_stores import _url_for, anyio_backend  # noqa: F401

pytestmark = pytest.mark.anyio

FIELDS = ["status", "age", "name", "good", "tags"]
VALUES: dict[str, list[Any]] = {
    "status": ["sold", "Sold", "available", "pending", None, ""],
    "age": [0, 1, 3, 7, -2, 12.5, 0.25, 1000000, 5.0, 5, None, True],
    "name": ["Rex", "rex", "ann", "Ann", "Zed", "é", "b", "10", "9", 9, {"a": 1}],
    "good": [True, False, "true", None, 1, 0],
    "tags": [["dog"], ["cat", "dog"], [], ["Dog", 1], [True], [5.0, "x"], "dog", None],
}
WANTED: dict[str, list[str]] = {
    "status": ["sold", "Sold", "available", "", "none"],
    "age": ["0", "1", "7", "12.5", "0.25", "1000000", "5", "5.0", "true", "-2", "x"],
    "name": ["Rex", "rex", "é", "10", "9", "ann"],
    "good": ["true", "TRUE", "false", "1", "0"],
    "tags": ["dog", "Dog", "cat", "1", "true", "5", "5.0"],
}


def _item(rng: random.Random, n: int) -> dict[str, Any]:
    item: dict[str, Any] = {"id": n}
    for name in FIELDS:
        if rng.random() < 0.8:  # sometimes missing
            item[name] = rng.choice(VALUES[name])
    return item


def _query(rng: random.Random, size: int) -> Query:
    filters = {
        name: rng.choice(WANTED[name]) for name in rng.sample(FIELDS, rng.choice([0, 0, 1, 1, 2]))
    }
    sort = None
    if rng.random() < 0.6:
        sort = rng.choice(["", "-"]) + rng.choice([*FIELDS[:4], "id"])
    offset = rng.choice([0, 0, 1, 3, size // 2, max(size - 2, 0), size + 5])
    limit = rng.choice([None, 0, 1, 5, 20])
    return Query(filters, sort, offset, limit)


def expected(items: list[dict[str, Any]], query: Query) -> tuple[list[Any], int]:
    chosen = [i for i in items if matches(i, query.filters)]
    if query.sort:
        chosen = ordered(chosen, query.sort)
    stop = None if query.limit is None else query.offset + query.limit
    return [i["id"] for i in chosen[query.offset : stop]], len(chosen)


# each store, and the memory, Redis and MySQL stores without field indexes, SQLite and
# MySQL sorting their filtered pages only by walking their sort index and Redis only as
# found (the ways they take past their limits)
@pytest.mark.parametrize(
    "backend",
    [
        "memory",
        "memory:unindexed",
        "sqlite",
        "sqlite:walk",
        "redis",
        "redis:unindexed",
        "redis:found",
        "mysql",
        "mysql:unindexed",
        "mysql:walk",
    ],
)
async def test_random_histories_give_the_rule_s_pages(
    backend: str, request: pytest.FixtureRequest, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(memory, "INDEXES", 0 if backend == "memory:unindexed" else 16)
    monkeypatch.setattr(sqlite_pages, "SORT_FOUND", 0 if backend == "sqlite:walk" else 5000)
    monkeypatch.setattr(mysql_pages, "INDEXES", 0 if backend == "mysql:unindexed" else 16)
    monkeypatch.setattr(mysql_pages, "SORT_FOUND", 0 if backend == "mysql:walk" else 5000)
    monkeypatch.setattr(redis_indexes, "INDEXES", 0 if backend == "redis:unindexed" else 16)
    monkeypatch.setattr(redis_indexes, "SPARSE", 0 if backend == "redis:found" else 20)
    store = open_store(_url_for(backend.split(":")[0], request, tmp_path))
    try:
        for seed in range(12):
            rng = random.Random(seed)
            ns = f"svc:pets{seed}"
            reference: dict[str, dict[str, Any]] = {}
            for n in range(rng.choice([5, 30, 120])):
                key = str(rng.randrange(1, 150))
                if key in reference and rng.random() < 0.25:
                    assert await store.delete(ns, key)
                    del reference[key]
                    continue
                item = _item(rng, int(key))
                await store.put(ns, key, item)
                reference[key] = item  # a replaced key keeps its place (dict order)
                if n % 10 == 0:  # queries between writes keep indexes made on first use honest
                    query = _query(rng, len(reference))
                    page = await store.page(ns, query)
                    got = ([i["id"] for i in page.items], page.total)
                    want = expected(list(reference.values()), query)
                    assert got == want, f"seed {seed}, {query}"
            for _ in range(40):
                query = _query(rng, len(reference))
                page = await store.page(ns, query)
                got = ([i["id"] for i in page.items], page.total)
                want = expected(list(reference.values()), query)
                assert got == want, f"seed {seed}, {query}"
    finally:
        await store.clear("svc:")
        await store.close()
