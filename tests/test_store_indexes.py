"""A deep page is found through an index, not by reading the items before it: each store's
plan or work counter says so, so these fail when an index stops being made or used."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from specmock.runtime.state import Query, mysql_pages, open_store
from specmock.runtime.state.memory import MemoryStore
from specmock.runtime.state.mysql import MysqlStore
from specmock.runtime.state.mysql_pages import BLOCK
from specmock.runtime.state.sqlite import SqliteStore
from specmock.runtime.state.where import sqlite_arms, sqlite_order

from .mariadb_server import mysql_url  # noqa: F401
from .test_stores import anyio_backend  # noqa: F401

pytestmark = pytest.mark.anyio

SIZE = 10000


def pet(n: int) -> dict:
    return {"id": n, "name": f"pet{n % 97}", "tag": "dog" if n % 2 else "cat"}


def plan(store: SqliteStore, sql: str, params: tuple) -> str:
    rows = store._db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return " | ".join(row[-1] for row in rows)


async def test_sqlite_walks_indexes_for_plain_and_sorted_pages(tmp_path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        for n in range(1, 50):
            await store.put("svc:pets", str(n), pet(n))
        plain = plan(
            store,
            "SELECT seq FROM items WHERE namespace = ? ORDER BY seq LIMIT 20 OFFSET 10",
            ("svc:pets",),
        )
        assert "COVERING INDEX items_order" in plain
        for sort in ("name", "-name"):
            page = await store.page("svc:pets", Query(sort=sort, offset=10, limit=5))
            assert len(page.items) == 5
            walked = plan(
                store,
                f"SELECT seq FROM items WHERE namespace = ? AND 1 ORDER BY {sqlite_order(sort)}"
                " LIMIT 20 OFFSET 10",
                ("svc:pets",),
            )
            assert "USING INDEX items_by_" in walked and "TEMP B-TREE" not in walked, walked
    finally:
        await store.close()


async def test_sqlite_filters_look_up_the_field_s_index(tmp_path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        for n in range(1, 50):
            await store.put("svc:pets", str(n), pet(n))
        page = await store.page("svc:pets", Query(filters={"tag": "dog"}, offset=5, limit=3))
        assert ([p["id"] for p in page.items], page.total) == ([11, 13, 15], 25)
        arms = sqlite_arms("tag", "dog")
        union = " UNION ALL ".join(
            f"SELECT seq FROM items WHERE namespace = ? AND {arm}" for arm, _ in arms
        )
        params = tuple(p for _, extra in arms for p in ("svc:pets", *extra))
        walked = plan(store, f"{union} ORDER BY seq LIMIT 3 OFFSET 5", params)
        # every arm but the list one (whose values vary, so the planner may as well walk
        # the namespace in order) is one range of the field's index, already in seq order
        assert walked.count("USING INDEX items_where_") >= len(arms) - 1, walked
        assert walked.count("TEMP B-TREE") <= 1, walked
    finally:
        await store.close()


async def test_sqlite_deep_page_costs_what_a_shallow_one_does(tmp_path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        with store._write() as db:
            db.executemany(
                "INSERT INTO items (namespace, key, value) VALUES (?, ?, ?)",
                [("svc:pets", str(n), json.dumps(pet(n))) for n in range(1, SIZE + 1)],
            )
        await store.delete("svc:pets", "10")
        steps = []

        async def counted(offset: int) -> list[int]:
            steps.append(0)
            store._db.set_progress_handler(lambda: steps.__setitem__(-1, steps[-1] + 1), 100)
            page = await store.page("svc:pets", Query(offset=offset, limit=20))
            store._db.set_progress_handler(None, 0)
            assert page.total == SIZE - 1
            return [p["id"] for p in page.items]

        assert await counted(1000) == list(range(1002, 1022))
        assert await counted(SIZE - 1000) == list(range(SIZE - 998, SIZE - 978))
        # walking the index from the start would cost (SIZE - 1000) / 1000 = 9 times more
        assert steps[1] < 2 * steps[0] + 20, steps
    finally:
        await store.close()


async def test_sqlite_sort_indexes_are_capped(tmp_path, monkeypatch) -> None:
    import specmock.runtime.state.sqlite_pages as sqlite_pages

    monkeypatch.setattr(sqlite_pages, "INDEXES", 2)
    store = SqliteStore(tmp_path / "state.db")
    try:
        await store.put("svc:pets", "1", pet(1))
        for sort in ("name", "tag", "id", "-id"):
            assert len((await store.page("svc:pets", Query(sort=sort))).items) == 1
        made = store._db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'items_by_%'"
        ).fetchone()
        assert made == (2,)
    finally:
        await store.close()


def _loaded(store: MysqlStore, items: list[dict]) -> None:
    """Items inserted in bulk (keys their ids), their count and blocks with them."""
    with store._lock, store._live().cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {store._items} (namespace, k, value) VALUES (%s, %s, %s)",
            [("svc:pets", str(i["id"]), json.dumps(i)) for i in items],
        )
        cursor.execute(f"REPLACE INTO {store._sizes} VALUES (%s, %s)", ("svc:pets", len(items)))
    store.count_blocks("svc:pets")


def _reads(cursor) -> int:
    cursor.execute("SHOW SESSION STATUS LIKE 'Handler_read%'")
    return sum(int(value) for _, value in cursor.fetchall())


async def test_mysql_deep_page_reads_at_most_a_block(mysql_url: str) -> None:  # noqa: F811
    store = open_store(f"{mysql_url}?prefix=test{uuid.uuid4().hex[:12]}")
    assert isinstance(store, MysqlStore)
    try:
        _loaded(store, [pet(n) for n in range(1, SIZE + 1)])
        await store.delete("svc:pets", "10")  # a removed item moves later pages by one
        await store.put("svc:pets", str(SIZE + 1), pet(SIZE + 1))
        with store._lock, store._live().cursor() as cursor:
            before = _reads(cursor)
            rows = mysql_pages.positioned(cursor, store._prefix, "svc:pets", 20, SIZE // 2)
            read = _reads(cursor) - before
        assert [json.loads(v)["id"] for (v,) in rows] == list(range(SIZE // 2 + 2, SIZE // 2 + 22))
        # a walk from the start would read SIZE // 2 index entries
        assert read < 2 * BLOCK + 200, read
        page = await store.page("svc:pets", Query(offset=SIZE - 1, limit=5))
        assert ([p["id"] for p in page.items], page.total) == ([SIZE + 1], SIZE)
    finally:
        store.drop_tables()
        await store.close()


async def test_mysql_filter_looks_up_the_field_s_index(mysql_url: str) -> None:  # noqa: F811
    store = open_store(f"{mysql_url}?prefix=test{uuid.uuid4().hex[:12]}")
    assert isinstance(store, MysqlStore)
    try:
        _loaded(
            store,
            [{**pet(n), "status": "available" if n % 100 else "sold"} for n in range(1, SIZE + 1)],
        )
        sold = Query(filters={"status": "sold"}, offset=10, limit=5)
        page = await store.page("svc:pets", sold)  # makes the index
        assert ([p["id"] for p in page.items], page.total) == ([1100, 1200, 1300, 1400, 1500], 100)
        with store._lock, store._live().cursor() as cursor:
            before = _reads(cursor)
            indexed = {"status": store._field_index("status")}
            found = mysql_pages.through_index(
                cursor, store._prefix, "svc:pets", sold, indexed, 5, 10
            )
            read = _reads(cursor) - before
        assert found == ([1100, 1200, 1300, 1400, 1500], 100)
        # the 100 sold ones (index entries and their rows), not the 10,000 rows
        assert read < 1000, read
    finally:
        store.drop_tables()
        await store.close()


async def test_memory_sorted_and_filtered_pages_touch_only_their_items(monkeypatch) -> None:
    import specmock.runtime.state.memory as memory

    store = MemoryStore()
    for n in range(1, SIZE + 1):
        await store.put("svc:pets", str(n), pet(n))
    await store.page("svc:pets", Query(sort="-name", limit=1))  # the indexes are made
    await store.page("svc:pets", Query(filters={"tag": "dog"}, limit=1))
    await store.put("svc:pets", "7", {**pet(7), "name": "aaa"})  # ... and kept by writes
    await store.delete("svc:pets", "8")
    read = []
    real_peek, real_copy = memory._peek, memory._copy
    monkeypatch.setattr(memory, "_peek", lambda v: read.append(v) or real_peek(v))
    monkeypatch.setattr(memory, "_copy", lambda v: read.append(v) or real_copy(v))
    page = await store.page("svc:pets", Query(sort="-name", offset=SIZE - 4, limit=20))
    kept = [{**pet(n), "name": "aaa"} if n == 7 else pet(n) for n in range(1, SIZE + 1) if n != 8]
    by_name = sorted(kept, key=lambda p: p["name"], reverse=True)  # stable: ties oldest first
    assert [p["id"] for p in page.items] == [p["id"] for p in by_name[SIZE - 4 :]]
    assert page.items[-1]["name"] == "aaa" and len(read) == 3
    read.clear()
    dogs = await store.page("svc:pets", Query(filters={"tag": "dog"}, offset=1000, limit=20))
    assert [p["id"] for p in dogs.items] == list(range(2001, 2041, 2))
    assert (dogs.total, len(read)) == (SIZE // 2, 20)


async def test_mysql_sorted_page_walks_the_sort_s_index(mysql_url: str, monkeypatch) -> None:  # noqa: F811
    store = open_store(f"{mysql_url}?prefix=test{uuid.uuid4().hex[:12]}")
    assert isinstance(store, MysqlStore)
    try:
        _loaded(store, [pet(n) for n in range(1, SIZE + 1)])
        kept = [pet(n) for n in range(1, SIZE + 1)]
        for sort, backward in (("name", False), ("-name", True)):
            query = Query(sort=sort, offset=10, limit=5)
            page = await store.page("svc:pets", query)  # makes the index
            by_name = sorted(kept, key=lambda p: p["name"], reverse=backward)  # ties oldest first
            want = [p["id"] for p in by_name[10:15]]
            assert ([p["id"] for p in page.items], page.total) == (want, SIZE)
            assert store._sort_index(sort) is not None
            with store._lock, store._live().cursor() as cursor:
                before = _reads(cursor)
            again = await store.page("svc:pets", query)
            with store._lock, store._live().cursor() as cursor:
                read = _reads(cursor) - before
            assert [p["id"] for p in again.items] == want
            # fifteen index entries, not the 10,000 rows a sort of the namespace reads
            assert read < 200, read
        # a filter matching many (more than SORT_FOUND) walks the sort's index too
        monkeypatch.setattr(mysql_pages, "SORT_FOUND", 100)
        dogs = Query(filters={"tag": "dog"}, sort="-name", offset=10, limit=5)
        await store.page("svc:pets", dogs)  # makes the filter's index
        with store._lock, store._live().cursor() as cursor:
            before = _reads(cursor)
        page = await store.page("svc:pets", dogs)
        with store._lock, store._live().cursor() as cursor:
            read = _reads(cursor) - before
        by_name = sorted([p for p in kept if p["tag"] == "dog"], key=lambda p: p["name"])
        by_name = sorted(by_name, key=lambda p: p["name"], reverse=True)
        assert [p["id"] for p in page.items] == [p["id"] for p in by_name[10:15]]
        # counting the 5,000 dogs in the filter's index, then thirty-odd rows walked, not
        # the 5,000 matches' rows sorted
        assert page.total == SIZE // 2 and read < SIZE // 2 + 500, read
        # past the cap, a sort reads the rows and still answers
        monkeypatch.setattr(mysql_pages, "INDEXES", 2)
        assert await asyncio.to_thread(store._sort_index, "tag") is None
        page = await store.page("svc:pets", Query(sort="-tag", limit=2))
        assert [p["id"] for p in page.items] == [1, 3]
    finally:
        store.drop_tables()
        await store.close()
