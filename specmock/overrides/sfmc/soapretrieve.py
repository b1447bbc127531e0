"""SOAP Retrieve: the object type, the properties asked for and the filter tree.

`DataExtensionObject[Name]` reads the rows of one data extension (its columns are the
properties). Filters are `SimpleFilterPart` (Property, SimpleOperator, Value) and
`ComplexFilterPart` (LeftOperand, LogicalOperator, RightOperand, AdditionalOperands);
property names compare case-insensitively, values as numbers when both sides are numbers.
A problem answers OverallStatus `Error: ...` with no results, as the vendor does.
"""

from __future__ import annotations

import re
from typing import Any

from specmock import Context

from .rows import find_de
from .soapobjects import KINDS, de_by_name
from .soapxml import many

_OBJECT = re.compile(r"^(\w+)(?:\[(.+)\])?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class RetrieveError(ValueError):
    """Why a Retrieve cannot run; its text follows `Error: ` in OverallStatus."""


def _get(record: dict[str, Any], name: str) -> tuple[bool, Any]:
    for key, value in record.items():
        if key.lower() == name.lower():
            return True, value
    return False, None


def _order(a: str, b: str) -> tuple[Any, Any]:
    if _NUMBER.match(a) and _NUMBER.match(b):
        return float(a), float(b)
    return a.casefold(), b.casefold()


def matches(record: dict[str, Any], part: Any, known: set[str]) -> bool:
    if not isinstance(part, dict):
        raise RetrieveError("the Filter is empty")
    if "LogicalOperator" in part or "LeftOperand" in part:
        operator = str(part.get("LogicalOperator", "")).upper()
        if operator not in ("AND", "OR"):
            raise RetrieveError(f"LogicalOperator {operator or '(none)'} is not AND or OR")
        operands = [part.get("LeftOperand"), part.get("RightOperand")]
        extra = part.get("AdditionalOperands")
        operands += many(extra.get("Operand")) if isinstance(extra, dict) else []
        found = [matches(record, p, known) for p in operands if p is not None]
        return all(found) if operator == "AND" else any(found)
    name = str(part.get("Property") or "")
    if name.lower() not in known:
        raise RetrieveError(f"the filter property {name or '(none)'} is not retrievable")
    _, have = _get(record, name)
    have = None if have in (None, "") else str(have)
    op = str(part.get("SimpleOperator") or "").lower()
    values = [str(v) for v in many(part.get("Value")) if isinstance(v, str)]
    if op in ("isnull", "isnotnull"):
        return (have is None) == (op == "isnull")
    if op == "in":
        return have is not None and have.casefold() in {v.casefold() for v in values}
    if not values:
        raise RetrieveError(f"SimpleOperator {op} needs a Value")
    if have is None:
        return op == "notequals"
    if op == "between":
        if len(values) != 2:
            raise RetrieveError("between needs two Values")
        low, x = _order(values[0], have)
        x2, high = _order(have, values[1])
        return low <= x and x2 <= high
    x, y = _order(have, values[0])
    tests = {
        "equals": x == y,
        "notequals": x != y,
        "greaterthan": x > y,
        "lessthan": x < y,
        "greaterthanorequal": x >= y,
        "lessthanorequal": x <= y,
        "like": values[0].strip("%").casefold() in have.casefold(),
    }
    if op not in tests:
        raise RetrieveError(f"SimpleOperator {op or '(none)'} is not supported")
    return tests[op]


async def retrieve(ctx: Context, request: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(OverallStatus, Results) for one RetrieveRequest."""
    if request.get("ContinueRequest"):
        return "OK", []  # every Retrieve answers in one batch, so there is nothing more
    object_type = str(request.get("ObjectType") or "")
    found = _OBJECT.match(object_type)
    kind = KINDS.get(found[1]) if found else None
    if found is None or kind is None or kind.records is None:
        return f"Error: Unable to retrieve objects of type {object_type or '(none)'}", []
    if found[1] == "DataExtensionObject" and not found[2]:
        return "Error: name the data extension: DataExtensionObject[Name]", []
    records = await kind.records(ctx, found[2] or "")
    if records is None:
        return f"Error: Data extension {found[2]} does not exist", []
    wanted = [p for p in many(request.get("Properties")) if isinstance(p, str)]
    if not wanted:
        return "Error: a RetrieveRequest needs at least one of Properties", []
    is_row = found[1] == "DataExtensionObject"
    if is_row:
        de_columns = await _columns(ctx, found[2] or "")
        known = {c.lower() for c in de_columns}
    else:
        known = {p.lower() for p in kind.properties}
    unknown = [p for p in wanted if p.lower() not in known]
    if unknown:
        names = ", ".join(unknown)
        problem = f"The Request Property(s) {names} do not match with the fields of {found[1]}"
        return f"Error: {problem} retrieve", []
    try:
        if request.get("Filter") is not None:
            records = [r for r in records if matches(r, request["Filter"], known)]
    except RetrieveError as problem:
        return f"Error: {problem}", []
    results = []
    for record in records:
        if is_row:
            props = [{"Name": p, "Value": _get(record, p)[1]} for p in wanted]
            results.append(
                {
                    "@type": "DataExtensionObject",
                    "Type": "DataExtensionObject",
                    "Properties": {"Property": props},
                }
            )
        else:
            shown = {p: _get(record, p)[1] for p in wanted if "." not in p}
            results.append({"@type": found[1], **shown})
    return "OK", results


async def _columns(ctx: Context, name: str) -> list[str]:
    de = await de_by_name(ctx, name) or await find_de(ctx, "key:" + name)
    return [f["name"] for f in de["fields"]] if de else []


async def describe(ctx: Context, object_type: str) -> dict[str, Any]:
    """An ObjectDefinition: the retrievable properties (a data extension's columns for
    `DataExtensionObject[Name]`), which FuelSDK asks for when `get()` names none."""
    found = _OBJECT.match(object_type)
    kind = KINDS.get(found[1]) if found else None
    if found is None or kind is None:
        return {"ObjectType": object_type, "IsRetrievable": False}
    if found[1] == "DataExtensionObject":
        names = await _columns(ctx, found[2] or "")
    else:
        names = [p for p in kind.properties if "." not in p]
    creatable = "Create" in kind.operations
    properties = [
        {"Name": n, "DataType": "String", "IsCreatable": creatable, "IsRetrievable": True}
        for n in names
    ]
    return {
        "ObjectType": object_type,
        "Name": found[1],
        "IsCreatable": creatable,
        "IsUpdatable": "Update" in kind.operations,
        "IsRetrievable": kind.records is not None,
        "Properties": properties,
    }
