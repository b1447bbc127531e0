"""The OData subset SFMC's rowset API reads: a lexer, a recursive-descent parser, an evaluator.

    filter   := or
    or       := and ("or" and)*
    and      := unary ("and" unary)*
    unary    := "not" unary | "(" or ")" | compare
    compare  := NAME OP literal
    OP       := eq | ne | gt | ge | lt | le | like
    literal  := 'text' ('' escapes a quote) | number | true | false | null
    orderBy  := NAME ["asc" | "desc"] ("," NAME ["asc" | "desc"])*

Column types decide comparisons (numbers as numbers, dates as instants, text without
case, as the vendor's SQL collation does); `like` takes % and _ wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<punct>[(),]))"
)
MAX_DEPTH = 64  # parentheses and `not`s; deeper input is refused, never a RecursionError
OPS = ("eq", "ne", "gt", "ge", "lt", "le", "like")


class ODataError(ValueError):
    """A filter or order that cannot be read; the message names the place."""


@dataclass(frozen=True)
class Token:
    kind: str  # str, num, name, punct, end
    text: str
    pos: int


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Compare | BoolOp | Not


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ODataError(f"unexpected character {text[pos:].lstrip()[:1]!r} at {pos}")
        kind = m.lastgroup or "punct"
        tokens.append(Token(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def word(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "name" and tok.text.lower() in words

    def expect_end(self) -> None:
        tok = self.peek()
        if tok.kind != "end":
            raise ODataError(f"unexpected {tok.text!r} at {tok.pos}")

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.word("or"):
            self.take()
            node = BoolOp("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while self.word("and"):
            self.take()
            node = BoolOp("and", node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        tok = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ODataError(f"nesting deeper than {MAX_DEPTH} at {tok.pos}")
        try:
            return self._unary(tok)
        finally:
            self.depth -= 1

    def _unary(self, tok: Token) -> Node:
        if self.word("not"):
            self.take()
            return Not(self.parse_unary())
        if tok.text == "(" and tok.kind == "punct":
            self.take()
            node = self.parse_or()
            close = self.take()
            if close.text != ")":
                raise ODataError(f"expected ')' at {close.pos}")
            return node
        return self.parse_compare()

    def parse_compare(self) -> Compare:
        name = self.take()
        if name.kind != "name":
            raise ODataError(f"expected a field name at {name.pos}, found {name.text!r}")
        op = self.take()
        if op.kind != "name" or op.text.lower() not in OPS:
            raise ODataError(f"expected one of {', '.join(OPS)} after {name.text} at {op.pos}")
        return Compare(name.text, op.text.lower(), self.literal())

    def literal(self) -> Any:
        tok = self.take()
        if tok.kind == "str":
            return tok.text[1:-1].replace("''", "'")
        if tok.kind == "num":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "name" and tok.text.lower() in ("true", "false"):
            return tok.text.lower() == "true"
        if tok.kind == "name" and tok.text.lower() == "null":
            return None
        raise ODataError(f"expected a value at {tok.pos}, found {tok.text or 'the end'!r}")


def parse_filter(text: str) -> Node:
    parser = _Parser(text)
    if parser.peek().kind == "end":
        raise ODataError("$filter is empty")
    node = parser.parse_or()
    parser.expect_end()
    return node


def parse_order(text: str) -> list[tuple[str, bool]]:
    """[(field, descending)] in priority order."""
    parser = _Parser(text)
    out: list[tuple[str, bool]] = []
    while True:
        name = parser.take()
        if name.kind != "name":
            raise ODataError(f"expected a field name at {name.pos}")
        desc = False
        if parser.word("asc", "desc"):
            desc = parser.take().text.lower() == "desc"
        out.append((name.text, desc))
        tok = parser.take()
        if tok.kind == "end":
            return out
        if tok.text != ",":
            raise ODataError(f"expected ',' at {tok.pos}")


def fields_of(node: Node) -> list[str]:
    if isinstance(node, Compare):
        return [node.field]
    if isinstance(node, Not):
        return fields_of(node.operand)
    return fields_of(node.left) + fields_of(node.right)


# -- evaluation ------------------------------------------------------------------------------
Getter = Callable[[str], tuple[str | None, str]]  # field -> (stored text, column type)


def sort_key(text: str | None, kind: str) -> tuple[int, Any]:
    """A comparable form of a stored value; empty values sort first."""
    if text is None or text == "":
        return (0, "")
    if kind in ("Number", "Decimal"):
        try:
            return (1, float(text))
        except ValueError:
            return (2, text.casefold())
    if kind == "Date":
        when = parse_date(text)
        return (1, when.timestamp()) if when else (2, text.casefold())
    if kind == "Boolean":
        return (1, text.strip().lower() in ("true", "1", "yes", "y"))
    return (1, text.casefold())


def parse_date(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.replace("Z", "").split(".")[0], fmt)
        except ValueError:
            continue
    return None


def _like(pattern: str) -> re.Pattern[str]:
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def evaluate(node: Node, get: Getter) -> bool:
    if isinstance(node, BoolOp):
        left = evaluate(node.left, get)
        if node.op == "and":
            return left and evaluate(node.right, get)
        return left or evaluate(node.right, get)
    if isinstance(node, Not):
        return not evaluate(node.operand, get)
    text, kind = get(node.field)
    if node.value is None:
        empty = text is None or text == ""
        return empty if node.op == "eq" else (not empty if node.op == "ne" else False)
    if node.op == "like":
        return text is not None and _like(str(node.value)).fullmatch(text) is not None
    if text is None or text == "":
        return node.op == "ne"
    value = node.value
    literal = ("True" if value else "False") if isinstance(value, bool) else str(value)
    left, right = sort_key(text, kind), sort_key(literal, kind)
    if left[0] != right[0]:  # a number column holding text, or the other way round
        left, right = (1, text.casefold()), (1, literal.casefold())
    return {
        "eq": left == right,
        "ne": left != right,
        "gt": left > right,
        "ge": left >= right,
        "lt": left < right,
        "le": left <= right,
    }[node.op]
