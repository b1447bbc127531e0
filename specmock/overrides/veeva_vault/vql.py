"""VQL: parsed with sqlglot's tokenizer and parser, evaluated over plain record dicts.

VQL is SQL's SELECT with a few words of its own. `PAGESIZE n` / `PAGEOFFSET n` (and the
older `MAXROWS` / `SKIP`) are lifted out at the token level, the rest is parsed as SQL,
and the tree (projections, FROM, WHERE, ORDER BY, LIMIT, OFFSET) is evaluated here, so
what a query can say is exactly what this module understands, and anything else is a
syntax error rather than a silent misreading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Tokenizer, TokenType

Row = dict[str, Any]
_PAGING = {"PAGESIZE": "pagesize", "PAGEOFFSET": "pageoffset", "MAXROWS": "limit", "SKIP": "offset"}


TOO_DEEP = "the query nests conditions too deeply"


class VqlError(ValueError):
    """A statement this VQL cannot run; the message says where and why."""


@dataclass
class Statement:
    """One parsed SELECT: what to return, from where, which rows, in which order, which slice."""

    fields: list[str]
    source: str
    where: exp.Expression | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None
    offset: int = 0
    pagesize: int | None = None
    pageoffset: int = 0

    def referenced(self) -> set[str]:
        """Every field the statement names, so unknown ones are refused up front."""
        names = set(self.fields) | {name for name, _ in self.order}
        if self.where is not None:
            names |= {c.name for c in self.where.find_all(exp.Column)}
        return names


def parse(text: str) -> Statement:
    """Parse one VQL SELECT; raises VqlError for anything this engine does not read."""
    if not text or not text.strip():
        raise VqlError("the query is empty")
    sql, paging = _lift_paging(text)
    try:
        tree = sqlglot.parse_one(sql)
    except SqlglotError as exc:
        raise VqlError(f"Error parsing the query: {_first_line(exc)}") from None
    except RecursionError:
        raise VqlError(TOO_DEEP) from None
    if not isinstance(tree, exp.Select):
        raise VqlError("only SELECT statements are supported")
    for unsupported in ("joins", "group", "having", "with", "distinct"):
        if tree.args.get(unsupported):
            raise VqlError(f"{unsupported.upper()} is not supported in VQL")
    source = tree.args.get("from_") or tree.args.get("from")
    table = source.this if source is not None else None
    if not isinstance(table, exp.Table) or table.alias:
        raise VqlError("FROM must name one object, such as documents or product__v")
    statement = Statement(_fields(tree), table.name, _where(tree), _order(tree))
    statement.limit = _number(tree.args.get("limit"), "LIMIT")
    statement.offset = _number(tree.args.get("offset"), "OFFSET") or 0
    statement.limit = paging.get("limit", statement.limit)
    statement.offset = paging.get("offset", statement.offset)
    statement.pagesize = paging.get("pagesize")
    statement.pageoffset = paging.get("pageoffset", 0)
    return statement


def _lift_paging(text: str) -> tuple[str, dict[str, int]]:
    """Take `PAGESIZE 10 PAGEOFFSET 20` (and MAXROWS/SKIP) out of the token stream."""
    try:
        tokens = Tokenizer().tokenize(text)
    except SqlglotError as exc:
        raise VqlError(f"Error parsing the query: {_first_line(exc)}") from None
    paging: dict[str, int] = {}
    cut: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        word = tokens[i].text.upper()
        if tokens[i].token_type == TokenType.VAR and word in _PAGING:
            if i + 1 >= len(tokens) or tokens[i + 1].token_type != TokenType.NUMBER:
                raise VqlError(f"{word} needs a whole number after it")
            value = tokens[i + 1].text
            if not value.isdigit():
                raise VqlError(f"{word} needs a whole number after it, not {value}")
            paging[_PAGING[word]] = int(value)
            cut.append((tokens[i].start, tokens[i + 1].end + 1))
            i += 2
            continue
        i += 1
    sql, last = [], 0
    for start, end in cut:
        sql.append(text[last:start])
        last = end
    sql.append(text[last:])
    return "".join(sql), paging


def _first_line(exc: Exception) -> str:
    """The parser's first complaint with its position, without its token dump."""
    details = getattr(exc, "errors", None) or []
    if details and isinstance(details[0], dict) and details[0].get("description"):
        first = details[0]
        description = str(first["description"]).split(" but got <Token")[0]
        return f"{description} at line {first.get('line')}, column {first.get('col')}"
    return str(exc).splitlines()[0][:300]


def _fields(tree: exp.Select) -> list[str]:
    names = []
    for projection in tree.expressions:
        if not isinstance(projection, exp.Column) or projection.table:
            raise VqlError(f"SELECT takes field names; cannot read {projection.sql()!r}")
        names.append(projection.name)
    if not names:
        raise VqlError("SELECT needs at least one field")
    return names


def _where(tree: exp.Select) -> exp.Expression | None:
    where = tree.args.get("where")
    if where is None:
        return None
    try:
        _check_condition(where.this)
    except RecursionError:
        raise VqlError(TOO_DEEP) from None
    return where.this


