"""One behavioural suite for every state store: memory, SQLite (a temp file), Redis (real)."""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from specmock.runtime.state import MemoryStore, Store, open_store
from specmock.runtime.state.mysql import MysqlStore
from specmock.runtime.state.redis import RedisStore
from specmock.runtime.state.sqlite import SqliteStore

from .mariadb_server import mysql_url  # noqa: F401
from .redis_server import redis_url  # noqa: F401

pytestmark = pytest.mark.anyio

BACKENDS = ["memory", "sqlite", "redis", "mysql"]
SHARED = ["sqlite", "redis", "mysql"]  # the ones several processes can share


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _url_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    # A fresh key (or table) prefix per test keeps tests apart on the one session server.
    server = request.getfixturevalue("redis_url" if backend == "redis" else "mysql_url")
    return f"{server}?prefix=test{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _url_for(request.param, request, tmp_path)


@pytest.fixture(params=SHARED)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _url_for(request.param, request, tmp_path)


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    opened = open_store(url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_open_store_picks_the_backend(url: str) -> None:
    expected = {"memory": MemoryStore, "sqlite": SqliteStore, "redis": RedisStore,
                "mysql": MysqlStore}
    opened = open_store(url)
    try:
        assert type(opened) is expected[url.split(":", 1)[0]]
    finally:
        await opened.close()


async def test_get_put_delete(store: Store) -> None:
    assert await store.get("svc:pets", "1") is None
    await store.put("svc:pets", "1", {"id": 1, "name": "Rex"})
    assert await store.get("svc:pets", "1") == {"id": 1, "name": "Rex"}
    assert await store.get("svc:pets", "2") is None
    assert await store.get("svc:other", "1") is None
    assert await store.delete("svc:pets", "1") is True
    assert await store.get("svc:pets", "1") is None
    assert await store.delete("svc:pets", "1") is False
    assert await store.delete("nowhere", "1") is False


async def test_values_round_trip_as_json(store: Store) -> None:
    value = {
        "id": 7,
        "name": "Zoë 🐕",
        "tags": ["a", "b"],
        "nested": {"x": None, "y": [1.5, True, False], "z": {}},
        "big": 2**53 + 1,
        "empty": "",
    }
    await store.put("svc:pets", "7", value)
    assert await store.get("svc:pets", "7") == value
    assert await store.items("svc:pets") == [value]


async def test_items_oldest_first(store: Store) -> None:
    assert await store.items("svc:pets") == []
    for key in ["c", "a", "b", "10", "2"]:
        await store.put("svc:pets", key, {"key": key})
    assert [v["key"] for v in await store.items("svc:pets")] == ["c", "a", "b", "10", "2"]
    assert await store.items("svc:owners") == []


async def test_replace_keeps_place_delete_then_put_goes_last(store: Store) -> None:
    for key in "abc":
        await store.put("ns", key, {"key": key, "v": 1})
    await store.put("ns", "b", {"key": "b", "v": 2})
    assert await store.items("ns") == [
        {"key": "a", "v": 1},
        {"key": "b", "v": 2},
        {"key": "c", "v": 1},
    ]
    assert await store.get("ns", "b") == {"key": "b", "v": 2}
    assert await store.delete("ns", "a")
    await store.put("ns", "a", {"key": "a", "v": 3})
    assert [v["key"] for v in await store.items("ns")] == ["b", "c", "a"]


async def test_next_id_counts_per_namespace(store: Store) -> None:
    assert [await store.next_id("svc:pets") for _ in range(3)] == [1, 2, 3]
    assert await store.next_id("svc:owners") == 1
    assert await store.next_id("svc:pets") == 4
    # Counters are independent of the items.
    await store.put("svc:pets", "x", {})
    assert await store.delete("svc:pets", "x")
    assert await store.next_id("svc:pets") == 5


async def test_next_id_concurrent_tasks(store: Store) -> None:
    ids = await asyncio.gather(*(store.next_id("ns") for _ in range(50)))
    assert sorted(ids) == list(range(1, 51))


async def test_namespaces(store: Store) -> None:
    assert await store.namespaces() == []
    await store.put("svc:pets", "1", {})
    await store.put("svc:owners/7/pets", "1", {})
    await store.put("other:x", "1", {})
    await store.next_id("svc:counted-only")  # a counter alone is not a namespace with items
    assert await store.namespaces() == ["other:x", "svc:owners/7/pets", "svc:pets"]
    assert await store.namespaces("svc:") == ["svc:owners/7/pets", "svc:pets"]
    assert await store.namespaces("svc:pets") == ["svc:pets"]
    assert await store.namespaces("nope") == []
    assert await store.delete("svc:pets", "1")
    assert await store.namespaces("svc:") == ["svc:owners/7/pets"]


async def test_prefix_is_literal(store: Store) -> None:
    """No wildcards: `_`, `%`, `*`, `?` and `[` in a prefix match only themselves."""
    for name in ["a_b", "axb", "a%b", "a*b", "a?b", "a[b]", "A_b"]:
        await store.put(name, "1", {"n": name})
    assert await store.namespaces("a_") == ["a_b"]
    assert await store.namespaces("a%") == ["a%b"]
    assert await store.namespaces("a*") == ["a*b"]
    assert await store.namespaces("a?") == ["a?b"]
    assert await store.namespaces("a[") == ["a[b]"]
    await store.clear("a_")
    assert await store.namespaces() == ["A_b", "a%b", "a*b", "a?b", "a[b]", "axb"]


async def test_clear_by_prefix(store: Store) -> None:
    for name in ["svc:pets", "svc:owners", "other:pets"]:
        await store.put(name, "1", {"name": name})
        await store.next_id(name)
        await store.next_id(name)
    await store.next_id("svc:counted-only")

    await store.clear("svc:")
    assert await store.namespaces() == ["other:pets"]
    assert await store.items("svc:pets") == []
    assert await store.get("svc:owners", "1") is None
    assert await store.next_id("svc:pets") == 1  # counters go too
    assert await store.next_id("svc:counted-only") == 1
    assert await store.items("other:pets") == [{"name": "other:pets"}]
    assert await store.next_id("other:pets") == 3

    await store.put("svc:pets", "2", {})
    await store.clear()
    assert await store.namespaces() == []
    assert await store.items("other:pets") == []
    assert await store.next_id("other:pets") == 1
    assert await store.next_id("svc:pets") == 1


async def test_values_are_copies(store: Store) -> None:
    original = {"id": 1, "tags": ["a"], "owner": {"name": "Ann"}}
    await store.put("ns", "1", original)
    original["tags"].append("changed")
    original["owner"]["name"] = "changed"
    expected = {"id": 1, "tags": ["a"], "owner": {"name": "Ann"}}
    assert await store.get("ns", "1") == expected

    got = await store.get("ns", "1")
    assert got is not None
    got["tags"].append("changed")
    got["owner"]["name"] = "changed"
    got["new"] = True
    listed = await store.items("ns")
    assert listed == [expected]
    listed[0]["tags"].clear()
    assert await store.get("ns", "1") == expected
    assert await store.items("ns") == [expected]


# --- backend-specific ---------------------------------------------------------


async def test_sqlite_state_survives_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first = open_store(url)
    await first.put("svc:pets", "b", {"name": "B"})
    await first.put("svc:pets", "a", {"name": "A"})
    await first.put("svc:pets", "b", {"name": "B2"})
    assert await first.next_id("svc:pets") == 1
    assert await first.next_id("svc:pets") == 2
    await first.close()

    second = open_store(url)
    try:
        assert await second.items("svc:pets") == [{"name": "B2"}, {"name": "A"}]
        assert await second.namespaces() == ["svc:pets"]
        assert await second.next_id("svc:pets") == 3
    finally:
        await second.close()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite:///sub/dir.db", "sub/dir.db"),
        ("sqlite:////abs/path.db", "/abs/path.db"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_url_forms(given: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(SqliteStore, "__init__", lambda self, path: seen.append(str(path)))
    SqliteStore.from_url(given)
    assert seen == [expected]


async def test_sqlite_relative_path_is_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    opened = open_store("sqlite:///relative.db")
    await opened.put("ns", "1", {})
    await opened.close()
    assert (tmp_path / "relative.db").is_file()


async def test_sqlite_in_memory() -> None:
    opened = open_store("sqlite://:memory:")
    try:
        await opened.put("ns", "1", {"x": 1})
        assert await opened.items("ns") == [{"x": 1}]
        assert await opened.next_id("ns") == 1
    finally:
        await opened.close()


def test_sqlite_bad_url() -> None:
    with pytest.raises(ValueError, match="sqlite"):
        SqliteStore.from_url("sqlite://host/x.db")


async def test_redis_prefixes_keep_stores_apart(redis_url: str) -> None:  # noqa: F811
    one = open_store(f"{redis_url}?prefix=one-{uuid.uuid4().hex}")
    two = open_store(f"{redis_url}?prefix=two-{uuid.uuid4().hex}")
    try:
        await one.put("ns", "1", {"store": 1})
        assert await one.next_id("ns") == 1
        assert await two.get("ns", "1") is None
        assert await two.namespaces() == []
        assert await two.next_id("ns") == 1
        await two.clear()
        assert await one.items("ns") == [{"store": 1}]
    finally:
        await one.clear()
        await one.close()
        await two.close()


def test_redis_default_prefix_and_query() -> None:
    assert RedisStore.from_url("redis://127.0.0.1:1/0").prefix == "specmock"
    store = RedisStore.from_url("redis://127.0.0.1:1/2?prefix=mine&socket_timeout=3")
    assert store.prefix == "mine"
    kwargs = store._redis.connection_pool.connection_kwargs
    assert kwargs["db"] == 2
    assert kwargs["socket_timeout"] == 3


# --- several processes sharing one store ----------------------------------------------

WORKERS = 4
PER_WORKER = 200


async def _fill(url: str, worker: int) -> None:
    store = open_store(url)
    try:
        for _ in range(PER_WORKER):
            n = await store.next_id("svc:pets")
            await store.put("svc:pets", str(n), {"id": n, "worker": worker})
    finally:
        await store.close()


def _worker(url: str, worker: int, barrier: Any) -> None:
    barrier.wait()  # every process waits here, so they really run at the same time
    asyncio.run(_fill(url, worker))


def test_processes_share_one_store(shared_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    processes = [
        context.Process(target=_worker, args=(shared_url, worker, barrier))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0] * WORKERS

    async def check() -> None:
        store = open_store(shared_url)
        try:
            items = await store.items("svc:pets")
            total = WORKERS * PER_WORKER
            assert len(items) == total
            assert sorted(item["id"] for item in items) == list(range(1, total + 1))
            assert {item["worker"] for item in items} == set(range(WORKERS))
            assert await store.next_id("svc:pets") == total + 1
        finally:
            await store.close()

    asyncio.run(check())
