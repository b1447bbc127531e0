"""The MySQL/MariaDB store: the Store behaviour every backend shares, and the order service
keeping its orders there across a restart of the real process (see tests/mariadb_server.py
for which database is used)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest

from specmock.runtime.state import open_store
from specmock.runtime.state.mysql import MysqlStore

from .mariadb_server import mysql_url  # noqa: F401
from .test_order_e2e import Process
from .test_order_service import Pair, wait_for


@pytest.fixture
def url(mysql_url: str) -> Iterator[str]:  # noqa: F811
    """The database with a table prefix of this test's own, dropped afterwards."""
    joined = "&" if "?" in mysql_url else "?"
    prefixed = f"{mysql_url}{joined}prefix=t{uuid.uuid4().hex[:12]}_"
    yield prefixed
    store = open_store(prefixed)
    assert isinstance(store, MysqlStore)
    store.drop_tables()
    asyncio.run(store.close())


def test_the_store_keeps_items_counters_and_namespaces(url: str):
    async def main() -> None:
        store = open_store(url)
        assert await store.get("svc:/order", "a") is None
        await store.put("svc:/order", "a", {"n": 1, "text": "é 订单"})
        await store.put("svc:/order", "b", {"n": 2})
        await store.put("svc:/order", "a", {"n": 3})  # replaced, keeps its place
        await store.put("svc:/Order", "a", {"n": 4})  # case matters
        await store.put("sv%:/x", "k", {"n": 5})  # wildcards are plain characters
        assert await store.items("svc:/order") == [{"n": 3}, {"n": 2}]
        assert await store.get("svc:/order", "A") is None
        assert await store.get("svc:/order", "a") == {"n": 3}
        assert await store.namespaces("svc:") == ["svc:/Order", "svc:/order"]
        assert await store.namespaces("sv%") == ["sv%:/x"]
        assert await store.delete("svc:/order", "b") is True
        assert await store.delete("svc:/order", "b") is False
        ids = await asyncio.gather(*(store.next_id("svc:/order") for _ in range(20)))
        assert sorted(ids) == list(range(1, 21))
        await store.clear("svc:")
        assert await store.items("svc:/order") == [] and await store.next_id("svc:/order") == 1
        assert await store.namespaces() == ["sv%:/x"]
        await store.close()

    asyncio.run(main())


def test_two_stores_on_one_database_share_counters(url: str):
    async def main() -> None:
        one, two = open_store(url), open_store(url)
        assert [await one.next_id("n"), await two.next_id("n"), await one.next_id("n")] == [
            1, 2, 3]
        await one.put("n", "x", {"v": 1})
        assert await two.get("n", "x") == {"v": 1}
        await one.close()
        await two.close()

    asyncio.run(main())


def test_bad_mysql_urls_are_refused_clearly():
    for bad in ("mysql://host-only", "mysql:///db", "mysql://u@h/db?prefix=x;drop"):
        with pytest.raises(ValueError, match=r"MySQL URL|table prefix"):
            MysqlStore.from_url(bad)


def test_orders_live_in_mysql_and_survive_a_restart(url: str, tmp_path):
    env = {"SPECMOCK_CALLBACK_LOG_DIR": str(tmp_path / "callbacks")}
    callbacks = Process("callback_server", env, tmp_path)
    orders = Process("order_server", env, tmp_path, ["--state", url])
    try:
        pair = Pair(orders.url, callbacks.url)
        reference = pair.order().json()["reference"]
        for _ in range(3):
            pair.clock({"advance": 1})
        seen = wait_for(lambda: len(pair.check(reference)) == 4 and pair.check(reference))
        assert [n["status"] for n in seen] == ["created", "accepted", "processing", "completed"]
        orders.stop()
        orders = Process("order_server", env, tmp_path, ["--state", url])
        answer = httpx.get(orders.url + "/order", params={"reference": reference})
        assert answer.status_code == 200 and answer.json()["status"] == "completed"
        again = httpx.post(orders.url + "/order", json={
            "customer_id": "c-2", "items": [{"sku": "S", "quantity": 1}],
            "callback_url": callbacks.url + "/callback"}).json()["reference"]
        assert again != reference  # references mix in the store's counter
    finally:
        orders.stop()
        callbacks.stop()
