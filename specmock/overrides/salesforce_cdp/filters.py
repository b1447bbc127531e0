"""The Profile and Insights APIs' query parameters (`fields=a,b`, `filters=[a=1,b=x]`,
`orderby=a DESC`) turned into sqlglot expressions, never into SQL text."""

from __future__ import annotations

from sqlglot import exp

from .errors import ApiError


def split_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _check(field: str, known: list[str], table: str) -> str:
    for name in known:
        if name.lower() == field.lower():
            return name
    raise ApiError(422, "INVALID_FIELD", f"{field} is not a field of {table}")


def fields(value: str | None, known: list[str], table: str) -> list[str]:
    """Requested fields (all when none are named); an unknown one is the documented 422."""
    return [_check(f, known, table) for f in split_list(value)] or list(known)


def conditions(value: str | None, known: list[str], table: str) -> list[exp.Expression]:
    """`[a=1,b=x]` → [a = '1', b = 'x'] (values are compared with the column's affinity)."""
    text = (value or "").strip()
    if not text:
        return []
    if not (text.startswith("[") and text.endswith("]")):
        raise ApiError(400, "INVALID_ARGUMENT", "filters must look like [field=value,...]")
    out: list[exp.Expression] = []
    for part in split_list(text[1:-1]):
        name, sep, raw = part.partition("=")
        if not sep or not name.strip():
            raise ApiError(400, "INVALID_ARGUMENT", f"filter {part!r} is not field=value")
        column = exp.column(_check(name.strip(), known, table), quoted=True)
        out.append(column.eq(exp.Literal.string(raw.strip())))
    return out


def order_by(query: exp.Select, value: str | None, known: list[str], table: str) -> exp.Select:
    for part in split_list(value):
        name, _, direction = part.partition(" ")
        direction = direction.strip().upper() or "ASC"
        if direction not in ("ASC", "DESC"):
            raise ApiError(400, "INVALID_ARGUMENT", f"orderby direction {direction} is unknown")
        column = exp.column(_check(name, known, table), quoted=True)
        query = query.order_by(exp.Ordered(this=column, desc=direction == "DESC"))
    return query
