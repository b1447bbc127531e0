"""List pages and creates against stores holding 1k, 10k and 100k items.

For each store (memory, SQLite, Redis, MySQL/MariaDB) and size: the store is filled in
bulk, then specmock answers `GET /pets?limit=20&offset=<middle>` (p50, p99) and
`POST /pets` (creates per second of CPU) through the ASGI app in this process, without
an HTTP server, so the figure is the app and its store alone. Then, asked of the store
directly (p50): a filtered page (`tag=dog`, half the items, at a quarter of them) and a
sorted one (`-name`, at the middle). Beside each, the same
page read with `Store.items()` and sliced (what lists cost before the store answered
pages) as the reference measured in the same run. RSS growth per 100k items is printed
for the memory store (the others keep their items in their own server).

    python bench/pages.py [--sizes 1000,10000,100000] [--stores memory,sqlite,redis,mysql]

Redis: a private redis-server on a free port (redis-server must be installed).
MySQL: `$SPECMOCK_MYSQL_URL` (see .ci/run); skipped when unset.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from specmock.runtime.factory import create_app
from specmock.runtime.state.base import Query

PAGE = 20
# The fuller petstore of the tests: its list declares limit and offset (the bundled one
# only limit), so the middle page is really asked for.
SPEC = str(Path(__file__).resolve().parent.parent / "tests" / "specs" / "petstore.yaml")
READS = 200
SHAPED = 10
CREATE_SECONDS = 1.5


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pet(n: int) -> dict:
    return {
        "id": n,
        "name": f"pet{n}",
        "tag": "dog" if n % 2 else "cat",
        "status": "available",
        "created_at": "2026-01-01T00:00:00Z",
    }


async def fill(store, backend: str, ns: str, count: int) -> None:
    """Bulk load (the store API one item at a time would dominate the run)."""
    inner = getattr(store, "store", store)
    if backend == "memory":
        for n in range(1, count + 1):
            await inner.put(ns, str(n), pet(n))
    elif backend == "sqlite":
        with inner._write() as db:
            db.executemany(
                "INSERT INTO items (namespace, key, value) VALUES (?, ?, ?)",
                [(ns, str(n), json.dumps(pet(n))) for n in range(1, count + 1)],
            )
            db.execute("INSERT OR REPLACE INTO counters VALUES (?, ?)", (ns, count))
    elif backend == "redis":
        r = inner._redis
        for start in range(1, count + 1, 5000):
            async with r.pipeline(transaction=False) as pipe:
                for n in range(start, min(start + 5000, count + 1)):
                    pipe.hset(inner._items(ns), str(n), json.dumps(pet(n)))
                    pipe.zadd(inner._order(ns), {str(n): n})
                pipe.sadd(inner._known, ns)
                await pipe.execute()
        await r.set(inner._ids(ns), count)
        await r.set(inner._seq, count)
    elif backend == "mysql":

        def load() -> None:
            with inner._lock, inner._live().cursor() as cursor:
                for start in range(1, count + 1, 5000):
                    cursor.executemany(
                        f"INSERT INTO {inner._items} (namespace, k, value) VALUES (%s, %s, %s)",
                        [
                            (ns, str(n), json.dumps(pet(n)))
                            for n in range(start, min(start + 5000, count + 1))
                        ],
                    )
                cursor.execute(f"REPLACE INTO {inner._counters} VALUES (%s, %s)", (ns, count))
                cursor.execute(f"REPLACE INTO {inner._sizes} VALUES (%s, %s)", (ns, count))
            inner.count_blocks(ns)

        await asyncio.to_thread(load)


async def call(app, method: str, path: str, query: bytes = b"", body: bytes = b"") -> int:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"x-api-key", b"bench"),
        ],
    }
    await app(scope, receive, send)
    return sent[0]["status"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one(backend: str, url: str, count: int) -> dict:
    app = create_app([SPEC], seed=42, quiet=True, state=url, journal_size=0)
    await app.startup()
    ns = "petstore:/pets"
    await app.store.clear("petstore:")
    before = rss_kb()
    await fill(app.store, backend, ns, count)
    grown = rss_kb() - before
    query = f"limit={PAGE}&offset={count // 2}".encode()
    assert await call(app, "GET", "/pets", query) == 200
    times = []
    for _ in range(READS):
        started = time.perf_counter()
        await call(app, "GET", "/pets", query)
        times.append((time.perf_counter() - started) * 1000)
    # the reference: the whole collection read and sliced, as lists did before
    old = []
    for _ in range(5):
        started = time.perf_counter()
        try:
            items = await app.store.items(ns)
        except Exception:  # e.g. a Redis read timeout on a whole 100k namespace
            old.append(float("nan"))
            break
        items[count // 2 : count // 2 + PAGE]
        old.append((time.perf_counter() - started) * 1000)
    page = await app.store.page(ns, Query(offset=count // 2, limit=PAGE))
    assert len(page.items) == PAGE and page.total == count
    # filtered (half the items match) and sorted pages, deep, asked of the store itself; the
    # first call makes the stores' indexes and is left out
    shaped = {}
    for name, query in (
        ("filtered", Query(filters={"tag": "dog"}, offset=count // 4, limit=PAGE)),
        ("sorted", Query(sort="-name", offset=count // 2, limit=PAGE)),
    ):
        assert len((await app.store.page(ns, query)).items) == PAGE
        spent = []
        for _ in range(SHAPED):
            started = time.perf_counter()
            await app.store.page(ns, query)
            spent.append((time.perf_counter() - started) * 1000)
        shaped[name] = percentile(spent, 0.5)
    body = orjson.dumps({"name": "Rex", "tag": "dog"})
    made, cpu = 0, time.process_time()
    deadline = time.perf_counter() + CREATE_SECONDS
    while time.perf_counter() < deadline:
        assert await call(app, "POST", "/pets", body=body) == 201
        made += 1
    cpu = time.process_time() - cpu
    await app.store.clear("petstore:")
    await app.store.close()
    return {
        "p50": percentile(times, 0.5),
        "p99": percentile(times, 0.99),
        "old_p50": percentile(old, 0.5),
        **shaped,
        "creates": made / CREATE_SECONDS,
        "create_cpu_us": cpu / max(made, 1) * 1e6,
        "rss_kb": grown,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(folder: str) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--stores", default="memory,sqlite,redis,mysql")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    folder = tempfile.mkdtemp(prefix="specmock-pages-")
    redis = None
    urls = {"memory": "memory://", "sqlite": f"sqlite:///{folder}/state.db"}
    if "redis" in stores:
        redis, urls["redis"] = start_redis(folder)
    mysql = os.environ.get("SPECMOCK_MYSQL_URL")
    if mysql:
        urls["mysql"] = f"{mysql}?prefix=bench{uuid.uuid4().hex[:8]}_"
    print(
        f"list page (limit {PAGE}, middle offset) and creates, in-process ASGI; "
        "reference: items() sliced"
    )
    print(
        f"{'store':8} {'items':>7} {'page p50':>9} {'page p99':>9} {'items() p50':>12} "
        f"{'creates/s':>10} {'create CPU':>11} {'RSS':>9} {'filtered':>9} {'sorted':>9}"
    )
    try:
        for backend in stores:
            if backend not in urls:
                print(f"{backend:8} skipped (set SPECMOCK_MYSQL_URL)")
                continue
            for count in sizes:
                if backend == "sqlite":
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{folder}/state.db{suffix}").unlink(missing_ok=True)
                r = asyncio.run(one(backend, urls[backend], count))
                rss = f"{r['rss_kb'] / 1024:.0f} MB" if backend == "memory" else "-"
                print(
                    f"{backend:8} {count:7d} {r['p50']:7.2f}ms {r['p99']:7.2f}ms "
                    f"{r['old_p50']:10.2f}ms {r['creates']:10.0f} "
                    f"{r['create_cpu_us']:8.0f} us {rss:>9} {r['filtered']:7.2f}ms"
                    f" {r['sorted']:7.2f}ms",
                    flush=True,
                )
        if "mysql" in urls:
            from specmock.runtime.state.mysql import MysqlStore

            MysqlStore.from_url(urls["mysql"]).drop_tables()
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
