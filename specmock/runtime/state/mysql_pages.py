"""How a MySQL/MariaDB store finds a page without reading the items before it.

An offset is found without walking to it: InnoDB steps through an index at about 0.6 µs an
entry (30 ms to skip 50,000 on the 2-core machine, 2026-12-07), so each namespace also
counts its items per block of `BLOCK` consecutive `seq` values (`blocks`, kept by put and
delete in their transaction). A page sums those counts to find the block holding its first
item (a hundred rows at 100k items) and walks at most `BLOCK` index entries from there.
A filtered page goes through its field's index (virtual columns made on first use), else
through one pass over the namespace; either way only the page's rows carry their values.

Plain functions on a cursor and the store's table prefix: the store holds the lock and
the read-only transaction, so the page and its total come from one snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .query import Page, Query, sort_key
from .where import (
    PREFIX,
    SORTED,
    mysql_arms,
    mysql_field_columns,
    mysql_order,
    mysql_sort_columns,
    mysql_where,
    path,
)

BLOCK = 1024
INDEXES = 16  # filtered fields given virtual columns and an index; sorts, the same
SORT_FOUND = 5000  # matches sorted as found; more are taken walking the sort's index

# A filtered field -> its index's (type, text) columns, or None where it has none.
Indexed = dict[str, Any]


def make_field_index(
    cursor: Any, prefix: str, name: str, field: str, escape: Callable[[str], str]
) -> tuple[str, str] | None:
    """The (type, text) columns of `field`'s filter index `name`: virtual columns and an
    index on (namespace, type, text), made here unless made already. At most `INDEXES`, so
    invented query parameters cannot grow the table: None past that, or where the server
    cannot (MySQL has no ADD COLUMN IF NOT EXISTS), and the rows are read instead."""
    import pymysql

    cursor.execute(f"SHOW INDEX FROM {prefix}items")
    made = {row[2] for row in cursor.fetchall() if str(row[2]).startswith("w_")}
    if name not in made and len(made) >= INDEXES:
        return None
    kind, text = mysql_field_columns(field, escape(path(field)))
    try:
        cursor.execute(
            f"ALTER TABLE {prefix}items"
            f" ADD COLUMN IF NOT EXISTS {name}_t VARCHAR(20) AS ({kind}) VIRTUAL,"
            f" ADD COLUMN IF NOT EXISTS {name}_v VARBINARY({4 * PREFIX}) AS ({text})"
            f" VIRTUAL, ADD INDEX IF NOT EXISTS {name} (namespace, {name}_t, {name}_v)"
        )
    except pymysql.MySQLError:
        return None
    return f"{name}_t", f"{name}_v"


def make_sort_index(
    cursor: Any, prefix: str, name: str, sort: str, escape: Callable[[str], str]
) -> str | None:
    """The name of the index walked for `sort` (`-field` descending): virtual columns
    `name`_g (_h descending), _n, _t (`mysql_sort_columns`) and an index on (namespace,
    g, n, t, seq), n and t descending for a descending sort, made here unless made
    already. Capped as filter indexes are (`INDEXES`); None past that or where the server
    cannot."""
    import pymysql

    field, descending = sort_key(sort)
    index = f"{name}_{'d' if descending else 'a'}"
    cursor.execute(f"SHOW INDEX FROM {prefix}items")
    made = {row[2] for row in cursor.fetchall() if str(row[2]).startswith("s_")}
    if index not in made and len(made) >= INDEXES:
        return None
    group, number, text = mysql_sort_columns(escape(path(field)), descending)
    way, g = (" DESC", "h") if descending else ("", "g")
    try:
        cursor.execute(
            f"ALTER TABLE {prefix}items"
            f" ADD COLUMN IF NOT EXISTS {name}_{g} TINYINT AS ({group}) VIRTUAL,"
            f" ADD COLUMN IF NOT EXISTS {name}_n DOUBLE AS ({number}) VIRTUAL,"
            f" ADD COLUMN IF NOT EXISTS {name}_t VARBINARY({4 * SORTED}) AS ({text}) VIRTUAL,"
            f" ADD INDEX IF NOT EXISTS {index}"
            f" (namespace, {name}_{g}, {name}_n{way}, {name}_t{way}, seq)"
        )
    except pymysql.MySQLError:
        return None
    return index


def through_sort(
    cursor: Any, prefix: str, namespace: str, query: Query, index: str, limit: int, offset: int
) -> list[int]:
    """A sorted page's places, walking the sort's index from the namespace's start to
    `offset` (the filters, if any, checked on the rows walked)."""
    name = index[:-2]
    way, g = (" DESC", "h") if index.endswith("_d") else ("", "g")
    where, params = mysql_where(query.filters)
    cursor.execute(
        f"SELECT seq FROM {prefix}items FORCE INDEX ({index}) WHERE namespace = %s AND {where}"
        f" ORDER BY {name}_{g}, {name}_n{way}, {name}_t{way}, seq LIMIT %s OFFSET %s",
        (namespace, *params, limit, offset),
    )
    return [seq for (seq,) in cursor.fetchall()]


def _cut(items: list[dict[str, Any]], sort: str) -> bool:
    """Whether a page holds a text longer than a sort index keeps (its order there may
    be wrong among texts alike in their first `SORTED` characters)."""
    field = sort_key(sort)[0]
    return any(isinstance(i.get(field), str) and len(i[field]) >= SORTED for i in items)


def read_page(
    cursor: Any,
    prefix: str,
    namespace: str,
    query: Query,
    indexed: Indexed,
    sorted_by: str | None = None,
) -> Page:
    """The page and its total (call inside one read-only transaction); `sorted_by`
    names the sort's index, if it has one."""
    limit = 2**63 - 1 if query.limit is None else max(query.limit, 0)
    offset = max(query.offset, 0)
    if not query.filters and not query.sort:
        rows = positioned(cursor, prefix, namespace, limit, offset)
        total = size(cursor, prefix, namespace)
    elif not query.filters and query.sort and sorted_by:
        seqs = through_sort(cursor, prefix, namespace, query, sorted_by, limit, offset)
        items = [json.loads(text) for (text,) in values(cursor, prefix, seqs)]
        if not _cut(items, query.sort):
            return Page(items, size(cursor, prefix, namespace))
        return read_page(cursor, prefix, namespace, query, indexed)
    else:
        # Every match's place in order, sorted without the values, which only the page's
        # rows then carry: found through a field index when one is made, else in one pass
        # over the namespace.
        found = through_index(cursor, prefix, namespace, query, indexed, limit, offset, sorted_by)
        if found is None:
            found = scanned(cursor, prefix, namespace, query, limit, offset)
        rows, total = values(cursor, prefix, found[0]), found[1]
        if sorted_by and query.sort:
            items = [json.loads(text) for (text,) in rows]
            if _cut(items, query.sort):
                return read_page(cursor, prefix, namespace, query, indexed)
            return Page(items, int(total))
    return Page([json.loads(text) for (text,) in rows], int(total))


