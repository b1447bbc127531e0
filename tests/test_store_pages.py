"""Every store answers a list page itself: filter, sort, offset/limit and the total."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from specmock.runtime.state import Query, Store, open_store
from specmock.runtime.state.memory import MemoryStore

from .mariadb_server import mysql_url  # noqa: F401
from .redis_server import redis_url  # noqa: F401
from .test_stores import _url_for, anyio_backend  # noqa: F401

pytestmark = pytest.mark.anyio

PETS = [
    {"id": 1, "name": "Rex", "status": "sold", "age": 7, "good": True, "tags": ["dog", "big"]},
    {"id": 2, "name": "Tom", "status": "available", "age": 3, "good": False, "tags": ["cat"]},
    {"id": 3, "name": "ann", "status": "sold", "age": 12.5, "good": True, "tags": []},
    {"id": 4, "name": "Bo", "age": 1, "tags": ["dog"]},  # no status
    {"id": 5, "name": "Zed", "status": "Sold", "age": None, "good": False, "tags": ["Dog"]},
]


@pytest.fixture(params=["memory", "sqlite", "redis", "mysql"])
async def store(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Store]:
    opened = open_store(_url_for(request.param, request, tmp_path))
    for pet in PETS:
        await opened.put("svc:pets", str(pet["id"]), pet)
    await opened.put("svc:other", "1", {"id": 99})
    try:
        yield opened
    finally:
        await opened.close()


def ids(page) -> list[int]:
    return [p["id"] for p in page.items]


async def test_offset_and_limit_keep_insertion_order_and_count_all(store: Store) -> None:
    page = await store.page("svc:pets", Query(offset=1, limit=2))
    assert (ids(page), page.total) == ([2, 3], 5)
    rest = await store.page("svc:pets", Query(offset=3))
    assert (ids(rest), rest.total) == ([4, 5], 5)
    assert ids(await store.page("svc:pets", Query(offset=9, limit=2))) == []
    assert (await store.page("svc:none", Query(limit=3))).total == 0


async def test_replaced_item_keeps_its_place_in_a_page(store: Store) -> None:
    await store.put("svc:pets", "2", {**PETS[1], "name": "Tim"})
    page = await store.page("svc:pets", Query(limit=3))
    assert [p["name"] for p in page.items] == ["Rex", "Tim", "ann"]


async def test_filters_match_text_case_sensitively_and_skip_missing_fields(store: Store) -> None:
    sold = await store.page("svc:pets", Query(filters={"status": "sold"}))
    assert (ids(sold), sold.total) == ([1, 3, 4], 3)  # 4 has no status; "Sold" differs
    first = await store.page("svc:pets", Query(filters={"status": "sold"}, limit=1, offset=1))
    assert (ids(first), first.total) == ([3], 3)


async def test_filters_on_numbers_booleans_and_lists(store: Store) -> None:
    assert ids(await store.page("svc:pets", Query(filters={"age": "7"}))) == [1]
    assert ids(await store.page("svc:pets", Query(filters={"age": "12.5"}))) == [3]
    assert ids(await store.page("svc:pets", Query(filters={"good": "TRUE"}))) == [1, 3, 4]
    assert ids(await store.page("svc:pets", Query(filters={"tags": "dog"}))) == [1, 4]
    both = Query(filters={"tags": "dog", "status": "sold"})
    assert ids(await store.page("svc:pets", both)) == [1, 4]
    assert ids(await store.page("svc:pets", Query(filters={"name": 'x"y\\'}))) == []


async def test_sort_by_a_field_either_way_missing_last(store: Store) -> None:
    by_age = await store.page("svc:pets", Query(sort="age"))
    assert ids(by_age) == [4, 2, 1, 3, 5]
    assert ids(await store.page("svc:pets", Query(sort="-age", limit=3))) == [3, 1, 2]
    # binary order ("S" before "a"); 4 has neither field, so it passes the filter, sorted last
    assert ids(await store.page("svc:pets", Query(sort="status", filters={"good": "false"}))) == [
        5,
        2,
        4,
    ]


async def test_page_items_are_copies(store: Store) -> None:
    page = await store.page("svc:pets", Query(limit=1))
    page.items[0]["tags"].append("changed")
    again = await store.page("svc:pets", Query(limit=1))
    assert again.items[0]["tags"] == ["dog", "big"]


async def test_memory_page_copies_only_what_it_returns(monkeypatch) -> None:
    import specmock.runtime.state.memory as memory

    store = MemoryStore()
    for n in range(1000):
        await store.put("svc:pets", str(n), {"id": n})
    copied = []
    real = memory._copy
    monkeypatch.setattr(memory, "_copy", lambda v: copied.append(v) or real(v))
    page = await store.page("svc:pets", Query(offset=500, limit=20))
    assert [p["id"] for p in page.items] == list(range(500, 520))
    assert (page.total, len(copied)) == (1000, 20)


async def test_totals_follow_puts_replacements_deletes_and_clears(store: Store) -> None:
    await store.put("svc:pets", "1", PETS[0])  # the same value again
    await store.put("svc:pets", "2", {**PETS[1], "name": "Tim"})  # a new value
    await store.put("svc:pets", "6", {"id": 6})
    assert (await store.page("svc:pets", Query(limit=1))).total == 6
    assert await store.delete("svc:pets", "3")
    assert not await store.delete("svc:pets", "3")
    assert (await store.page("svc:pets", Query(limit=0))).total == 5
    await store.clear("svc:pets")
    assert (await store.page("svc:pets", Query(limit=1))).total == 0
    await store.put("svc:pets", "1", PETS[0])
    assert (await store.page("svc:pets", Query())).total == 1
    assert (await store.page("svc:other", Query())).total == 1


async def test_a_sqlite_file_from_before_sizes_gets_its_totals(tmp_path) -> None:
    import sqlite3

    from specmock.runtime.state.sqlite import SqliteStore

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE items (seq INTEGER PRIMARY KEY, namespace TEXT NOT NULL,"
            " key TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (namespace, key))"
        )
        db.executemany(
            "INSERT INTO items (namespace, key, value) VALUES ('svc:a', ?, '{}')",
            [(str(n),) for n in range(7)],
        )
    store = SqliteStore(path)
    try:
        assert (await store.page("svc:a", Query(limit=2))).total == 7
    finally:
        await store.close()


def test_an_offset_past_any_store_is_an_empty_page_not_an_error():
    """schemathesis sent `offset=96317574506588864512`: islice and SQL refuse integers that
    large, and the list answered 500."""
    import asyncio

    from specmock.runtime.state import MemoryStore
    from specmock.runtime.state.query import Query

    async def run():
        store = MemoryStore()
        await store.put("s:/pets", "1", {"id": 1})
        return await store.page("s:/pets", Query(offset=96317574506588864512, limit=10**30))

    page = asyncio.run(run())
    assert page.items == [] and page.total == 1
