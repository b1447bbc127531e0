"""Data extension rows: definitions lookup, value checks and the stored form of a row.

Rows are stored as `{column name as defined: text or None}` under one namespace per data
extension, keyed by the primary-key values; values are text, as SFMC keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from specmock import Context

from .common import by_ref
from .odata import parse_date

DES = "/dataextensions"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def rows_ns(ctx: Context, de_id: str) -> str:
    return ctx.namespace(f"{DES}/{de_id}/rows")


async def find_de(ctx: Context, ref: str) -> dict[str, Any] | None:
    return by_ref(await ctx.store.items(ctx.namespace(DES)), ref)


def columns(de: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields by lower-cased name: SFMC column names are case-insensitive."""
    return {f["name"].lower(): f for f in de["fields"]}


def primary_keys(de: dict[str, Any]) -> list[str]:
    return [f["name"] for f in de["fields"] if f.get("isPrimaryKey")]


def text(value: Any) -> str | None:
    """The vendor's stored text of a JSON value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_value(column: dict[str, Any], value: str | None) -> str | None:
    """Why a value does not fit its column, or None."""
    name, kind = column["name"], column.get("type", "Text")
    if value is None or value == "":
        if column.get("isPrimaryKey") or column.get("isNullable") is False:
            return f"Column {name} is required and cannot be empty"
        return None
    if kind == "Number" and not re.fullmatch(r"-?\d+", value):
        return f"Column {name} is a Number; {value!r} is not a whole number"
    if kind == "Decimal" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return f"Column {name} is a Decimal; {value!r} is not a number"
    if kind == "Boolean" and value.lower() not in ("true", "false", "1", "0", "yes", "no"):
        return f"Column {name} is a Boolean; {value!r} is not true or false"
    if kind == "Date" and parse_date(value) is None:
        return f"Column {name} is a Date; {value!r} is not a date"
    if kind == "EmailAddress" and not _EMAIL.match(value):
        return f"Column {name} is an EmailAddress; {value!r} is not an email address"
    length = column.get("length")
    if kind in ("Text", "EmailAddress", "Phone") and length and len(value) > int(length):
        return f"Column {name} holds at most {length} characters; got {len(value)}"
    return None


@dataclass
class Checked:
    """A row checked against its data extension: its storage key, values and problems."""

    key: str = ""
    values: dict[str, str | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def check_row(de: dict[str, Any], given: dict[str, Any], need_keys: bool = True) -> Checked:
    """Map given names onto columns, check every value and build the primary-key string."""
    cols = columns(de)
    out = Checked()
    for name, raw in given.items():
        column = cols.get(str(name).lower())
        if column is None:
            out.errors.append(f"The field {name} does not exist in data extension {de['key']}")
            continue
        value = text(raw)
        problem = check_value(column, value)
        if problem:
            out.errors.append(problem)
        out.values[column["name"]] = value
    pks = primary_keys(de)
    missing = [pk for pk in pks if out.values.get(pk) in (None, "")]
    if need_keys and missing:
        out.errors.append(f"Primary key {missing[0]} is missing for data extension {de['key']}")
    if need_keys and not pks:
        out.errors.append(f"Data extension {de['key']} has no primary key to upsert by")
    out.key = "\x1f".join(str(out.values.get(pk, "")).casefold() for pk in pks)
    return out


def required_missing(de: dict[str, Any], row: dict[str, str | None]) -> str | None:
    for column in de["fields"]:
        if column.get("isNullable") is False and row.get(column["name"]) in (None, ""):
            return f"Column {column['name']} is required and cannot be empty"
    return None


def echo(de: dict[str, Any], row: dict[str, str | None], only: list[str] | None = None) -> dict:
    """The vendor's row form: keys and values apart, names lower-cased, values as text."""
    pks = set(primary_keys(de))
    names = only if only is not None else [c["name"] for c in de["fields"]]
    return {
        "keys": {n.lower(): row.get(n) for n in names if n in pks},
        "values": {n.lower(): row.get(n) for n in names if n not in pks},
    }


async def store_row(
    ctx: Context, de: dict[str, Any], checked: Checked, insert_only: bool = False
) -> str | None:
    """Insert or merge a checked row; the reason it cannot be stored, or None."""
    ns = rows_ns(ctx, de["id"])
    key = checked.key or f"#{await ctx.store.next_id(ns)}"
    existing = await ctx.store.get(ns, key) if checked.key else None
    if existing is not None and insert_only:
        return f"Violation of PRIMARY KEY constraint: the row {key!r} already exists"
    if existing is None:
        base = {c["name"]: c.get("defaultValue") for c in de["fields"]}
        row = {**base, **checked.values}
    else:
        row = {**existing, **checked.values}
    problem = required_missing(de, row)
    if problem:
        return problem
    await ctx.store.put(ns, key, row)
    return None