def size(cursor: Any, prefix: str, namespace: str) -> int:
    cursor.execute(f"SELECT n FROM {prefix}sizes WHERE namespace = %s", (namespace,))
    found = cursor.fetchone()
    return found[0] if found else 0


def through_index(
    cursor: Any,
    prefix: str,
    namespace: str,
    query: Query,
    indexed: Indexed,
    limit: int,
    offset: int,
    sorted_by: str | None = None,
) -> tuple[list[int], int] | None:
    """A filtered page's places and total through the first indexed filter: its arms
    (`mysql_arms`, each one range of its index) counted in the index alone, the other
    filters checked on their rows, the page cut by the server. Sorted, up to
    `SORT_FOUND` matches are sorted as found; more are taken walking the sort's index
    (`sorted_by`). None without an index."""
    driver = next((f for f in query.filters if indexed.get(f)), None)
    if driver is None:
        return None
    items = f"{prefix}items"
    rest, rest_params = mysql_where({k: v for k, v in query.filters.items() if k != driver})
    arms = [
        (f"namespace = %s AND {arm} AND {rest}", [namespace, *params, *rest_params])
        for arm, params in mysql_arms(driver, query.filters[driver], *indexed[driver])
    ]
    total, matched = 0, []
    for where, params in arms:
        cursor.execute(f"SELECT COUNT(*) FROM {items} WHERE {where}", params)
        found = int(cursor.fetchone()[0])
        total += found
        if found:
            matched.append((where, params))
    if limit == 0 or offset >= total:
        return [], total
    if query.sort and sorted_by and total > SORT_FOUND:
        return through_sort(cursor, prefix, namespace, query, sorted_by, limit, offset), total
    arms = matched  # usually one: then its index range is walked in order, not sorted
    union = " UNION ALL ".join(f"SELECT seq AS s FROM {items} WHERE {w}" for w, _ in arms)
    params = [v for _, ps in arms for v in ps]
    if query.sort:
        order, order_params = mysql_order(query.sort)
        cursor.execute(
            f"SELECT seq FROM {items} JOIN ({union}) u ON seq = u.s"
            f" ORDER BY {order} LIMIT %s OFFSET %s",
            (*params, *order_params, limit, offset),
        )
    elif len(arms) == 1:  # one index range, in seq order: walked to the offset
        cursor.execute(
            f"SELECT seq FROM {items} WHERE {arms[0][0]} ORDER BY seq LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
    else:
        cursor.execute(
            f"SELECT s FROM ({union}) u ORDER BY s LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
    return [seq for (seq,) in cursor.fetchall()], total


def scanned(
    cursor: Any, prefix: str, namespace: str, query: Query, limit: int, offset: int
) -> tuple[list[int], int]:
    """A page's places and total in one pass over the namespace (no field index). A
    sort field is extracted once per row into a derived table (LIMIT keeps the server
    from merging it back into eleven extractions a row)."""
    items = f"{prefix}items"
    where, params = mysql_where(query.filters)
    if query.sort:
        order, _ = mysql_order(query.sort, "x")
        source = (
            f"(SELECT seq, JSON_EXTRACT(value, %s) AS x FROM {items}"
            f" WHERE namespace = %s AND {where} LIMIT {2**64 - 1}) t"
        )
        params = [path(sort_key(query.sort)[0]), namespace, *params]
    else:
        order, source = "seq", f"{items} WHERE namespace = %s AND {where}"
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
    return seqs, size(cursor, prefix, namespace)


def values(cursor: Any, prefix: str, seqs: list[int]) -> list[tuple[str]]:
    """The values at these places, in this order."""
    if not seqs:
        return []
    cursor.execute(
        f"SELECT seq, value FROM {prefix}items WHERE seq IN ({', '.join(['%s'] * len(seqs))})",
        seqs,
    )
    found = dict(cursor.fetchall())
    return [(found[seq],) for seq in seqs]


def positioned(cursor: Any, prefix: str, namespace: str, limit: int, offset: int) -> Any:
    """The values of an unfiltered page: the block holding position `offset` from the
    block counts, then at most a block of (namespace, seq) index entries walked."""
    cursor.execute(
        f"SELECT block, ahead FROM (SELECT block, SUM(n) OVER (ORDER BY block) - n"
        f" AS ahead FROM {prefix}blocks WHERE namespace = %s) b WHERE ahead <= %s"
        " ORDER BY block DESC LIMIT 1",
        (namespace, offset),
    )
    found = cursor.fetchone()
    if found is None:
        return []
    block, ahead = found
    cursor.execute(
        f"SELECT i.value FROM {prefix}items i JOIN (SELECT seq FROM {prefix}items"
        " FORCE INDEX (ns_seq) WHERE namespace = %s AND seq >= %s ORDER BY seq"
        " LIMIT %s OFFSET %s) p ON i.seq = p.seq ORDER BY i.seq",
        (namespace, int(block) * BLOCK, limit, offset - int(ahead)),
    )
    return cursor.fetchall()