def _order(tree: exp.Select) -> list[tuple[str, bool]]:
    order = tree.args.get("order")
    out = []
    for item in order.expressions if order is not None else []:
        if not isinstance(item, exp.Ordered) or not isinstance(item.this, exp.Column):
            raise VqlError("ORDER BY takes field names")
        out.append((item.this.name, bool(item.args.get("desc"))))
    return out


def _number(node: exp.Expression | None, word: str) -> int | None:
    if node is None:
        return None
    value = node.args.get("expression")
    if not isinstance(value, exp.Literal) or value.is_string or not str(value.this).isdigit():
        raise VqlError(f"{word} needs a whole number")
    return int(value.this)


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}


def _check_condition(node: exp.Expression) -> None:
    """Refuse at parse time what evaluation would not understand."""
    if isinstance(node, (exp.And, exp.Or)):
        _check_condition(node.this)
        _check_condition(node.expression)
    elif isinstance(node, (exp.Paren, exp.Not)):
        _check_condition(node.this)
    elif type(node) in _COMPARE or isinstance(node, exp.Like):
        sides = [node.this, node.expression]
        if not any(isinstance(s, exp.Column) for s in sides) or not all(
            isinstance(s, (exp.Column, exp.Literal, exp.Boolean, exp.Null)) for s in sides
        ):
            raise VqlError(f"cannot compare {node.sql()!r}: use a field and a value")
    elif isinstance(node, exp.In):
        values = node.expressions
        if (
            not isinstance(node.this, exp.Column)
            or not values
            or not all(isinstance(v, (exp.Literal, exp.Boolean)) for v in values)
        ):
            raise VqlError(f"IN takes a field and a list of values: {node.sql()!r}")
    elif isinstance(node, exp.Is):
        if not isinstance(node.this, exp.Column) or not isinstance(node.expression, exp.Null):
            raise VqlError(f"IS takes a field and NULL: {node.sql()!r}")
    else:
        raise VqlError(f"unsupported condition {node.sql()!r}")


def matches(node: exp.Expression | None, row: Row) -> bool:
    """Whether a row satisfies a WHERE tree already checked by `_check_condition`."""
    if node is None:
        return True
    if isinstance(node, exp.And):
        return matches(node.this, row) and matches(node.expression, row)
    if isinstance(node, exp.Or):
        return matches(node.this, row) or matches(node.expression, row)
    if isinstance(node, exp.Paren):
        return matches(node.this, row)
    if isinstance(node, exp.Not):
        return not matches(node.this, row)
    if isinstance(node, exp.Is):
        return row.get(node.this.name) in (None, "", [])
    if isinstance(node, exp.In):
        value = row.get(node.this.name)
        return any(_equal(value, _literal(v)) for v in node.expressions)
    left, right, flip = _sides(node)
    value = row.get(left.name)
    wanted = _literal(right)
    if isinstance(node, exp.Like):
        return value is not None and _like(str(wanted)).fullmatch(str(value)) is not None
    compare = _COMPARE[type(node)]
    if value is None or wanted is None:
        return isinstance(node, exp.NEQ) and value != wanted
    a, b = _coerce(value, wanted)
    try:
        return compare(b, a) if flip else compare(a, b)
    except TypeError:
        return False


def _sides(node: exp.Expression) -> tuple[exp.Column, exp.Expression, bool]:
    if isinstance(node.this, exp.Column):
        return node.this, node.expression, False
    return node.expression, node.this, True


def _literal(node: exp.Expression) -> Any:
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        text = str(node.this)
        return float(text) if any(c in text for c in ".eE") else int(text)
    return str(node.this)


def _coerce(value: Any, wanted: Any) -> tuple[Any, Any]:
    """Compare like with like: numbers as numbers, booleans as booleans, the rest as text."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool) or isinstance(wanted, bool):
        return str(value).lower(), str(wanted).lower()
    if isinstance(value, (int, float)) and isinstance(wanted, (int, float)):
        return value, wanted
    if isinstance(value, (int, float)) and isinstance(wanted, str):
        try:
            return value, float(wanted)
        except ValueError:
            return str(value), wanted
    return str(value), str(wanted)


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, list):
        return any(_equal(v, wanted) for v in value)
    a, b = _coerce(value, wanted)
    return a == b


def _like(pattern: str) -> re.Pattern[str]:
    """VQL LIKE: `%` any run, `_` one character, case-insensitive."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def run(statement: Statement, rows: list[Row]) -> list[Row]:
    """Filter, sort and slice (LIMIT/OFFSET); paging is the caller's, over the result."""
    try:
        found = [row for row in rows if matches(statement.where, row)]
    except RecursionError:
        raise VqlError(TOO_DEEP) from None
    for name, descending in reversed(statement.order):
        present = [r for r in found if r.get(name) is not None]
        missing = [r for r in found if r.get(name) is None]
        present.sort(key=lambda r, n=name: sort_key(r.get(n)), reverse=descending)
        found = present + missing
    end = None if statement.limit is None else statement.offset + statement.limit
    return found[statement.offset : end]


def sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before text, text without regard to case; never a TypeError between kinds."""
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).lower())
