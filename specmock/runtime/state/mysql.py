"""A store in a MySQL or MariaDB database, shared by every worker and instance using it.

`mysql://user:password@host:port/database[?prefix=name_]`: items live in one table
ordered by an auto-increment `seq` that an upsert keeps (`ON DUPLICATE KEY UPDATE` leaves
the row's seq alone), so a replaced item keeps its place. Counters are atomic across
connections through `LAST_INSERT_ID(expr)`, which the server keeps per connection. Keys
and namespaces compare in binary, as in the other stores (case and accents matter).

Pages are found through block counts and field indexes (mysql_pages.py).

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

from .mysql_claims import MysqlClaims
from .mysql_claims import schema as claims_schema
from .mysql_pages import BLOCK, make_field_index, make_sort_index, read_page
from .query import Page, Query, sort_key

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
        self._sort_indexes: dict[str, str | None] = {}
        self._db = self._connect()
        self._prefix = prefix
        self._items, self._counters = f"{prefix}items", f"{prefix}counters"
        self._sizes = f"{prefix}sizes"
        self._claims = f"{prefix}claims"
        self.claims = MysqlClaims(self._claims, self._lock, self._live)
        self._run(claims_schema(self._claims, _TEXT), ())
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
        """The columns of `field`'s filter index, made the first time a page filters on it
        (`make_field_index`); asked once per process, whether made or not."""
        if field in self._field_indexes:
            return self._field_indexes[field]
        self._field_indexes[field] = None
        name = "w_" + hashlib.sha1(field.encode()).hexdigest()[:12]
        with self._lock, self._live().cursor() as cursor:
            columns = make_field_index(cursor, self._prefix, name, field, self._db.escape)
        self._field_indexes[field] = columns
        return columns

    def _sort_index(self, sort: str) -> str | None:
        """The index walked for `sort`, made the first time a page sorts that way
        (`make_sort_index`); asked once per process, whether made or not."""
        if sort in self._sort_indexes:
            return self._sort_indexes[sort]
        self._sort_indexes[sort] = None
        name = "s_" + hashlib.sha1(sort_key(sort)[0].encode()).hexdigest()[:12]
        with self._lock, self._live().cursor() as cursor:
            index = make_sort_index(cursor, self._prefix, name, sort, self._db.escape)
        self._sort_indexes[sort] = index
        return index

    def _page(self, namespace: str, query: Query) -> Page:
        indexed = {name: self._field_index(name) for name in query.filters}
        sorted_by = self._sort_index(query.sort) if query.sort else None
        with self._lock, self._live().cursor() as cursor:
            # One snapshot for the page and its total (REPEATABLE READ, InnoDB's default).
            cursor.execute("START TRANSACTION READ ONLY")
            try:
                return read_page(cursor, self._prefix, namespace, query, indexed, sorted_by)
            finally:
                cursor.execute("COMMIT")

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
        return await self.claims.claim(namespace, key, holder, now, until, text)

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        return await self.claims.claimed(namespace, key, now)

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        return await self.claims.release(namespace, key, holder)

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
