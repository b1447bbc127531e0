"""The SQL engine behind the Query API: sqlglot reads the Data Cloud (ANSI/Trino) SQL and
writes SQLite, the stdlib sqlite3 runs it over the tables the query names.

Only the tables a query references are loaded into a fresh in-memory database, so every
query sees the data as it is at that moment. Result column types come from sqlglot's type
annotation against the catalog; DECIMAL and TIMESTAMP values leave as strings.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from .errors import ApiError

_SQLITE_TYPES = {
    "VARCHAR": "TEXT",
    "DECIMAL": "REAL",
    "TIMESTAMP": "TEXT",
    "BIGINT": "INTEGER",
    "INTEGER": "INTEGER",
    "DOUBLE": "REAL",
    "BOOLEAN": "INTEGER",
    "DATE": "TEXT",
}
_GLOT_TYPES = {
    "VARCHAR": "VARCHAR",
    "DECIMAL": "DECIMAL(38, 18)",
    "TIMESTAMP": "TIMESTAMP",
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
}
_T = exp.DataType.Type
_FROM_GLOT = {
    _T.DECIMAL: "DECIMAL",
    _T.BIGDECIMAL: "DECIMAL",
    _T.TIMESTAMP: "TIMESTAMP",
    _T.TIMESTAMPTZ: "TIMESTAMP",
    _T.DATETIME: "TIMESTAMP",
    _T.BIGINT: "BIGINT",
    _T.INT: "INTEGER",
    _T.SMALLINT: "INTEGER",
    _T.TINYINT: "INTEGER",
    _T.DOUBLE: "DOUBLE",
    _T.FLOAT: "DOUBLE",
    _T.BOOLEAN: "BOOLEAN",
    _T.DATE: "DATE",
    _T.VARCHAR: "VARCHAR",
    _T.TEXT: "VARCHAR",
    _T.CHAR: "VARCHAR",
}


@dataclass
class Relation:
    """A table for the engine: ordered columns with Data Cloud types, and rows as dicts."""

    columns: dict[str, str]
    rows: list[dict[str, Any]]


@dataclass
class Result:
    columns: list[tuple[str, str]]  # (name, Data Cloud type)
    rows: list[list[Any]]


Resolver = Callable[[str], Relation | None]


def parse(sql: str) -> exp.Query:
    """One read-only query, or the 400 the service answers for anything else."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except SqlglotError as exc:
        raise ApiError(400, "INVALID_SQL", f"SQL syntax error: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise ApiError(400, "INVALID_SQL", "exactly one SQL statement is expected")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise ApiError(400, "INVALID_SQL", "only SELECT queries are supported")
    return tree


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def referenced(tree: exp.Expression) -> list[str]:
    """Names of the stored tables a query reads (CTE names excluded)."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    names = []
    for table in tree.find_all(exp.Table):
        if table.name and table.name.lower() not in ctes and table.name not in names:
            names.append(table.name)
    return names


def execute(sql: str | exp.Query, resolve: Resolver, now: float | None = None) -> Result:
    """Run one query; `now` (the specmock clock) answers CURRENT_TIMESTAMP and friends."""
    tree = parse(sql) if isinstance(sql, str) else sql
    relations: dict[str, Relation] = {}
    for name in referenced(tree):
        relation = resolve(name)
        if relation is None:
            raise ApiError(400, "INVALID_SQL", f"Table '{name}' does not exist")
        relations[name] = relation
    types = _column_types(tree, relations)
    db = sqlite3.connect(":memory:")
    _functions(db)
    try:
        for name, relation in relations.items():
            _load(db, name, relation)
        try:
            cursor = db.execute(_rewrite(tree, now).sql(dialect="sqlite"))
            raw = cursor.fetchall()
        except (sqlite3.Error, SqlglotError) as exc:
            raise ApiError(400, "INVALID_SQL", _explain(exc)) from None
        names = [d[0] for d in cursor.description or []]
    finally:
        db.close()
    if len(types) != len(names):
        types = [None] * len(names)
    columns = [
        (n, t or _guess([r[i] for r in raw]))
        for i, (n, t) in enumerate(zip(names, types, strict=True))
    ]
    rows = [[_out(v, columns[i][1]) for i, v in enumerate(row)] for row in raw]
    return Result(columns, rows)


_UNITS = {"year": 4, "month": 7, "day": 10, "hour": 13, "minute": 16, "second": 19}
_FLOOR = "0000-01-01 00:00:00.000"


def _trunc(unit: str, value: str | None) -> str | None:
    """DATE_TRUNC over the stored `YYYY-MM-DD HH:MM:SS.sss` text."""
    unit = unit.lower()
    if value is None or (unit not in _UNITS and unit != "quarter"):
        return None
    if unit == "quarter":
        month = (int(value[5:7]) - 1) // 3 * 3 + 1
        return f"{value[:4]}-{month:02d}" + _FLOOR[7:]
    keep = _UNITS[unit]
    return value[:keep] + _FLOOR[keep:]


def _part(unit: str, value: str | None) -> int | None:
    """YEAR(), MONTH(), DAY(), HOUR() of a stored timestamp."""
    spans = {"year": (0, 4), "month": (5, 7), "day": (8, 10), "hour": (11, 13)}
    if value is None or unit not in spans or len(value) < spans[unit][1]:
        return None
    start, end = spans[unit]
    return int(value[start:end])


def _functions(db: sqlite3.Connection) -> None:
    db.create_function("DC_TRUNC", 2, _trunc, deterministic=True)
    db.create_function("DC_PART", 2, _part, deterministic=True)


def _rewrite(tree: exp.Query, now: float | None) -> exp.Expression:
    """Date functions SQLite lacks become the functions registered above; the current time
    is the specmock clock's."""
    clock = datetime.fromtimestamp(now if now is not None else time.time(), UTC)

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
            unit = node.args.get("unit")
            name = unit.name if unit is not None else "day"
            return exp.Anonymous(this="DC_TRUNC", expressions=[exp.Literal.string(name), node.this])
        for kind, unit_name in ((exp.Year, "year"), (exp.Month, "month"), (exp.Day, "day")):
            if isinstance(node, kind):
                return exp.Anonymous(
                    this="DC_PART", expressions=[exp.Literal.string(unit_name), node.this]
                )
        if isinstance(node, exp.CurrentTimestamp):
            return exp.Literal.string(clock.strftime("%Y-%m-%d %H:%M:%S.000"))
        if isinstance(node, exp.CurrentDate):
            return exp.Literal.string(clock.strftime("%Y-%m-%d"))
        return node

    return tree.copy().transform(swap)


def _load(db: sqlite3.Connection, name: str, relation: Relation) -> None:
    cols = list(relation.columns)
    ddl = ", ".join(f'"{c}" {_SQLITE_TYPES.get(t, "TEXT")}' for c, t in relation.columns.items())
    db.execute(f'CREATE TABLE "{name}" ({ddl})')
    marks = ", ".join("?" for _ in cols)
    db.executemany(
        f'INSERT INTO "{name}" VALUES ({marks})',
        [[_in(row.get(c), relation.columns[c]) for c in cols] for row in relation.rows],
    )


def _in(value: Any, kind: str) -> Any:
    """Store TIMESTAMPs as `YYYY-MM-DD HH:MM:SS.sss` so they compare with SQL literals."""
    if kind == "TIMESTAMP" and isinstance(value, str):
        return value.replace("T", " ")[:23]
    return value


def _out(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "DECIMAL" and isinstance(value, int | float):
        text = format(Decimal(repr(round(float(value), 6))).normalize(), "f")
        return text
    if kind == "TIMESTAMP" and isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\d", value):
        return value[:10] + "T" + (value[11:23] or "00:00:00.000").ljust(12, "0")[:12] + "+00:00"
    if kind == "BOOLEAN" and isinstance(value, int):
        return bool(value)
    if kind in ("BIGINT", "INTEGER") and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_STORED_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")


def _guess(values: list[Any]) -> str:
    """The type of a column sqlglot could not type, from its first non-null value (a
    timestamp computed in SQLite still has the stored timestamp form)."""
    for value in values:
        if isinstance(value, bool):
            return "BOOLEAN"
        if isinstance(value, int):
            return "BIGINT"
        if isinstance(value, float):
            return "DOUBLE"
        if isinstance(value, str):
            return "TIMESTAMP" if _STORED_STAMP.fullmatch(value) else "VARCHAR"
    return "VARCHAR"


def _column_types(tree: exp.Query, relations: dict[str, Relation]) -> list[str | None]:
    """Data Cloud types of the result columns, from sqlglot's annotation; None = unknown."""
    schema = {
        name: {col: _GLOT_TYPES.get(t, "VARCHAR") for col, t in rel.columns.items()}
        for name, rel in relations.items()
    }
    try:
        typed = annotate_types(
            qualify(
                tree.copy(),
                schema=schema,
                dialect="trino",
                validate_qualify_columns=False,
                quote_identifiers=False,
            ),
            schema=schema,
        )
    except Exception:  # best effort: values decide the type where annotation cannot
        return []
    out: list[str | None] = []
    for select in typed.selects:
        kind = select.type.this if select.type else None
        out.append(_FROM_GLOT.get(kind) if kind is not None else None)
    return out


def _explain(exc: Exception) -> str:
    """SQLite's words in the service's: unknown columns and tables are named."""
    text = _first_line(exc)
    column = re.match(r"no such column: (.+)", text)
    if column:
        return f"Column '{column.group(1)}' cannot be resolved"
    table = re.match(r"no such table: (.+)", text)
    if table:
        return f"Table '{table.group(1)}' does not exist"
    return f"SQL error: {text}"
