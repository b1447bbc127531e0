"""The Query filter and sort rule (state/base.py) as SQL, for SQLite and for MySQL/MariaDB.

Items are JSON text in a `value` column; a filter is a test on one top-level field,
so each becomes one JSON-path expression and a handful of comparisons whose
parameters are bound, never spliced. A field name can hold any character: it goes
into a quoted path member (`$."name"`), with `"` and `\\` escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .query import sort_key


def path(field: str) -> str:
    return '$."' + field.replace("\\", "\\\\").replace('"', '\\"') + '"'


def numbers(wanted: str) -> list[Any]:
    """The numbers that read exactly as `wanted` (so `5` matches 5 and 5.0, `05` nothing)."""
    found: list[Any] = []
    try:
        if str(int(wanted)) == wanted:
            found.append(int(wanted))
    except ValueError:
        pass
    try:
        number = float(wanted)
        if repr(number) == wanted:
            found.append(number)
    except ValueError:
        pass
    return found


def sqlite_where(filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for field, wanted in filters.items():
        p = path(field)
        candidates = [wanted, *numbers(wanted)]
        marks = ", ".join("?" * len(candidates))
        clauses.append(
            "(json_type(value, ?) IS NULL"
            " OR (json_type(value, ?) IN ('true', 'false') AND json_type(value, ?) = lower(?))"
            " OR (json_type(value, ?) IN ('integer', 'real', 'text')"
            f"     AND json_extract(value, ?) IN ({marks}))"
            " OR (json_type(value, ?) = 'array'"
            "     AND EXISTS (SELECT 1 FROM json_each(items.value, ?) e"
            "     WHERE (e.type IN ('true', 'false') AND e.type = lower(?))"
            f"        OR (e.type IN ('integer', 'real', 'text') AND e.value IN ({marks})))))"
        )
        params += [p, p, p, wanted, p, p, *candidates, p, p, wanted, *candidates]
    return " AND ".join(clauses) or "1", params


def _sorting(sort: str) -> tuple[str, str]:
    """The JSON path of the sort field and the SQL direction."""
    field, descending = sort_key(sort)
    return path(field), "DESC" if descending else "ASC"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sqlite_sort_key(sort: str) -> str:
    """One expression whose order is the Query sort order, written with the path as a
    literal (SQLite uses an index on an expression only for the same expression, and a
    bound parameter is never the same): the field's value when it is a number, a boolean
    (1 or 0) or text, in SQLite's order (numbers before text); otherwise, ascending, an
    empty blob (after all text), descending, NULL (after everything), so the unsortable
    come last either way."""
    field, descending = sort_key(sort)
    p = _literal(path(field))
    last = "NULL" if descending else "x''"
    return (
        f"CASE WHEN json_type(value, {p}) IN ('integer', 'real', 'text', 'true', 'false')"
        f" THEN json_extract(value, {p}) ELSE {last} END"
    )


def sqlite_order(sort: str | None) -> str:
    """The ORDER BY of a page; ties keep insertion order (`seq`) in both directions."""
    if not sort:
        return "seq"
    return f"{sqlite_sort_key(sort)} {'DESC' if sort_key(sort)[1] else 'ASC'}, seq"


_SCALAR = "('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL', 'STRING')"


def mysql_where(filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for field, wanted in filters.items():
        p = path(field)
        elements = ['"' + wanted.replace("\\", "\\\\").replace('"', '\\"') + '"']
        elements += [repr(n) if isinstance(n, float) else str(n) for n in numbers(wanted)]
        if wanted.lower() in ("true", "false"):
            elements.append(wanted.lower())
        contains = " OR ".join("JSON_CONTAINS(JSON_EXTRACT(value, %s), %s)" for _ in elements)
        clauses.append(
            "(JSON_EXTRACT(value, %s) IS NULL"
            " OR (JSON_TYPE(JSON_EXTRACT(value, %s)) = 'BOOLEAN'"
            "     AND JSON_UNQUOTE(JSON_EXTRACT(value, %s)) = LOWER(%s))"
            f" OR (JSON_TYPE(JSON_EXTRACT(value, %s)) IN {_SCALAR}"
            "     AND CAST(JSON_UNQUOTE(JSON_EXTRACT(value, %s)) AS BINARY) = CAST(%s AS BINARY))"
            f" OR (JSON_TYPE(JSON_EXTRACT(value, %s)) = 'ARRAY' AND ({contains})))"
        )
        params += [p, p, p, wanted, p, p, wanted, p]
        for element in elements:
            params += [p, element]
    return " AND ".join(clauses) or "1", params


def mysql_order(sort: str | None) -> tuple[str, list[Any]]:
    if not sort:
        return "seq", []
    p, direction = _sorting(sort)
    return (
        f"JSON_TYPE(JSON_EXTRACT(value, %s)) NOT IN {_SCALAR}"
        " OR JSON_EXTRACT(value, %s) IS NULL,"
        " JSON_TYPE(JSON_EXTRACT(value, %s)) = 'STRING',"
        f" JSON_EXTRACT(value, %s) + 0 {direction},"
        f" CAST(JSON_UNQUOTE(JSON_EXTRACT(value, %s)) AS BINARY) {direction}, seq",
        [p, p, p, p, p],
    )
