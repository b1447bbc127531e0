"""A store in one SQLite file, shared safely by several processes (workers).

Items live in one table ordered by an integer `seq` that an upsert keeps, so a
replaced item keeps its place. Every write runs in a `BEGIN IMMEDIATE`
transaction (the write lock is taken up front, so two processes never deadlock
upgrading a read lock), the file is in WAL mode so readers never wait for
writers, and `busy_timeout` makes a process wait for the lock instead of failing.

Statements are short, so they run directly on the event loop's thread; a lock
keeps them serialized if the store is used from several threads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .query import Page, Query, sort_key
from .where import sqlite_arms, sqlite_field_index, sqlite_order, sqlite_sort_key, sqlite_where

SORT_FOUND = 5000  # matches sorted as found; more are taken walking the sort's index
INDEXES = 16  # sorted fields, and filtered ones, given an index (each costs every write)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (namespace, key)
);
CREATE INDEX IF NOT EXISTS items_order ON items (namespace, seq);
CREATE TABLE IF NOT EXISTS counters (
    namespace TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sizes (
    namespace TEXT PRIMARY KEY,
    n INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS items_added AFTER INSERT ON items BEGIN
    INSERT INTO sizes VALUES (new.namespace, 1)
    ON CONFLICT (namespace) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS items_removed AFTER DELETE ON items BEGIN
    UPDATE sizes SET n = n - 1 WHERE namespace = old.namespace;
END;
CREATE TABLE IF NOT EXISTS blocks (
    namespace TEXT NOT NULL,
    block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (namespace, block)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS items_block_added AFTER INSERT ON items BEGIN
    INSERT INTO blocks VALUES (new.namespace, new.seq / 1024, 1)
    ON CONFLICT (namespace, block) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS items_block_removed AFTER DELETE ON items BEGIN
    UPDATE blocks SET n = n - 1 WHERE namespace = old.namespace AND block = old.seq / 1024;
END;
"""
# `sizes` keeps each namespace's item count (the triggers update it in the same statement),
# so an unfiltered page's total is one lookup, not a count over the namespace (16 ms at 100k
# items on the 2-core machine, 2026-12-07). `blocks` counts each namespace's items per
# 1024 consecutive `seq` values, so an unfiltered page finds the block holding its offset by
# summing about n/1024 counts and walks at most one block of `items_order` (skipping 50,000
# entries of the index costs 1.3 ms; the block sum and walk about 0.1 ms).
BLOCK = 1024  # as written in the triggers

_CLAIMS = """
CREATE TABLE IF NOT EXISTS claims (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    holder TEXT NOT NULL,
    until REAL NOT NULL,
    value TEXT,
    PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS claims_until ON claims (namespace, until);
"""
SWEEP_EVERY = 256  # claims taken between two sweeps of a namespace's expired ones

# Prefix match without LIKE, whose `%` and `_` would be wildcards.
_PREFIX = "substr(namespace, 1, ?) = ?"


def _statements(script: str) -> list[str]:
    """The schema's statements (a trigger body holds `;` of its own)."""
    out, part = [], ""
    for piece in script.split(";"):
        part += piece + ";"
        if sqlite3.complete_statement(part):
            if part.strip(" \n;"):
                out.append(part.strip())
            part = ""
    return out


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))


