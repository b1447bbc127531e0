"""A store in a MySQL or MariaDB database, shared by every worker and instance using it.

`mysql://user:password@host:port/database[?prefix=name_]`: items live in one table
ordered by an auto-increment `seq` that an upsert keeps (`ON DUPLICATE KEY UPDATE` leaves
the row's seq alone), so a replaced item keeps its place. Counters are atomic across
connections through `LAST_INSERT_ID(expr)`, which the server keeps per connection. Keys
and namespaces compare in binary, as in the other stores (case and accents matter).

An offset is found without walking to it: InnoDB steps through an index at about 0.6 µs an
entry (30 ms to skip 50,000 on the 2-core machine, 2026-12-07), so each namespace also
counts its items per block of `BLOCK` consecutive `seq` values (`blocks`, kept by put and
delete in their transaction). A page sums those counts to find the block holding its first
item (a hundred rows at 100k items) and walks at most `BLOCK` index entries from there.

The driver (PyMySQL) is blocking, so each statement runs in a worker thread, one at a time
on one connection (reconnected when the server dropped it), and the event loop never waits
on the network.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from .query import Page, Query, sort_key
from .where import PREFIX, mysql_arms, mysql_field_columns, mysql_order, mysql_where, path

BLOCK = 1024
INDEXES = 16  # filtered fields given virtual columns and an index

_TEXT = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"


def _schema(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}items ("
        f" seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, namespace {_TEXT}, k {_TEXT},"
        " value LONGTEXT CHARACTER SET utf8mb4 NOT NULL, UNIQUE KEY ns_key (namespace, k),"
        " KEY ns_seq (namespace, seq)) ENGINE=InnoDB",
        f"CREATE TABLE IF NOT EXISTS {prefix}counters ("
        f" namespace {_TEXT} PRIMARY KEY, value BIGINT NOT NULL) ENGINE=InnoDB",
    ]


def _sizes(prefix: str) -> str:
    """Each namespace's item count, kept by put and delete in their transaction, so an
    unfiltered page's total is one lookup instead of a COUNT over the namespace."""
    return (
        f"CREATE TABLE IF NOT EXISTS {prefix}sizes ("
        f" namespace {_TEXT} PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB"
    )


def _claims(prefix: str) -> str:
    """Claims: a key held by one holder until `ends`; `n` changes on every take, so the
    UPDATE that takes a claim counts one affected row even when nothing else changed."""
    return (
        f"CREATE TABLE IF NOT EXISTS {prefix}claims ("
        f" namespace {_TEXT}, k {_TEXT}, holder {_TEXT}, ends DOUBLE NOT NULL,"
        " value LONGTEXT CHARACTER SET utf8mb4 NULL, n BIGINT NOT NULL DEFAULT 0,"
        " PRIMARY KEY (namespace, k), KEY ns_ends (namespace, ends)) ENGINE=InnoDB"
    )


SWEEP_EVERY = 256  # claims taken between two sweeps of a namespace's expired ones


def _blocks(prefix: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {prefix}blocks ("
        f" namespace {_TEXT}, block BIGINT NOT NULL, n BIGINT NOT NULL,"
        " PRIMARY KEY (namespace, block)) ENGINE=InnoDB"
    )


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))


