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


def _sqlite_scalar(kind: str, value: str, bound: list[Any], wanted: str) -> tuple[str, list[Any]]:
    """The test that a JSON scalar reads as `wanted`, given SQL for its json_type (`kind`)
    and its SQL value (`value`), each needing the parameters `bound`: text equal to it, a
    boolean equal to it in any case, an integer or a whole real equal to an integer
    literal (`5` matches 5 and 5.0), a real equal to a real literal (`5.0` matches 5.0,
    not 5)."""
    parts = [f"({kind} = 'text' AND {value} = ?)", f"({kind} IN ('true', 'false') AND {kind} = ?)"]
    params = [*bound, *bound, wanted, *bound, *bound, wanted.lower()]
    for number in numbers(wanted):
        if isinstance(number, int):
            if not -(2**63) <= number < 2**63:  # beyond SQLite's integers: stored as reals
                continue
            parts.append(f"({kind} IN ('integer', 'real') AND {value} = ?)")
        else:
            parts.append(f"({kind} = 'real' AND {value} = ?)")
        params += [*bound, *bound, number]
    return "(" + " OR ".join(parts) + ")", params


def sqlite_where(filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for field, wanted in filters.items():
        p = path(field)
        top, top_params = _sqlite_scalar(
            "json_type(value, ?)", "json_extract(value, ?)", [p], wanted
        )
        element, element_params = _sqlite_scalar("e.type", "e.value", [], wanted)
        clauses.append(
            f"(json_type(value, ?) IS NULL OR {top}"
            " OR (json_type(value, ?) = 'array'"
            f"     AND EXISTS (SELECT 1 FROM json_each(items.value, ?) e WHERE {element})))"
        )
        params += [p, *top_params, p, p, *element_params]
    return " AND ".join(clauses) or "1", params


def sqlite_field_index(field: str) -> str:
    """The indexed columns that answer a filter on `field` (see `sqlite_arms`)."""
    p = _literal(path(field))
    return f"namespace, json_type(value, {p}), json_extract(value, {p})"


def sqlite_arms(field: str, wanted: str) -> list[tuple[str, list[Any]]]:
    """One filter as conditions that never overlap (each fixes the field's json_type) and
    each look up one range of the index on `sqlite_field_index`, whose entries come in
    `seq` order: so a page is a merge of ordered ranges and a count a sum of range counts,
    no row read but those holding a list (a list is searched element by element). Paths
    are literals, for the planner to see the indexed expressions."""
    p = _literal(path(field))
    kind, value = f"json_type(value, {p})", f"json_extract(value, {p})"
    arms: list[tuple[str, list[Any]]] = [
        (f"{kind} IS NULL AND {value} IS NULL", []),  # both: one range, in seq order
        (f"{kind} = 'text' AND {value} = ?", [wanted]),
    ]
    if wanted.lower() in ("true", "false"):
        arms.append((f"{kind} = ?", [wanted.lower()]))
    for number in numbers(wanted):
        if isinstance(number, int):
            if -(2**63) <= number < 2**63:  # beyond SQLite's integers: stored as reals
                arms.append((f"{kind} = 'integer' AND {value} = ?", [number]))
                arms.append((f"{kind} = 'real' AND {value} = ?", [number]))
        else:
            arms.append((f"{kind} = 'real' AND {value} = ?", [number]))
    element, element_params = _sqlite_scalar("e.type", "e.value", [], wanted)
    arms.append(
        (
            f"{kind} = 'array' AND EXISTS (SELECT 1 FROM json_each(items.value, {p}) e"
            f" WHERE {element})",
            element_params,
        )
    )
    return arms


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


_SCALARS = ("'INTEGER'", "'UNSIGNED INTEGER'", "'DOUBLE'", "'DECIMAL'", "'STRING'")
_SCALAR = "(" + ", ".join(_SCALARS) + ")"


def mysql_where(filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for field, wanted in filters.items():
        p = path(field)
        elements = ['"' + wanted.replace("\\", "\\\\").replace('"', '\\"') + '"']
        elements += [repr(n) if isinstance(n, float) else str(n) for n in numbers(wanted)]
        if wanted.lower() in ("true", "false"):
            elements.append(wanted.lower())
        contains = " OR ".join("JSON_CONTAINS(JSON_EXTRACT(value, %s), %s)" for _ in elements)
        # a whole real reads as an integer literal too (5.0 matches `5`), as in Python
        integers = [n for n in numbers(wanted) if isinstance(n, int) and abs(n) < 2**53]
        whole = (
            " OR (JSON_TYPE(JSON_EXTRACT(value, %s)) = 'DOUBLE'"
            " AND JSON_EXTRACT(value, %s) + 0 = %s)"
            if integers
            else ""
        )
        whole_params = [p, p, integers[0]] if integers else []
        clauses.append(
            "(JSON_EXTRACT(value, %s) IS NULL"
            " OR (JSON_TYPE(JSON_EXTRACT(value, %s)) = 'BOOLEAN'"
            "     AND JSON_UNQUOTE(JSON_EXTRACT(value, %s)) = LOWER(%s))"
            f" OR (JSON_TYPE(JSON_EXTRACT(value, %s)) IN {_SCALAR}"
            "     AND CAST(JSON_UNQUOTE(JSON_EXTRACT(value, %s)) AS BINARY) = CAST(%s AS BINARY))"
            f"{whole}"
            f" OR (JSON_TYPE(JSON_EXTRACT(value, %s)) = 'ARRAY' AND ({contains})))"
        )
        params += [p, p, p, wanted, p, p, wanted, *whole_params, p]
        for element in elements:
            params += [p, element]
    return " AND ".join(clauses) or "1", params


def mysql_order(sort: str | None, field: str | None = None) -> tuple[str, list[Any]]:
    """The Query sort order as SQLite gives it: numbers and booleans (1, 0) by value, then
    text in code point order (its UTF-8 bytes), reversed for descending; missing, null,
    objects and lists last either way; ties in insertion order. `field` names a column
    holding the sort field's JSON already extracted (then no parameters), else it is
    extracted from `value` at each of its eleven uses."""
    if not sort:
        return "seq", []
    p, direction = _sorting(sort)
    x = field or "JSON_EXTRACT(value, %s)"
    kind = (
        f"CASE WHEN JSON_TYPE({x}) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL',"
        f" 'BOOLEAN') THEN 0 WHEN JSON_TYPE({x}) = 'STRING' THEN 1 ELSE 2 END"
    )
    number = (
        f"CASE WHEN JSON_TYPE({x}) = 'BOOLEAN' THEN JSON_UNQUOTE({x}) = 'true'"
        f" WHEN JSON_TYPE({x}) IN {_SCALAR} AND JSON_TYPE({x}) <> 'STRING' THEN {x} + 0 END"
    )
    text = f"CASE WHEN JSON_TYPE({x}) = 'STRING' THEN CAST(JSON_UNQUOTE({x}) AS BINARY) END"
    return (
        f"{kind} = 2, {kind} {direction}, {number} {direction}, {text} {direction}, seq",
        [] if field else [p] * 11,  # kind twice (2 each), number (5), text (2)
    )


PREFIX = 128  # characters of a filtered field's text kept in its MySQL index


def mysql_field_columns(field: str, literal: str) -> tuple[str, str]:
    """The two virtual columns a MySQL/MariaDB filter index holds for `field` (its path
    given as a quoted SQL literal): the value's JSON type, and its text (first `PREFIX`
    characters, compared as bytes)."""
    x = f"JSON_EXTRACT(value, {literal})"
    return f"JSON_TYPE({x})", f"CAST(LEFT(JSON_UNQUOTE({x}), {PREFIX}) AS BINARY)"


SORTED = 256  # characters of a sorted field's text kept in its MySQL sort index


def mysql_sort_columns(literal: str, descending: bool) -> tuple[str, str, str]:
    """The three virtual columns a MySQL/MariaDB sort index holds for a field (its path
    given as a quoted SQL literal), whose order is `mysql_order`'s: the group (ascending
    0 numbers and booleans, 1 text; descending 0 text, 1 numbers; 2 the rest), the number
    (booleans as 1 and 0), and the text's first `SORTED` characters as bytes. Two texts
    alike in those characters are ties to the index, so a page holding such a text is
    sorted from the rows instead."""
    x = f"JSON_EXTRACT(value, {literal})"
    first, second = ("0", "1") if not descending else ("1", "0")
    group = (
        f"CASE WHEN JSON_TYPE({x}) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL',"
        f" 'BOOLEAN') THEN {first} WHEN JSON_TYPE({x}) = 'STRING' THEN {second} ELSE 2 END"
    )
    number = (
        f"CASE WHEN JSON_TYPE({x}) = 'BOOLEAN' THEN JSON_UNQUOTE({x}) = 'true'"
        f" WHEN JSON_TYPE({x}) IN {_SCALAR} AND JSON_TYPE({x}) <> 'STRING' THEN {x} + 0 END"
    )
    text = (
        f"CASE WHEN JSON_TYPE({x}) = 'STRING'"
        f" THEN CAST(LEFT(JSON_UNQUOTE({x}), {SORTED}) AS BINARY) END"
    )
    return group, number, text


def mysql_arms(field: str, wanted: str, kind: str, text: str) -> list[tuple[str, list[Any]]]:
    """`mysql_where` for one filter as conditions that never overlap (each fixes the JSON
    type, column `kind`) and each look up the field's index on (namespace, `kind`,
    `text`): a count is a sum of index range counts, and only matching rows are read."""
    p = path(field)
    x = "JSON_EXTRACT(value, %s)"
    same = f"{text} = CAST(LEFT(%s, {PREFIX}) AS BINARY)"
    same_params: list[Any] = [wanted]
    if len(wanted) >= PREFIX:  # the index holds a prefix: the whole text read from the row
        same += f" AND CAST(JSON_UNQUOTE({x}) AS BINARY) = CAST(%s AS BINARY)"
        same_params += [p, wanted]
    # one arm per scalar type: a single (namespace, type, text) range is already in seq order
    arms: list[tuple[str, list[Any]]] = [(f"{kind} IS NULL", [])]
    arms += [(f"{kind} = {t} AND {same}", same_params) for t in _SCALARS]
    if wanted.lower() in ("true", "false"):
        arms.append((f"{kind} = 'BOOLEAN' AND {text} = %s", [wanted.lower()]))
    integers = [n for n in numbers(wanted) if isinstance(n, int) and abs(n) < 2**53]
    if integers:  # a whole real reads as an integer literal too (5.0 matches `5`)
        arms.append(
            (f"{kind} = 'DOUBLE' AND NOT ({same}) AND {x} + 0 = %s", [*same_params, p, integers[0]])
        )
    elements = ['"' + wanted.replace("\\", "\\\\").replace('"', '\\"') + '"']
    elements += [repr(n) if isinstance(n, float) else str(n) for n in numbers(wanted)]
    if wanted.lower() in ("true", "false"):
        elements.append(wanted.lower())
    contains = " OR ".join(f"JSON_CONTAINS({x}, %s)" for _ in elements)
    arms.append((f"{kind} = 'ARRAY' AND ({contains})", [v for e in elements for v in (p, e)]))
    return arms