class SqliteStore:
    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._claimed = 0
        self._indexes: dict[tuple[str, str], str | None] = {}  # -> the index's name
        # isolation_level=None: no implicit transactions, we open them ourselves.
        self._db = sqlite3.connect(
            self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        if self.path != ":memory:":
            self._wal(busy_timeout)
            self._db.execute("PRAGMA synchronous = NORMAL")
        with self._write() as db:
            had = {
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name IN ('sizes', 'blocks')"
                )
            }
            for statement in _statements(_SCHEMA + _CLAIMS):
                db.execute(statement)
            if "sizes" not in had:  # a file from before `sizes`: count once
                db.execute(
                    "INSERT OR REPLACE INTO sizes SELECT namespace, count(*) FROM items "
                    "GROUP BY namespace"
                )
            if "blocks" not in had:  # ... or from before `blocks`
                db.execute(
                    f"INSERT OR REPLACE INTO blocks SELECT namespace, seq / {BLOCK}, count(*)"
                    f" FROM items GROUP BY namespace, seq / {BLOCK}"
                )

    def _wal(self, patience: float) -> None:
        """Switch the file to WAL once. The switch needs an exclusive lock and SQLite does not
        wait for it (no busy handler), so processes opening the file together retry."""
        deadline = time.monotonic() + patience
        while True:
            try:
                mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        """`sqlite:///relative.db`, `sqlite:////abs/path.db` or `sqlite://:memory:`."""
        if not url.startswith("sqlite:"):
            raise ValueError(f"not a sqlite URL: {url!r}")
        rest = url[len("sqlite:") :].split("?", 1)[0]
        if rest in ("", "//", "//:memory:", "///:memory:"):
            return cls(":memory:")
        if not rest.startswith("///") or rest == "///":
            raise ValueError(
                f"bad sqlite URL {url!r}: use sqlite:///relative.db, sqlite:////abs/path.db "
                "or sqlite://:memory:"
            )
        return cls(rest[3:])

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT value FROM items WHERE namespace = ? AND key = ?", (namespace, key)
        )
        return json.loads(rows[0][0]) if rows else None

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        text = _dumps(value)
        with self._write() as db:
            db.execute(
                "INSERT INTO items (namespace, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
                (namespace, key, text),
            )

    async def delete(self, namespace: str, key: str) -> bool:
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM items WHERE namespace = ? AND key = ?", (namespace, key)
            )
            return cursor.rowcount > 0

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        rows = self._read("SELECT value FROM items WHERE namespace = ? ORDER BY seq", (namespace,))
        return [json.loads(text) for (text,) in rows]

    def _size(self, namespace: str) -> int:
        found = self._db.execute("SELECT n FROM sizes WHERE namespace = ?", (namespace,)).fetchone()
        return found[0] if found else 0

    def _positioned(self, namespace: str, limit: int, offset: int) -> list[tuple[str]]:
        """An unfiltered page: the block holding position `offset` from the block counts,
        then at most a block of the (namespace, seq) index walked; only the page's rows are
        read from the table."""
        found = self._db.execute(
            "SELECT block, ahead FROM (SELECT block, sum(n) OVER (ORDER BY block) - n AS ahead"
            " FROM blocks WHERE namespace = ?) WHERE ahead <= ? ORDER BY block DESC LIMIT 1",
            (namespace, offset),
        ).fetchone()
        if found is None:
            return []
        block, ahead = found
        return self._db.execute(
            "SELECT value FROM items WHERE seq IN (SELECT seq FROM items WHERE namespace = ?"
            " AND seq >= ? ORDER BY seq LIMIT ? OFFSET ?) ORDER BY seq",
            (namespace, block * BLOCK, limit, offset - ahead),
        ).fetchall()

    def _count(self, arms: list[tuple[str, str, list[Any]]]) -> int:
        return sum(
            self._db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
            for table, where, params in arms
        )

    def _arms(self, namespace: str, name: str, wanted: str) -> list[tuple[str, str, list[Any]]]:
        """A filter's arms as (table, condition, parameters). The list arm (last) names the
        field's index: left to itself the planner may walk the namespace in order to spare
        a sort of the (usually few) lists, reading every row."""
        index = self._indexes.get(("where", name))
        arms = sqlite_arms(name, wanted)
        return [
            (
                f"items INDEXED BY {index}" if index and n == len(arms) - 1 else "items",
                f"namespace = ? AND {arm}",
                [namespace, *params],
            )
            for n, (arm, params) in enumerate(arms)
        ]

    def _filtered(
        self, namespace: str, query: Query, limit: int, offset: int
    ) -> tuple[list[int], int]:
        """A filtered page's places and its total. The filter matching fewest items (each
        counted in its field's index, `sqlite_arms`) drives: its arms find the candidates,
        the other filters are checked on those rows alone. In insertion order the arms'
        ordered ranges are merged; sorted, few matches are sorted as found, many are
        taken walking the sort's index."""
        counted = []
        for name, wanted in query.filters.items():
            arms = self._arms(namespace, name, wanted)
            counted.append((self._count(arms), name, arms))
        least, driver, arms = min(counted, key=lambda c: c[0])
        rest, rest_params = sqlite_where({k: v for k, v in query.filters.items() if k != driver})
        arms = [(table, f"{w} AND {rest}", [*params, *rest_params]) for table, w, params in arms]
        total = least if len(counted) == 1 else self._count(arms)
        if limit == 0 or offset >= total:
            return [], total
        if query.sort and total > SORT_FOUND:
            where, params = sqlite_where(query.filters)
            found = self._db.execute(
                f"SELECT seq FROM items WHERE namespace = ? AND {where}"
                f" ORDER BY {sqlite_order(query.sort)} LIMIT ? OFFSET ?",
                (namespace, *params, limit, offset),
            )
            return [seq for (seq,) in found], total
        key = sqlite_sort_key(query.sort) if query.sort else "seq"
        union = " UNION ALL ".join(
            f"SELECT seq, {key} AS k FROM {table} WHERE {w}" for table, w, _ in arms
        )
        direction = "DESC" if query.sort and sort_key(query.sort)[1] else "ASC"
        found = self._db.execute(
            f"{union} ORDER BY k {direction}, seq LIMIT ? OFFSET ?",
            [p for _, _, params in arms for p in params] + [limit, offset],
        )
        return [seq for seq, _ in found], total

    def _values(self, seqs: list[int]) -> list[tuple[str]]:
        """The values at these places, in this order."""
        found: dict[int, str] = {}
        for start in range(0, len(seqs), 500):  # within SQLite's bound-parameter limit
            part = seqs[start : start + 500]
            found.update(
                self._db.execute(
                    f"SELECT seq, value FROM items WHERE seq IN ({', '.join('?' * len(part))})",
                    part,
                )
            )
        return [(found[seq],) for seq in seqs]

    def _index(self, kind: str, key: str, columns: str) -> None:
        """An index made the first time a page asks for it (a second process finds it made):
        `by` a sort's order, or `where` a filtered field's type and value. At most
        `INDEXES` of each kind, so arbitrary query parameters cannot grow the file; past
        that, pages read the rows instead."""
        if (kind, key) in self._indexes:  # made, found, or over the limit: asked once
            return
        self._indexes[kind, key] = None
        name = f"items_{kind}_" + hashlib.sha1(key.encode()).hexdigest()[:16]
        with self._write() as db:
            made = db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND substr(name, 1, ?) = ?",
                (len(kind) + 7, f"items_{kind}_"),
            ).fetchall()
            if (name,) in made or len(made) < INDEXES:
                db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON items ({columns})")
                self._indexes[kind, key] = name

    async def page(self, namespace: str, query: Query) -> Page:
        limit = -1 if query.limit is None else max(query.limit, 0)
        offset = max(query.offset, 0)
        if query.sort:
            descending = " DESC" if sort_key(query.sort)[1] else ""
            key = f"namespace, {sqlite_sort_key(query.sort)}{descending}, seq"
            self._index("by", query.sort, key)
        for name in query.filters:
            self._index("where", name, sqlite_field_index(name))
        with self._lock:
            # One read transaction: the page and its total come from the same snapshot.
            self._db.execute("BEGIN")
            try:
                if not query.filters and not query.sort:
                    rows = self._positioned(namespace, limit, offset)
                    total = self._size(namespace)
                elif query.filters:
                    seqs, total = self._filtered(namespace, query, limit, offset)
                    rows = self._values(seqs)
                else:  # sorted: the places from the sort's index alone, then their values
                    seqs = [
                        seq
                        for (seq,) in self._db.execute(
                            f"SELECT seq FROM items WHERE namespace = ?"
                            f" ORDER BY {sqlite_order(query.sort)} LIMIT ? OFFSET ?",
                            (namespace, limit, offset),
                        )
                    ]
                    rows = self._values(seqs)
                    total = self._size(namespace)
            finally:
                self._db.execute("COMMIT")
        return Page([json.loads(text) for (text,) in rows], int(total))

    async def next_id(self, namespace: str) -> int:
        with self._write() as db:
            db.execute(
                "INSERT INTO counters (namespace, value) VALUES (?, 1) "
                "ON CONFLICT (namespace) DO UPDATE SET value = value + 1",
                (namespace,),
            )
            (value,) = db.execute(
                "SELECT value FROM counters WHERE namespace = ?", (namespace,)
            ).fetchone()
            return int(value)

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
        with self._write() as db:
            taken = db.execute(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace, key) DO "
                "UPDATE SET holder = excluded.holder, until = excluded.until, value = "
                "excluded.value WHERE claims.holder = excluded.holder OR claims.until <= ?",
                (namespace, key, holder, until, text, now),
            ).rowcount
            self._claimed += 1
            if self._claimed >= SWEEP_EVERY:
                self._claimed = 0
                db.execute(
                    "DELETE FROM claims WHERE namespace = ? AND until <= ?", (namespace, now)
                )
        return taken > 0

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        rows = self._read(
            "SELECT holder, value FROM claims WHERE namespace = ? AND key = ? AND until > ?",
            (namespace, key, now),
        )
        if not rows:
            return None
        holder, text = rows[0]
        return holder, None if text is None else json.loads(text)

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        with self._write() as db:
            if holder is None:
                sql, params = "DELETE FROM claims WHERE namespace = ? AND key = ?", (namespace, key)
            else:
                sql = "DELETE FROM claims WHERE namespace = ? AND key = ? AND holder = ?"
                params = (namespace, key, holder)
            return db.execute(sql, params).rowcount > 0

    async def namespaces(self, prefix: str = "") -> list[str]:
        rows = self._read(
            f"SELECT DISTINCT namespace FROM items WHERE {_PREFIX} ORDER BY namespace",
            (len(prefix), prefix),
        )
        return [name for (name,) in rows]

    async def clear(self, prefix: str = "") -> None:
        with self._write() as db:
            db.execute(f"DELETE FROM items WHERE {_PREFIX}", (len(prefix), prefix))
            db.execute(f"DELETE FROM counters WHERE {_PREFIX}", (len(prefix), prefix))
            db.execute(f"DELETE FROM sizes WHERE {_PREFIX}", (len(prefix), prefix))
            db.execute(f"DELETE FROM claims WHERE {_PREFIX}", (len(prefix), prefix))
            db.execute(f"DELETE FROM blocks WHERE {_PREFIX}", (len(prefix), prefix))

    async def close(self) -> None:
        with self._lock:
            self._db.close()
