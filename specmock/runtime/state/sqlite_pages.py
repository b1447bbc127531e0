"""How a SQLite store finds a page without reading the items before it.

An unfiltered page finds the block holding its offset from the per-block item counts
(`blocks`, kept by triggers) and walks at most one block of the (namespace, seq) index.
A sorted page walks the sort's index; a filtered one is driven by the filter matching
fewest items, counted in its field's index. Only the page's rows are read from the table.
Indexes are made the first time a page asks for one, at most `INDEXES` of each kind.

Plain functions on the store's connection: the store holds the lock and the read
transaction, so the page and its total come from one snapshot.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from .query import Page, Query, sort_key
from .where import sqlite_arms, sqlite_order, sqlite_sort_key, sqlite_where

BLOCK = 1024  # as written in the `blocks` triggers
SORT_FOUND = 5000  # matches sorted as found; more are taken walking the sort's index
INDEXES = 16  # sorted fields, and filtered ones, given an index (each costs every write)

Arms = list[tuple[str, str, list[Any]]]  # (table, condition, parameters) of a filter


def make_index(db: sqlite3.Connection, kind: str, key: str, columns: str) -> str | None:
    """The name of the index `by` a sort's order or `where` a filtered field's type and
    value, made here unless a process made it already; None past `INDEXES` of the kind,
    so arbitrary query parameters cannot grow the file (pages then read the rows). Call
    inside a write transaction."""
    name = f"items_{kind}_" + hashlib.sha1(key.encode()).hexdigest()[:16]
    made = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND substr(name, 1, ?) = ?",
        (len(kind) + 7, f"items_{kind}_"),
    ).fetchall()
    if (name,) in made or len(made) < INDEXES:
        db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON items ({columns})")
        return name
    return None


def read_page(
    db: sqlite3.Connection, indexes: dict[tuple[str, str], str | None], namespace: str, query: Query
) -> Page:
    """The page and its total (call inside one read transaction)."""
    limit = -1 if query.limit is None else max(query.limit, 0)
    offset = max(query.offset, 0)
    if not query.filters and not query.sort:
        rows = positioned(db, namespace, limit, offset)
        total = size(db, namespace)
    elif query.filters:
        seqs, total = filtered(db, indexes, namespace, query, limit, offset)
        rows = values(db, seqs)
    else:  # sorted: the places from the sort's index alone, then their values
        seqs = [
            seq
            for (seq,) in db.execute(
                f"SELECT seq FROM items WHERE namespace = ?"
                f" ORDER BY {sqlite_order(query.sort)} LIMIT ? OFFSET ?",
                (namespace, limit, offset),
            )
        ]
        rows = values(db, seqs)
        total = size(db, namespace)
    return Page([json.loads(text) for (text,) in rows], int(total))


def size(db: sqlite3.Connection, namespace: str) -> int:
    found = db.execute("SELECT n FROM sizes WHERE namespace = ?", (namespace,)).fetchone()
    return found[0] if found else 0


def positioned(db: sqlite3.Connection, namespace: str, limit: int, offset: int) -> list[tuple[str]]:
    """An unfiltered page: the block holding position `offset` from the block counts,
    then at most a block of the (namespace, seq) index walked; only the page's rows are
    read from the table."""
    found = db.execute(
        "SELECT block, ahead FROM (SELECT block, sum(n) OVER (ORDER BY block) - n AS ahead"
        " FROM blocks WHERE namespace = ?) WHERE ahead <= ? ORDER BY block DESC LIMIT 1",
        (namespace, offset),
    ).fetchone()
    if found is None:
        return []
    block, ahead = found
    return db.execute(
        "SELECT value FROM items WHERE seq IN (SELECT seq FROM items WHERE namespace = ?"
        " AND seq >= ? ORDER BY seq LIMIT ? OFFSET ?) ORDER BY seq",
        (namespace, block * BLOCK, limit, offset - ahead),
    ).fetchall()


def count(db: sqlite3.Connection, arms: Arms) -> int:
    return sum(
        db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
        for table, where, params in arms
    )


def arms(index: str | None, namespace: str, name: str, wanted: str) -> Arms:
    """A filter's arms as (table, condition, parameters). The list arm (last) names the
    field's `index`: left to itself the planner may walk the namespace in order to spare
    a sort of the (usually few) lists, reading every row."""
    found = sqlite_arms(name, wanted)
    return [
        (
            f"items INDEXED BY {index}" if index and n == len(found) - 1 else "items",
            f"namespace = ? AND {arm}",
            [namespace, *params],
        )
        for n, (arm, params) in enumerate(found)
    ]


def filtered(
    db: sqlite3.Connection,
    indexes: dict[tuple[str, str], str | None],
    namespace: str,
    query: Query,
    limit: int,
    offset: int,
) -> tuple[list[int], int]:
    """A filtered page's places and its total. The filter matching fewest items (each
    counted in its field's index, `sqlite_arms`) drives: its arms find the candidates,
    the other filters are checked on those rows alone. In insertion order the arms'
    ordered ranges are merged; sorted, few matches are sorted as found, many are
    taken walking the sort's index."""
    counted = []
    for name, wanted in query.filters.items():
        found = arms(indexes.get(("where", name)), namespace, name, wanted)
        counted.append((count(db, found), name, found))
    least, driver, driving = min(counted, key=lambda c: c[0])
    rest, rest_params = sqlite_where({k: v for k, v in query.filters.items() if k != driver})
    driving = [(table, f"{w} AND {rest}", [*params, *rest_params]) for table, w, params in driving]
    total = least if len(counted) == 1 else count(db, driving)
    if limit == 0 or offset >= total:
        return [], total
    if query.sort and total > SORT_FOUND:
        where, params = sqlite_where(query.filters)
        found_seqs = db.execute(
            f"SELECT seq FROM items WHERE namespace = ? AND {where}"
            f" ORDER BY {sqlite_order(query.sort)} LIMIT ? OFFSET ?",
            (namespace, *params, limit, offset),
        )
        return [seq for (seq,) in found_seqs], total
    key = sqlite_sort_key(query.sort) if query.sort else "seq"
    union = " UNION ALL ".join(
        f"SELECT seq, {key} AS k FROM {table} WHERE {w}" for table, w, _ in driving
    )
    direction = "DESC" if query.sort and sort_key(query.sort)[1] else "ASC"
    found_seqs = db.execute(
        f"{union} ORDER BY k {direction}, seq LIMIT ? OFFSET ?",
        [p for _, _, params in driving for p in params] + [limit, offset],
    )
    return [seq for seq, _ in found_seqs], total


def values(db: sqlite3.Connection, seqs: list[int]) -> list[tuple[str]]:
    """The values at these places, in this order."""
    found: dict[int, str] = {}
    for start in range(0, len(seqs), 500):  # within SQLite's bound-parameter limit
        part = seqs[start : start + 500]
        found.update(
            db.execute(
                f"SELECT seq, value FROM items WHERE seq IN ({', '.join('?' * len(part))})",
                part,
            )
        )
    return [(found[seq],) for seq in seqs]