class MysqlStore:
    def __init__(
        self, host: str, port: int, user: str, password: str, database: str, prefix: str = ""
    ) -> None:
        import pymysql

        if prefix and not prefix.replace("_", "").isalnum():
            raise ValueError(f"table prefix {prefix!r}: letters, digits and _ only")
        self._connect = lambda: pymysql.connect(
            host=host,
            port=port,
            user=user,
            password=password,
            database=database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=10,
        )
        self._lock = threading.Lock()
        self._field_indexes: dict[str, tuple[str, str] | None] = {}
        self._db = self._connect()
        self._items, self._counters = f"{prefix}items", f"{prefix}counters"
        self._sizes = f"{prefix}sizes"
        self._claims, self._claimed = f"{prefix}claims", 0
        self._run(_claims(prefix), ())
        for statement in _schema(prefix):
            self._run(statement, ())
        had_sizes = self._run("SHOW TABLES LIKE %s", (self._sizes,), fetch=True)
        self._run(_sizes(prefix), ())
        if not had_sizes:  # tables from before `sizes`: count once
            self._run(
                f"REPLACE INTO {self._sizes} SELECT namespace, COUNT(*) FROM {self._items}"
                " GROUP BY namespace",
                (),
            )
        self._blocks = f"{prefix}blocks"
        had_blocks = self._run("SHOW TABLES LIKE %s", (self._blocks,), fetch=True)
        self._run(_blocks(prefix), ())
        if not had_blocks:  # tables from before `blocks` (REPLACE: processes opening them
            # together each count them)
            self._run(
                f"REPLACE INTO {self._blocks} SELECT namespace, seq DIV {BLOCK}, COUNT(*)"
                f" FROM {self._items} GROUP BY namespace, seq DIV {BLOCK}",
                (),
            )

    def count_blocks(self, namespace: str) -> None:
        """Count a namespace's blocks again from its items (after a bulk load)."""
        with self._lock, self._live().cursor() as cursor:
            cursor.execute("START TRANSACTION")
            try:
                cursor.execute(f"DELETE FROM {self._blocks} WHERE namespace = %s", (namespace,))
                cursor.execute(
                    f"INSERT INTO {self._blocks} SELECT %s, seq DIV {BLOCK}, COUNT(*)"
                    f" FROM {self._items} WHERE namespace = %s GROUP BY seq DIV {BLOCK}",
                    (namespace, namespace),
                )
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    @classmethod
    def from_url(cls, url: str) -> MysqlStore:
        """`mysql://user:password@host:3306/database?prefix=t_` (port and prefix optional)."""
        parts = urlparse(url)
        database = parts.path.lstrip("/")
        if parts.scheme not in ("mysql", "mariadb") or not parts.hostname or not database:
            raise ValueError(f"bad MySQL URL {url!r}: use mysql://user:password@host:port/database")
        prefix = parse_qs(parts.query).get("prefix", [""])[0]
        return cls(
            parts.hostname,
            parts.port or 3306,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            database,
            prefix,
        )

    def _live(self) -> Any:
        """The connection, opened again if the server dropped it (call with the lock held)."""
        import pymysql

        try:
            self._db.ping(False)
        except pymysql.MySQLError:
            self._db = self._connect()
        return self._db

    def _run(self, sql: str, params: tuple[Any, ...], fetch: bool = False) -> Any:
        with self._lock, self._live().cursor() as cursor:
            count = cursor.execute(sql, params)
            return cursor.fetchall() if fetch else count

    async def _call(self, sql: str, params: tuple[Any, ...] = (), fetch: bool = False) -> Any:
        return await asyncio.to_thread(self._run, sql, params, fetch)

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        rows = await self._call(
            f"SELECT value FROM {self._items} WHERE namespace = %s AND k = %s",
            (namespace, key),
            fetch=True,
        )
        return json.loads(rows[0][0]) if rows else None

    def _counted(self, cursor: Any, namespace: str, seq: int, added: int) -> None:
        """The size and the block count follow an added or removed item (in its
        transaction)."""
        cursor.execute(
            f"INSERT INTO {self._sizes} VALUES (%s, %s) ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
            (namespace, added),
        )
        cursor.execute(
            f"INSERT INTO {self._blocks} VALUES (%s, %s, %s)"
            " ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
            (namespace, seq // BLOCK, added),
        )

    def _put(self, namespace: str, key: str, text: str) -> None:
        with self._lock, self._live().cursor() as cursor:
            cursor.execute("START TRANSACTION")
            try:
                count = cursor.execute(
                    f"INSERT INTO {self._items} (namespace, k, value) VALUES (%s, %s, %s) "
                    "ON DUPLICATE KEY UPDATE value = VALUES(value)",
                    (namespace, key, text),
                )
                if count == 1:  # 1: inserted; 2 or 0: an insert that replaced
                    self._counted(cursor, namespace, cursor.lastrowid, 1)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def _delete(self, namespace: str, key: str) -> bool:
        with self._lock, self._live().cursor() as cursor:
            cursor.execute("START TRANSACTION")
            try:
                cursor.execute(
                    f"SELECT seq FROM {self._items} WHERE namespace = %s AND k = %s FOR UPDATE",
                    (namespace, key),
                )
                found = cursor.fetchone()
                if found is not None:
                    cursor.execute(f"DELETE FROM {self._items} WHERE seq = %s", (found[0],))
                    self._counted(cursor, namespace, found[0], -1)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
            return found is not None

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        await asyncio.to_thread(self._put, namespace, key, _dumps(value))

    async def delete(self, namespace: str, key: str) -> bool:
        return await asyncio.to_thread(self._delete, namespace, key)

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        rows = await self._call(
            f"SELECT value FROM {self._items} WHERE namespace = %s ORDER BY seq",
            (namespace,),
            fetch=True,
        )
        return [json.loads(text) for (text,) in rows]

    def _field_index(self, field: str) -> tuple[str, str] | None:
        """The (type, text) columns of `field`'s filter index, made the first time a page
        filters on it (virtual columns and an index on (namespace, type, text)); at most
        `INDEXES`, so invented query parameters cannot grow the table. None past that, or
        where the server cannot (MySQL has no ADD COLUMN IF NOT EXISTS): the rows are read."""
        if field in self._field_indexes:
            return self._field_indexes[field]
        self._field_indexes[field] = None
        import pymysql

        name = "w_" + hashlib.sha1(field.encode()).hexdigest()[:12]
        with self._lock, self._live().cursor() as cursor:
            cursor.execute(f"SHOW INDEX FROM {self._items}")
            made = {row[2] for row in cursor.fetchall() if str(row[2]).startswith("w_")}
            if name not in made and len(made) >= INDEXES:
                return None
            kind, text = mysql_field_columns(field, self._db.escape(path(field)))
            try:
                cursor.execute(
                    f"ALTER TABLE {self._items}"
                    f" ADD COLUMN IF NOT EXISTS {name}_t VARCHAR(20) AS ({kind}) VIRTUAL,"
                    f" ADD COLUMN IF NOT EXISTS {name}_v VARBINARY({4 * PREFIX}) AS ({text})"
                    f" VIRTUAL, ADD INDEX IF NOT EXISTS {name} (namespace, {name}_t, {name}_v)"
                )
            except pymysql.MySQLError:
                return None
        self._field_indexes[field] = (f"{name}_t", f"{name}_v")
        return self._field_indexes[field]

    def _through_index(
        self, cursor: Any, namespace: str, query: Query, indexed: dict, limit: int, offset: int
    ) -> tuple[list[int], int] | None:
        """A filtered page's places and total through the first indexed filter: its arms
        (`mysql_arms`, each one range of its index) counted in the index alone, the other
        filters checked on their rows, the page cut by the server. None without an index."""
        driver = next((f for f in query.filters if indexed.get(f)), None)
        if driver is None:
            return None
        rest, rest_params = mysql_where({k: v for k, v in query.filters.items() if k != driver})
        arms = [
            (f"namespace = %s AND {arm} AND {rest}", [namespace, *params, *rest_params])
            for arm, params in mysql_arms(driver, query.filters[driver], *indexed[driver])
        ]
        total = 0
        for where, params in arms:
            cursor.execute(f"SELECT COUNT(*) FROM {self._items} WHERE {where}", params)
            total += int(cursor.fetchone()[0])
        if limit == 0 or offset >= total:
            return [], total
        union = " UNION ALL ".join(f"SELECT seq AS s FROM {self._items} WHERE {w}" for w, _ in arms)
        params = [v for _, ps in arms for v in ps]
        if query.sort:
            order, order_params = mysql_order(query.sort)
            cursor.execute(
                f"SELECT seq FROM {self._items} JOIN ({union}) u ON seq = u.s"
                f" ORDER BY {order} LIMIT %s OFFSET %s",
                (*params, *order_params, limit, offset),
            )
        else:
            cursor.execute(
                f"SELECT s FROM ({union}) u ORDER BY s LIMIT %s OFFSET %s",
                (*params, limit, offset),
            )
        return [seq for (seq,) in cursor.fetchall()], total

    def _scanned(
        self, cursor: Any, namespace: str, query: Query, limit: int, offset: int
    ) -> tuple[list[int], int]:
        """A page's places and total in one pass over the namespace (no field index). A
        sort field is extracted once per row into a derived table (LIMIT keeps the server
        from merging it back into eleven extractions a row)."""
        where, params = mysql_where(query.filters)
        if query.sort:
            order, _ = mysql_order(query.sort, "x")
            source = (
                f"(SELECT seq, JSON_EXTRACT(value, %s) AS x FROM {self._items}"
                f" WHERE namespace = %s AND {where} LIMIT {2**64 - 1}) t"
            )
            params = [path(sort_key(query.sort)[0]), namespace, *params]
        else:
            order, source = "seq", f"{self._items} WHERE namespace = %s AND {where}"
            params = [namespace, *params]
        if query.filters:  # the total is the matches: all their places, cut here
            cursor.execute(f"SELECT seq FROM {source} ORDER BY {order}", params)
            seqs = [seq for (seq,) in cursor.fetchall()]
            return seqs[offset : offset + limit], len(seqs)
        cursor.execute(
            f"SELECT seq FROM {source} ORDER BY {order} LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
        seqs = [seq for (seq,) in cursor.fetchall()]
        cursor.execute(f"SELECT n FROM {self._sizes} WHERE namespace = %s", (namespace,))
        size = cursor.fetchone()
        return seqs, size[0] if size else 0

    def _page(self, namespace: str, query: Query) -> Page:
        indexed = {name: self._field_index(name) for name in query.filters}
        limit = 2**63 - 1 if query.limit is None else max(query.limit, 0)
        offset = max(query.offset, 0)
        with self._lock, self._live().cursor() as cursor:
            # One snapshot for the page and its total (REPEATABLE READ, InnoDB's default).
            cursor.execute("START TRANSACTION READ ONLY")
            try:
                if not query.filters and not query.sort:
                    rows = self._positioned(cursor, namespace, limit, offset)
                    cursor.execute(
                        f"SELECT n FROM {self._sizes} WHERE namespace = %s", (namespace,)
                    )
                    found = cursor.fetchone()
                    total = found[0] if found else 0
                else:
                    # Every match's place in order, sorted without the values, which only the
                    # page's rows then carry: found through a field index when one is made,
                    # else in one pass over the namespace.
                    found = self._through_index(cursor, namespace, query, indexed, limit, offset)
                    if found is None:
                        found = self._scanned(cursor, namespace, query, limit, offset)
                    rows, total = self._values(cursor, found[0]), found[1]
            finally:
                cursor.execute("COMMIT")
        return Page([json.loads(text) for (text,) in rows], int(total))

    def _values(self, cursor: Any, seqs: list[int]) -> list[tuple[str]]:
        """The values at these places, in this order."""
        if not seqs:
            return []
        cursor.execute(
            f"SELECT seq, value FROM {self._items} WHERE seq IN ({', '.join(['%s'] * len(seqs))})",
            seqs,
        )
        found = dict(cursor.fetchall())
        return [(found[seq],) for seq in seqs]

    def _positioned(self, cursor: Any, namespace: str, limit: int, offset: int) -> Any:
        """The values of an unfiltered page: the block holding position `offset` from the
        block counts, then at most a block of (namespace, seq) index entries walked."""
        cursor.execute(
            f"SELECT block, ahead FROM (SELECT block, SUM(n) OVER (ORDER BY block) - n"
            f" AS ahead FROM {self._blocks} WHERE namespace = %s) b WHERE ahead <= %s"
            " ORDER BY block DESC LIMIT 1",
            (namespace, offset),
        )
        found = cursor.fetchone()
        if found is None:
            return []
        block, ahead = found
        cursor.execute(
            f"SELECT i.value FROM {self._items} i JOIN (SELECT seq FROM {self._items}"
            " FORCE INDEX (ns_seq) WHERE namespace = %s AND seq >= %s ORDER BY seq"
            " LIMIT %s OFFSET %s) p ON i.seq = p.seq ORDER BY i.seq",
            (namespace, int(block) * BLOCK, limit, offset - int(ahead)),
        )
        return cursor.fetchall()

    async def page(self, namespace: str, query: Query) -> Page:
        return await asyncio.to_thread(self._page, namespace, query)

    def _next_id(self, namespace: str) -> int:
        with self._lock, self._live().cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self._counters} (namespace, value) "
                "VALUES (%s, LAST_INSERT_ID(1)) "
                "ON DUPLICATE KEY UPDATE value = LAST_INSERT_ID(value + 1)",
                (namespace,),
            )
            cursor.execute("SELECT LAST_INSERT_ID()")
            return int(cursor.fetchone()[0])

    async def next_id(self, namespace: str) -> int:
        return await asyncio.to_thread(self._next_id, namespace)

    def _claim(
        self, namespace: str, key: str, holder: str, now: float, until: float, text: str | None
    ) -> bool:
        with self._lock, self._live().cursor() as cursor:
            self._claimed += 1
            if self._claimed >= SWEEP_EVERY:
                self._claimed = 0
                cursor.execute(
                    f"DELETE FROM {self._claims} WHERE namespace = %s AND ends <= %s",
                    (namespace, now),
                )
            # 1 when inserted; 0 when the key exists (`n = n` changes nothing).
            if cursor.execute(
                f"INSERT INTO {self._claims} (namespace, k, holder, ends, value) "
                "VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE n = n",
                (namespace, key, holder, until, text),
            ):
                return True
            taken = cursor.execute(
                f"UPDATE {self._claims} SET holder = %s, ends = %s, value = %s, n = n + 1"
                " WHERE namespace = %s AND k = %s AND (holder = %s OR ends <= %s)",
                (holder, until, text, namespace, key, holder, now),
            )
            return taken > 0

    async def claim(
        self,
        namespace: str,
        key: str,
        holder: str,
        now: float,
        until: float,
        value: Mapping[str, Any] | None = None,
    ) -> bool:
        text = None if value is None else _dumps(value)
        return await asyncio.to_thread(self._claim, namespace, key, holder, now, until, text)

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        rows = await self._call(
            f"SELECT holder, value FROM {self._claims} WHERE namespace = %s AND k = %s"
            " AND ends > %s",
            (namespace, key, now),
            fetch=True,
        )
        if not rows:
            return None
        holder, text = rows[0]
        return holder, None if text is None else json.loads(text)

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        sql = f"DELETE FROM {self._claims} WHERE namespace = %s AND k = %s"
        params: tuple[Any, ...] = (namespace, key)
        if holder is not None:
            sql, params = sql + " AND holder = %s", (*params, holder)
        return bool(await self._call(sql, params))

    async def namespaces(self, prefix: str = "") -> list[str]:
        rows = await self._call(
            f"SELECT DISTINCT namespace FROM {self._items} WHERE LEFT(namespace, %s) = %s "
            "ORDER BY namespace",
            (len(prefix), prefix),
            fetch=True,
        )
        return [name for (name,) in rows]

    async def clear(self, prefix: str = "") -> None:
        for table in (self._items, self._counters, self._sizes, self._claims, self._blocks):
            await self._call(
                f"DELETE FROM {table} WHERE LEFT(namespace, %s) = %s", (len(prefix), prefix)
            )

    async def close(self) -> None:
        def shut() -> None:
            with self._lock:
                if self._db.open:
                    self._db.close()

        await asyncio.to_thread(shut)

    def drop_tables(self) -> None:
        """Remove this store's tables (tests use a table prefix each)."""
        for table in (self._items, self._counters, self._sizes, self._claims, self._blocks):
            self._run(f"DROP TABLE IF EXISTS {table}", ())
